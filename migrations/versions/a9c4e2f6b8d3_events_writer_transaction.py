"""Each event row names the transaction that wrote it (PostgreSQL), for ordering without a lock.

Revision ID: a9c4e2f6b8d3
Revises: e3f7b1d9a5c8
Create Date: 2026-12-02 02:10:00.000000

Null on SQLite, whose single writer commits in id order already.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a9c4e2f6b8d3"
down_revision: str | Sequence[str] | None = "e3f7b1d9a5c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("xid", sa.BigInteger(), nullable=True))
        batch.create_index(batch.f("ix_events_xid"), ["xid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_index(batch.f("ix_events_xid"))
        batch.drop_column("xid")
