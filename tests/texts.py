"""Generated text for property tests: all of Unicode, and what the rules say of it."""

from __future__ import annotations

import json
import os
import re
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.support import GraphQLClient

__all__ = [
    "LONE",
    "PLAIN",
    "RULED",
    "SURROGATE",
    "TEXTS",
    "fuzz",
    "has_control",
    "post",
    "refused",
]

# CAMPUS_FUZZ_EXAMPLES sets how many values each test tries (small in CI).
fuzz = settings(
    max_examples=int(os.environ.get("CAMPUS_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What the rules are about: NUL, C0 and C1 controls, tab and line breaks.
RULED = "\x00\t\n\r\x01\x0b\x1f\x7f\x80\x85\x9f"
# Any character but a control or a surrogate, with combining marks, characters
# beyond U+FFFF and plain letters drawn often: a text of these is valid unless blank.
PLAIN = st.one_of(
    st.characters(codec=None, exclude_categories=["Cc", "Cs"]),
    st.characters(categories=["M"]),
    st.characters(min_codepoint=0x10000),
    st.characters(min_codepoint=ord("a"), max_codepoint=ord("z")),
)


def _put_in(text: str, character: str, at: int) -> str:
    return text[:at] + character + text[at:]


def _with(characters: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Plain text with one of ``characters`` put in somewhere."""
    return st.builds(_put_in, st.text(PLAIN, max_size=24), characters, st.integers(0, 24))


# A quarter each: plain, with a NUL, with a control or line break, anything at all
# (lone surrogates included).
TEXTS = st.one_of(
    st.text(PLAIN, max_size=24),
    _with(st.just("\x00")),
    _with(st.sampled_from(RULED)),
    st.text(st.characters(codec=None), max_size=24),
)
SURROGATE = re.compile("[\ud800-\udfff]")
LONE = "Malformed JSON: a string holds a lone surrogate"


def has_control(value: str) -> bool:
    """Whether ``value`` holds a C0 or C1 control character (NUL included)."""
    return any(c < " " or "\x7f" <= c <= "\x9f" for c in value)


def refused(value: str, *, maximum: int | None, multiline: bool = False) -> bool:
    """What the README says a valid text is, written anew: whether ``value`` breaks it."""
    kept = value.replace("\t", "").replace("\n", "").replace("\r", "") if multiline else value
    too_long = maximum is not None and len(value) > maximum
    return has_control(kept) or not value.strip() or too_long


async def post(
    client: GraphQLClient, query: str, variables: dict[str, Any], headers: dict[str, str]
) -> tuple[int, Any]:
    """Post as JSON written ASCII-only, so that a lone surrogate goes as an escape.

    Whatever was sent, the answer is no 5xx, and a 200 carries no GraphQL error.
    """
    response = await client.http.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": variables}),
        headers={"Content-Type": "application/json", **headers},
    )
    assert response.status_code < 500, response.text
    body = response.json()
    assert "errors" not in body or response.status_code == 400, body
    return response.status_code, body
