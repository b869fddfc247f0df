"""The log-in throttle across server processes: one count for all of them (SPEC §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from server.config import Settings
from tests.cli.test_workers import workers_serving

SIGN_UP = """mutation ($input: SignUpInput!) { signUp(input: $input) { userErrors { code } } }"""
LOG_IN = """mutation ($input: LogInInput!) {
  logIn(input: $input) { token userErrors { code message } } }"""
MAX_FAILURES = 10


async def _log_in(http: httpx.AsyncClient, password: str) -> dict[str, Any]:
    variables = {"input": {"username": "grace", "password": password}}
    response = await http.post("/graphql", json={"query": LOG_IN, "variables": variables})
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["data"]["logIn"]
    return payload


async def test_the_eleventh_failure_is_throttled_whichever_process_gets_it(
    settings: Settings, own_database_url: str, tmp_path: Path
) -> None:
    """Two servers on one database, as two workers or two hosts would be."""
    with (
        workers_serving(settings, own_database_url, tmp_path / "one.log", workers=1) as one,
        workers_serving(settings, own_database_url, tmp_path / "two.log", workers=1) as two,
    ):
        async with (
            httpx.AsyncClient(base_url=one, timeout=30) as first,
            httpx.AsyncClient(base_url=two, timeout=30) as second,
        ):
            variables = {"input": {"username": "grace", "password": "correct horse"}}
            signed_up = await first.post(
                "/graphql", json={"query": SIGN_UP, "variables": variables}
            )
            assert signed_up.json()["data"]["signUp"]["userErrors"] == []

            # Half the failures on each process: each alone stays under the limit.
            for i in range(MAX_FAILURES):
                failed = await _log_in(first if i % 2 else second, "wrong password")
                assert failed["token"] is None
                assert "Too many" not in str(failed["userErrors"])

            for http in (first, second):
                throttled = await _log_in(http, "correct horse")
                assert throttled["token"] is None
                [error] = throttled["userErrors"]
                assert error["code"] == "INVALID"
                assert error["message"].startswith("Too many failed log-ins")
