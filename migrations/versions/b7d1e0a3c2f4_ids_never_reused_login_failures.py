"""IDs never reused on SQLite; failed log-ins counted in the database.

Revision ID: b7d1e0a3c2f4
Revises: d5a9c3e7f1b2
Create Date: 2026-12-01 23:50:00.000000

SQLite gives the largest deleted rowid to the next row unless a table is
AUTOINCREMENT, which only a rebuild can add; batch mode copies the rows over.
PostgreSQL's sequences never reuse a value, so there nothing is rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d1e0a3c2f4"
down_revision: str | Sequence[str] | None = "d5a9c3e7f1b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Parents before children, so that each rebuild copies rows whose parents exist.
_TABLES_WITH_IDS = ("teachers", "users", "articles", "students", "courses")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in _TABLES_WITH_IDS:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(autoincrement=True)
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=33), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(op.f("ix_login_failures_failed_at"), "login_failures", ["failed_at"])
    op.create_index(
        "ix_login_failures_username_failed_at", "login_failures", ["username", "failed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_login_failures_username_failed_at", table_name="login_failures")
    op.drop_index(op.f("ix_login_failures_failed_at"), table_name="login_failures")
    op.drop_table("login_failures")
    _rebuild(autoincrement=False)
