"""Generated values for every ``StringFilter`` operator, against stored values.

On both back ends: never a server error, and the rows each operator means,
a NUL in a value included (it matches nothing; every row is distinct from it).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.rows import add_teacher
from tests.support import GraphQLClient
from tests.texts import RULED, SURROGATE, TEXTS, fuzz, post

# Names whose lower case is the same in Python and in PostgreSQL's lower().
STORED: list[tuple[str, str | None]] = [
    ("Ada Lovelace", "B12"),
    ("ada lovelace", None),
    ("Zoë Ångström", "Ω-3"),
    ("e\u0301cole", None),
    ("\U0001f393 Grad", "\U0001f393"),
    ("Ürsula 中文", "B1"),
]
TEACHERS = """query Filtered($filter: TeacherFilter) {
  teachers(first: 100, filter: $filter) { nodes { name } }
}"""


@pytest.fixture
async def stored(connection: AsyncConnection) -> None:
    for name, office in STORED:
        await add_teacher(connection, name, office=office)


def _near_stored(data: st.DataObject) -> str:
    """A stored value, a piece of one, or either with a character the rules are about."""
    value = data.draw(st.sampled_from([v for row in STORED for v in row if v is not None]))
    start = data.draw(st.integers(0, len(value)))
    piece: str = data.draw(st.sampled_from([value, value[:start], value[start:]]))
    inserted: str = data.draw(st.sampled_from(["", "\x00", *RULED]))
    at = data.draw(st.integers(0, len(piece)))
    return piece[:at] + inserted + piece[at:]


def _matches(op: str, stored: str | None, value: Any) -> bool:
    """What each operator means, for a stored value (None is SQL NULL)."""
    if op == "ne":
        return bool(stored != value)
    if stored is None:
        return False
    if op == "in":
        return stored in value
    if op == "startsWith":
        return stored.startswith(value)
    if op == "contains":
        return str(value).lower() in stored.lower()
    return bool(stored == value)


@pytest.mark.usefixtures("stored")
@fuzz
@given(data=st.data())
async def test_every_string_filter_operator(client: GraphQLClient, data: st.DataObject) -> None:
    field = data.draw(st.sampled_from(["name", "office"]))
    op = data.draw(st.sampled_from(["eq", "ne", "in", "contains", "startsWith"]))
    one = st.one_of(TEXTS, st.builds(_near_stored, st.data()))
    value: Any = data.draw(st.lists(one, max_size=3) if op == "in" else one)
    negated = data.draw(st.booleans())
    condition = {field: {op: value}}

    status, body = await post(
        client, TEACHERS, {"filter": {"not": condition} if negated else condition}, {}
    )

    items = value if op == "in" else [value]
    if any(SURROGATE.search(item) for item in items):
        assert status == 400
        return
    names = sorted(node["name"] for node in body["data"]["teachers"]["nodes"])
    column = 0 if field == "name" else 1
    matching = sorted(row[0] for row in STORED if _matches(op, row[column], value) != negated)
    # Case folding of scripts beyond ASCII is the back end's; ASCII and a NUL fold alike.
    if op != "contains" or value.isascii() or "\x00" in value:
        assert names == matching, (condition, negated)
    else:
        assert set(names) <= {row[0] for row in STORED}
