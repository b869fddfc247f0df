"""What lists order and filter by when they go by what is related: counters and to-one names.

Revision ID: f6b2d8c4a1e7
Revises: a9c4e2f6b8d3
Create Date: 2026-12-04 20:45:00.000000

Each collection's size is a column of its parent (``users.follower_count``
…), and a course's teacher's name and an article's author's username are
copied beside the key that names them. Triggers keep every one of them in the
transaction that changes what they describe, whoever writes (the services,
the seed's bulk inserts, a cascade, a hand-typed statement), so they are true
by construction; ``campus check`` compares them with the real counts. Each is
indexed with the id, so a page in its order is a LIMIT over an index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f6b2d8c4a1e7"
down_revision: str | Sequence[str] | None = "a9c4e2f6b8d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (parent table, counter column, counted table, its column naming the parent)
_COUNTERS = (
    ("students", "course_count", "registrations", "student_id"),
    ("courses", "student_count", "registrations", "course_id"),
    ("teachers", "course_count", "courses", "teacher_id"),
    ("users", "follower_count", "follows", "followed_id"),
    ("users", "following_count", "follows", "follower_id"),
    ("users", "article_count", "articles", "author_id"),
)
# (table, copied column, its key, the table it names, the column copied from there)
_COPIES = (
    ("courses", "teacher_name", "teacher_id", "teachers", "name"),
    ("articles", "author_username", "author_id", "users", "username"),
)
_COUNTED = sorted({counted for _, _, counted, _ in _COUNTERS})


def upgrade() -> None:
    for parent, counter, counted, key in _COUNTERS:
        with op.batch_alter_table(parent) as batch:
            batch.add_column(sa.Column(counter, sa.Integer(), nullable=False, server_default="0"))
        op.execute(
            f"UPDATE {parent} SET {counter} ="
            f" (SELECT count(*) FROM {counted} WHERE {counted}.{key} = {parent}.id)"
        )
        op.create_index(f"ix_{parent}_{counter}_id", parent, [counter, "id"])
    with op.batch_alter_table("courses") as batch:
        batch.add_column(sa.Column("teacher_name", sa.String(100), nullable=True))
    with op.batch_alter_table("articles") as batch:
        batch.add_column(
            sa.Column("author_username", sa.String(32), nullable=False, server_default="")
        )
    for table, column, key, named, source in _COPIES:
        op.execute(
            f"UPDATE {table} SET {column} ="
            f" (SELECT {source} FROM {named} WHERE {named}.id = {table}.{key})"
        )
        op.create_index(f"ix_{table}_{column}_id", table, [column, "id"])
    for _, creates in _triggers():
        for statement in creates:
            op.execute(statement)


def downgrade() -> None:
    for drop, _ in reversed(_triggers()):
        op.execute(drop)
    for table, column, _, _, _ in reversed(_COPIES):
        op.drop_index(f"ix_{table}_{column}_id", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
    for parent, counter, _, _ in reversed(_COUNTERS):
        op.drop_index(f"ix_{parent}_{counter}_id", table_name=parent)
        with op.batch_alter_table(parent) as batch:
            batch.drop_column(counter)


def _triggers() -> list[tuple[str, list[str]]]:
    """Each trigger: the statement dropping it, and those creating it (on PostgreSQL, a
    function and its triggers: dropping the function drops them)."""
    if op.get_context().dialect.name == "sqlite":
        return [
            (f"DROP TRIGGER {name}", [f"CREATE TRIGGER {name} {body}"]) for name, body in _sqlite()
        ]
    return [
        (
            f"DROP FUNCTION {name}() CASCADE",
            [
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql"
                f" AS $$ BEGIN {body} END $$",
                *(
                    f"CREATE TRIGGER {trigger} {when} EXECUTE FUNCTION {name}()"
                    for trigger, when in triggers
                ),
            ],
        )
        for name, body, triggers in _postgresql()
    ]


def _sqlite() -> list[tuple[str, str]]:
    """(name, what follows it in CREATE TRIGGER) of each trigger."""
    triggers = []
    for counted in _COUNTED:
        counters = [(p, c, k) for p, c, t, k in _COUNTERS if t == counted]
        keys = ", ".join(sorted({k for _, _, k in counters}))
        add = "".join(f" UPDATE {p} SET {c} = {c} + 1 WHERE id = NEW.{k};" for p, c, k in counters)
        subtract = add.replace("+ 1", "- 1").replace("NEW.", "OLD.")
        move = "".join(
            f" UPDATE {p} SET {c} = {c} - 1 WHERE id = OLD.{k} AND OLD.{k} IS NOT NEW.{k};"
            f" UPDATE {p} SET {c} = {c} + 1 WHERE id = NEW.{k} AND OLD.{k} IS NOT NEW.{k};"
            for p, c, k in counters
        )
        triggers += [
            (f"{counted}_counts_insert", f"AFTER INSERT ON {counted} BEGIN{add} END"),
            (f"{counted}_counts_delete", f"AFTER DELETE ON {counted} BEGIN{subtract} END"),
            (f"{counted}_counts_update", f"AFTER UPDATE OF {keys} ON {counted} BEGIN{move} END"),
        ]
    for table, column, key, named, source in _COPIES:
        # SQLite's triggers cannot change NEW: the row is set right after it is written.
        copy = (
            f" BEGIN UPDATE {table} SET {column} = (SELECT {source} FROM {named}"
            f" WHERE id = NEW.{key}) WHERE id = NEW.id; END"
        )
        triggers += [
            (f"{table}_{column}_insert", f"AFTER INSERT ON {table}{copy}"),
            (f"{table}_{column}_update", f"AFTER UPDATE OF {key} ON {table}{copy}"),
            (
                f"{named}_{table}_{column}",
                f"AFTER UPDATE OF {source} ON {named} BEGIN"
                f" UPDATE {table} SET {column} = NEW.{source} WHERE {key} = NEW.id; END",
            ),
        ]
    return triggers


def _postgresql() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(name, body, its triggers' names and when they run) of each trigger function.

    A counter moves once per statement, by how many of the statement's rows
    name each parent: a bulk insert of 20,000 follows of one user updates
    its row once, not 20,000 times over (PostgreSQL keeps every version of
    a row a transaction updates, and each update walks them).
    """
    functions = []
    for counted in _COUNTED:
        counters = [(p, c, k) for p, c, t, k in _COUNTERS if t == counted]

        def moves(rows: str, counters: list[tuple[str, str, str]] = counters) -> str:
            return "".join(
                f" UPDATE {p} SET {c} = {p}.{c} + d.n FROM (SELECT {k} AS id, sum(n) AS n"
                f" FROM ({rows.format(k=k)}) AS r GROUP BY {k}) AS d"
                f" WHERE {p}.id = d.id AND d.n <> 0;"
                for p, c, k in counters
            )

        added, removed = "SELECT {k}, 1 AS n FROM added", "SELECT {k}, -1 AS n FROM removed"
        body = (
            f"IF TG_OP = 'INSERT' THEN{moves(added)}"
            f" ELSIF TG_OP = 'DELETE' THEN{moves(removed)}"
            f" ELSE{moves(added + ' UNION ALL ' + removed)} END IF; RETURN NULL;"
        )
        transitions = {
            "insert": "NEW TABLE AS added",
            "delete": "OLD TABLE AS removed",
            "update": "OLD TABLE AS removed NEW TABLE AS added",
        }
        triggers = [
            (
                f"{counted}_counts_{event}",
                f"AFTER {event.upper()} ON {counted} REFERENCING {tables} FOR EACH STATEMENT",
            )
            for event, tables in transitions.items()
        ]
        functions.append((f"{counted}_counts", body, triggers))
    for table, column, key, named, source in _COPIES:
        functions += [
            (
                f"{table}_{column}",
                f"NEW.{column} := (SELECT {source} FROM {named} WHERE id = NEW.{key}); RETURN NEW;",
                [
                    (
                        f"{table}_{column}",
                        f"BEFORE INSERT OR UPDATE OF {key} ON {table} FOR EACH ROW",
                    )
                ],
            ),
            (
                f"{named}_{table}_{column}",
                f"UPDATE {table} SET {column} = NEW.{source} WHERE {key} = NEW.id; RETURN NULL;",
                [
                    (
                        f"{named}_{table}_{column}",
                        f"AFTER UPDATE OF {source} ON {named}"
                        f" FOR EACH ROW WHEN (OLD.{source} IS DISTINCT FROM NEW.{source})",
                    )
                ],
            ),
        ]
    return functions
