"""GraphiQL in a real headless Chromium, against a real server, with no other origin reachable.

The browser is Debian's ``chromium`` (``.ci/run`` installs it), driven by
Playwright; where it is missing the test is skipped and says so.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from playwright.async_api import Page, Route, WebSocket, async_playwright

from server.config import Settings
from server.db.engine import Database
from server.db.migrate import upgrade
from server.http.app import create_app
from tests.people import add_user, bearer
from tests.rows import add_course, add_student, register

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NESTED = """{
  students(first: 50) {
    edges {
      node {
        name
        courses(first: 10) {
          nodes {
            code
            students(first: 10) { nodes { name } }
          }
        }
      }
    }
  }
}"""
VIEWER = "{ viewer { username } }"
WRITE = """mutation {
  createArticle(input: {title: "From the playground", body: "Offline."}) {
    article { title author { username } }
    userErrors { code }
  }
}"""
SUBSCRIPTION = "subscription Feed { feedArticleAdded { title } }"
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
HEADER_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
# The response pane's editor; CodeMirror draws only the lines in view, so read its model.
RESPONSE = "document.querySelector('.graphiql-response .CodeMirror').CodeMirror"
WAIT_SECONDS = 20

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[str, dict[str, str]]]:
    """The app under uvicorn on 127.0.0.1 with a few students; its URL and a user's headers.

    The page does not depend on the back end, so one SQLite file of its own serves.
    """
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'playground.db'}",
        secret_key="test-secret-key" * 4,
        password_profile="CHEAPEST",
    )
    database = Database(settings)
    await upgrade(database)
    async with database.engine.begin() as conn:
        courses = [await add_course(conn, code) for code in ("CS101", "MA201")]
        ada, grace, _ = [await add_student(conn, name) for name in ("Ada", "Grace", "Alan")]
        await register(conn, ada, *courses)
        await register(conn, grace, courses[0])
        headers = bearer(settings, await add_user(conn, "grace"))
    await database.dispose()

    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=0, log_config=None, access_log=False
    )
    uvicorn_server = uvicorn.Server(config)
    serving = asyncio.create_task(uvicorn_server.serve())
    while not uvicorn_server.started:
        assert not serving.done(), "the server did not start"
        await asyncio.sleep(0.05)
    port = uvicorn_server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", headers
    uvicorn_server.should_exit = True
    await serving


async def _set_text(page: Page, selector: str, text: str) -> None:
    """Replace an editor's text as typing it would, without its bracket completion."""
    await page.click(selector)
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Delete")
    await page.keyboard.insert_text(text)


async def _run(page: Page, query: str) -> Any:
    """Run a query from the editor; the response pane's JSON once it answers."""
    await page.evaluate(f"() => {RESPONSE}.setValue('')")
    await _set_text(page, QUERY_EDITOR, query)
    await page.click(".graphiql-execute-button")
    # Polled from here: Playwright's own waiting evaluates a string, which the policy forbids.
    for _ in range(WAIT_SECONDS * 10):
        text: str = await page.evaluate(f"() => {RESPONSE}.getValue()")
        if text.strip():
            return json.loads(text)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no response within {WAIT_SECONDS} s")


async def _subscribe(page: Page, query: str, name: str) -> tuple[WebSocket, list[str]]:
    """Start subscription ``name`` from the editor; its WebSocket and the frames sent on it."""
    await _set_text(page, QUERY_EDITOR, query)
    # GraphiQL names the tab after the operation once it has parsed the document,
    # and only a document it has parsed as a subscription goes to the WebSocket.
    await page.locator(".graphiql-tab-active", has_text=name).wait_for()
    sent: list[str] = []

    def watch(socket: WebSocket) -> None:
        # Attached as the socket opens: a server that accepts it at once is sent
        # connection_init before `expect_websocket` would hand the socket over.
        socket.on("framesent", lambda payload: sent.append(str(payload)))

    page.on("websocket", watch)
    async with page.expect_websocket() as opened:
        await page.click(".graphiql-execute-button")
    socket = await opened.value
    for _ in range(WAIT_SECONDS * 10):
        if sent or socket.is_closed():
            break
        await asyncio.sleep(0.1)
    return socket, sent


async def test_graphiql_runs_queries_and_mutations_with_a_token_without_the_internet(
    server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, headers = server
    async with httpx.AsyncClient() as http:
        expected = (await http.post(f"{base}/graphql", json={"query": NESTED})).json()
    blocked: list[str] = []
    errors: list[str] = []

    async def only_this_server(route: Route) -> None:
        parts = urlsplit(route.request.url)
        if f"{parts.scheme}://{parts.netloc}" == base:
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = await browser.new_page()
        page.set_default_timeout(20_000)
        await page.route("**/*", only_this_server)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            await page.goto(f"{base}/graphql")
            await page.wait_for_selector(QUERY_EDITOR)

            assert await _run(page, NESTED) == expected
            names = [e["node"]["name"] for e in expected["data"]["students"]["edges"]]
            assert names == ["Ada", "Grace", "Alan"]

            await page.get_by_role("button", name="Headers").click()
            await _set_text(page, HEADER_EDITOR, json.dumps(headers))
            assert await _run(page, VIEWER) == {"data": {"viewer": {"username": "grace"}}}
            written = (await _run(page, WRITE))["data"]["createArticle"]
            assert written["article"] == {
                "title": "From the playground",
                "author": {"username": "grace"},
            }
            assert written["userErrors"] == []
            assert (errors, blocked) == ([], [])

            # A subscription goes to the WebSocket of the same origin, which the policy allows;
            # where the server accepts it, the headers pane is the connection_init payload.
            socket, sent = await _subscribe(page, SUBSCRIPTION, "Feed")
            assert socket.url == f"{base.replace('http:', 'ws:')}/graphql"
            assert [e for e in errors if "Content Security Policy" in e] == []
            if sent:
                assert json.loads(sent[0]) == {"type": "connection_init", "payload": headers}
        except BaseException as error:
            shot = tmp_path / "playground.png"
            await page.screenshot(path=shot)
            error.add_note(f"screenshot of the page: {shot}")
            raise
        finally:
            await browser.close()
