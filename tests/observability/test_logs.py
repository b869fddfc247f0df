"""The log of a real ``campus serve``: JSON lines, a summary per request, slow statements.

Every statement counts as slow here, so that the test sees them all logged;
and it checks that no password, token or variable value reaches any line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.config import Settings, SettingsError
from tests.processes import campus_serve, server_env

# What these tests promise holds whichever way a read is answered.
pytestmark = pytest.mark.read_paths("off", "all")

PASSWORD = "Pa55word-never-logged"
NEEDLE = "needle-never-logged"
SIGN_UP = """mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { token userErrors { code } } }"""
LOG_IN = """mutation LogIn($input: LogInInput!) { logIn(input: $input) { token } }"""
FIND = """query Find($needle: String!) {
  viewer { username } students(filter: {name: {contains: $needle}}) { nodes { name } } }"""


@pytest.fixture
def served(settings: Settings, own_database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    env = server_env(
        settings, own_database_url, CAMPUS_LOG_FORMAT="json", CAMPUS_SLOW_SQL_MS="0.000001"
    )
    with campus_serve(env, tmp_path / "serve.log", console=False) as served:
        yield served.base, served.log


def _post(base: str, query: str, variables: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = httpx.post(
        f"{base}/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_json_lines_name_each_request_and_hold_no_secret(served: tuple[str, Path]) -> None:
    base, log_path = served
    signed_up = _post(
        base,
        SIGN_UP,
        {"input": {"username": "logged", "password": PASSWORD}},
        **{"X-Request-ID": "r-signup"},
    )
    token = signed_up["data"]["signUp"]["token"]
    assert token
    _post(base, LOG_IN, {"input": {"username": "logged", "password": PASSWORD + "x"}})
    found = _post(
        base,
        FIND,
        {"needle": NEEDLE},
        Authorization=f"Bearer {token}",
        **{"X-Request-ID": "r-find"},
    )
    assert found["data"] == {"viewer": {"username": "logged"}, "students": {"nodes": []}}
    get = httpx.get(
        f"{base}/graphql",
        params={"query": FIND, "variables": json.dumps({"needle": NEEDLE})},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    assert get.status_code == 200

    text = log_path.read_text()
    lines = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
    for secret in (PASSWORD, NEEDLE, token, token.split(".")[-1]):
        assert secret not in text
    assert all(
        {"time", "level", "logger", "message", "request_id"} <= line.keys() for line in lines
    )
    summaries = {line["request_id"]: line for line in lines if line["logger"] == "campus.access"}
    find = summaries["r-find"]
    assert find["operation"] == "Find"
    assert find["status"] == 200
    assert find["duration_ms"] >= 0
    assert find["message"].startswith("POST /graphql 200 in ")
    assert find["statements"] >= 2
    assert find["rows"] == 0  # no student matches
    assert summaries["r-signup"]["operation"] == "SignUp"
    slow = [line for line in lines if line["message"].startswith("Slow statement")]
    assert any(line["request_id"] == "r-find" and "students" in line["message"] for line in slow)
    assert all(line["level"] == "WARNING" for line in slow)


def test_the_log_format_is_checked() -> None:
    assert Settings.from_env({"CAMPUS_LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(SettingsError, match="CAMPUS_LOG_FORMAT must be one of plain, json"):
        Settings.from_env({"CAMPUS_LOG_FORMAT": "xml"})
