"""Persisted documents: GraphQL documents stored under their SHA-256.

Revision ID: d5a9c3e7f1b2
Revises: c4e8f2a6b9d1
Create Date: 2026-12-01 23:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5a9c3e7f1b2"
down_revision: str | None = "c4e8f2a6b9d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "persisted_documents",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("trusted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(hash) = 64", name=op.f("ck_persisted_documents_hash_length")),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_persisted_documents")),
    )
    op.create_index(
        op.f("ix_persisted_documents_trusted_last_used_at"),
        "persisted_documents",
        ["trusted", "last_used_at"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_persisted_documents_trusted_last_used_at"), table_name="persisted_documents"
    )
    op.drop_table("persisted_documents")
