"""JSON written by the database, in each back end's best form: the floor's answer as SQL.

Every method returns a SQL expression for a JSON value. On SQLite that is a
value ``json_object`` renders as it should (text is quoted, a number is not,
what ``json()``, ``json_object`` or ``json_group_array`` return is inserted
as it is); a sub-select's JSON loses that mark on its way out, so it is
wrapped in ``json()``. On PostgreSQL it is the JSON's text, put together by
concatenation: ``json_build_object`` and ``json_agg`` space their output
(``{"a" : 1}``, ``[1, \\n 2]``), and the floor's bytes must be campus's.

Global IDs and cursors are base64 of ``Type:pk`` and of the cursor's JSON;
SQLite has no base64, so the floor registers ``floor_b64`` and
``floor_b64url`` on its connections (``bench.floor.drivers``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

__all__ = ["JsonSql", "PostgresJson", "SqliteJson", "json_sql"]


class JsonSql(ABC):
    """How one back end writes JSON values in SQL."""

    @abstractmethod
    def obj(self, *pairs: tuple[str, str]) -> str:
        """An object of (key, JSON value) pairs, in that order."""

    @abstractmethod
    def text(self, expr: str, *, nullable: bool = False) -> str:
        """A text column as a JSON string (or null)."""

    @abstractmethod
    def number(self, expr: str) -> str:
        """A NOT NULL integer column."""

    @abstractmethod
    def boolean(self, condition: str) -> str:
        """``true`` or ``false`` as the condition is."""

    @abstractmethod
    def nested(self, select: str) -> str:
        """The JSON a one-value sub-select writes (``array``'s, say), as a value."""

    @abstractmethod
    def array(self, element: str, source: str, alias: str, order: str) -> str:
        """A sub-select: the array of ``element`` over the rows of ``source`` (named ``alias``).

        ``source`` puts its rows in ``order`` itself (SQLite's aggregate takes
        them as they come from it); ``order`` is over ``alias``'s columns.
        """

    @abstractmethod
    def plain(self, expr: str) -> str:
        """A JSON string of a text that needs no escaping (or null when the text is NULL)."""

    @abstractmethod
    def b64(self, expr: str) -> str:
        """Standard base64 of a text, as plain SQL text."""

    @abstractmethod
    def b64url(self, expr: str) -> str:
        """URL-safe base64 without padding of a text, as plain SQL text."""

    @abstractmethod
    def moment(self, expr: str) -> str:
        """A timestamp column in UTC as ``YYYY-MM-DDTHH:MM:SS[.ffffff]``, plain SQL text.

        As ``datetime.isoformat()`` writes it: a zero fraction is left out.
        """

    def iso(self, expr: str) -> str:
        """``isoformat()`` of the aware UTC value, as in cursors; plain SQL text."""
        return f"{self.moment(expr)} || '+00:00'"

    def gid(self, type_name: str, expr: str) -> str:
        """The global ID of the row whose key is ``expr``."""
        return self.plain(self.b64(f"'{type_name}:' || {expr}"))

    def cursor(self, values_json: str, list_name: str, order: str) -> str:
        """A keyset cursor (``bench.cursors``) over the JSON text of its values; null if NULL."""
        return self.plain(self.b64url(f"""'["{list_name}","{order}",' || {values_json} || ']'"""))

    def date_time(self, expr: str) -> str:
        """A ``DateTime`` as campus writes it: ISO 8601 in UTC with ``Z``."""
        return self.plain(f"{self.moment(expr)} || 'Z'")


class SqliteJson(JsonSql):
    def obj(self, *pairs: tuple[str, str]) -> str:
        return "json_object(" + ", ".join(f"'{key}', {value}" for key, value in pairs) + ")"

    def text(self, expr: str, *, nullable: bool = False) -> str:
        return expr

    def number(self, expr: str) -> str:
        return expr

    def boolean(self, condition: str) -> str:
        return f"json(CASE WHEN {condition} THEN 'true' ELSE 'false' END)"

    def nested(self, select: str) -> str:
        return f"json(({select}))"

    def array(self, element: str, source: str, alias: str, order: str) -> str:
        return f"SELECT json_group_array({element}) FROM ({source}) AS {alias}"

    def plain(self, expr: str) -> str:
        return expr

    def b64(self, expr: str) -> str:
        return f"floor_b64({expr})"

    def b64url(self, expr: str) -> str:
        return f"floor_b64url({expr})"

    def moment(self, expr: str) -> str:
        # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC.
        return f"replace(replace({expr}, ' ', 'T'), '.000000', '')"


class PostgresJson(JsonSql):
    def obj(self, *pairs: tuple[str, str]) -> str:
        parts = []
        for i, (key, value) in enumerate(pairs):
            parts += [f"""'{"{" if i == 0 else ","}"{key}":'""", value]
        return "(" + " || ".join([*parts, "'}'"]) + ")"

    def text(self, expr: str, *, nullable: bool = False) -> str:
        return f"coalesce(to_json({expr})::text, 'null')" if nullable else f"to_json({expr})::text"

    def number(self, expr: str) -> str:
        return f"{expr}::text"

    def boolean(self, condition: str) -> str:
        return f"CASE WHEN {condition} THEN 'true' ELSE 'false' END"

    def nested(self, select: str) -> str:
        return f"({select})"

    def array(self, element: str, source: str, alias: str, order: str) -> str:
        return (
            f"SELECT '[' || coalesce(string_agg({element}, ',' ORDER BY {order}), '') || ']'"
            f" FROM ({source}) AS {alias}"
        )

    def plain(self, expr: str) -> str:
        return f"""coalesce('"' || {expr} || '"', 'null')"""

    def b64(self, expr: str) -> str:
        # encode() breaks its output into lines of 76 characters.
        return f"replace(encode(convert_to({expr}, 'UTF8'), 'base64'), chr(10), '')"

    def b64url(self, expr: str) -> str:
        return f"rtrim(translate({self.b64(expr)}, '+/', '-_'), '=')"

    def moment(self, expr: str) -> str:
        at = f"to_char({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
        return f"replace({at}, '.000000', '')"


def json_sql(sqlite: bool) -> JsonSql:
    return SqliteJson() if sqlite else PostgresJson()
