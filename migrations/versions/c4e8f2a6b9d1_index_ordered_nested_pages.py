"""Indexes in the order of each nested list, so a page is a LIMIT over an index.

Revision ID: c4e8f2a6b9d1
Revises: af03e879abdd
Create Date: 2026-12-01 23:20:00.000000

Each index is (parent key, the list's order columns, ending in the listed
row's id); it replaces the index on its prefix, which it also serves.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c4e8f2a6b9d1"
down_revision: str | Sequence[str] | None = "af03e879abdd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, old index, old columns, new index, new columns)
_REPLACED = (
    (
        "follows",
        "ix_follows_followed_id_created_at",
        ["followed_id", "created_at"],
        "ix_follows_followed_id_created_at_follower_id",
        ["followed_id", "created_at", "follower_id"],
    ),
    (
        "follows",
        "ix_follows_follower_id_created_at",
        ["follower_id", "created_at"],
        "ix_follows_follower_id_created_at_followed_id",
        ["follower_id", "created_at", "followed_id"],
    ),
    (
        "articles",
        "ix_articles_author_id_created_at",
        ["author_id", "created_at"],
        "ix_articles_author_id_created_at_id",
        ["author_id", "created_at", "id"],
    ),
    (
        "courses",
        "ix_courses_teacher_id",
        ["teacher_id"],
        "ix_courses_teacher_id_id",
        ["teacher_id", "id"],
    ),
)


def upgrade() -> None:
    for table, old, _, new, columns in _REPLACED:
        op.create_index(op.f(new), table, columns)
        op.drop_index(op.f(old), table_name=table)


def downgrade() -> None:
    for table, old, columns, new, _ in _REPLACED:
        op.create_index(op.f(old), table, columns)
        op.drop_index(op.f(new), table_name=table)
