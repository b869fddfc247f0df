"""The GraphiQL page and everything it loads, served by the app itself (SPEC §12).

A browser drives the page in test_playground_browser.py; here the HTTP side:
what the page names, how each file is served and cached, and the policy that
keeps the page to this server.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from server.config import Settings
from server.db.engine import Database
from tests.support import serve

HTML = {"Accept": "text/html"}
PACKAGE = Path(__file__).parents[2] / "server" / "http" / "graphiql"
VENDOR = PACKAGE / "vendor"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


class _Page(HTMLParser):
    """Every URL the page names, and whatever it holds that a policy would have to allow."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.urls += [value for key, value in attrs if key in {"src", "href"} and value]
        self.inline += [f"{tag} {key}" for key, _ in attrs if key == "style" or key[:2] == "on"]
        if tag == "style" or (tag == "script" and not named.get("src")):
            self.inline.append(tag)


def _sources() -> dict[str, list[str]]:
    """vendor/SOURCES: file → [package@version, tarball, path inside, SHA-256, licence]."""
    lines = (VENDOR / "SOURCES").read_text().splitlines()
    records = [line.split() for line in lines if line and not line.startswith("#")]
    return {file: rest for file, *rest in records}


async def _page(http: httpx.AsyncClient) -> tuple[httpx.Response, _Page]:
    response = await http.get("/graphql", headers=HTML)
    assert response.status_code == 200
    parsed = _Page()
    parsed.feed(response.text)
    return response, parsed


async def test_the_page_loads_nothing_from_another_origin_and_nothing_inline(
    settings: Settings, database: Database
) -> None:
    async with serve(settings, database) as http:
        response, page = await _page(http)

    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert page.inline == []
    assert page.urls, "the page names its scripts and styles"
    for url in page.urls:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("", "") or url == "data:,", url
        assert url == "data:," or url.startswith("graphiql/"), url


async def test_its_policy_allows_scripts_and_styles_from_this_server_only(
    settings: Settings, database: Database
) -> None:
    async with serve(settings, database) as http:
        response, _ = await _page(http)
        odd = await http.get("/graphql", headers={**HTML, "Host": "x; script-src *"})

    directives = dict(
        (name, sources)
        for name, _, sources in (
            part.strip().partition(" ")
            for part in response.headers["Content-Security-Policy"].split(";")
        )
    )
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self' ws://testserver wss://testserver"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    # A Host header that could not be a host adds nothing to the policy.
    assert "connect-src 'self';" in odd.headers["Content-Security-Policy"]
    assert "script-src 'self';" in odd.headers["Content-Security-Policy"]


async def test_every_file_is_served_with_its_type_and_cached_for_good_under_its_hash(
    settings: Settings, database: Database
) -> None:
    sources = _sources()
    async with serve(settings, database) as http:
        _, page = await _page(http)
        urls = [url for url in page.urls if url.startswith("graphiql/")]
        served = {url: await http.get(f"/{url}") for url in urls}
        heads = [await http.head(f"/{url}") for url in urls]

    names = {url.rsplit("/", 1)[1] for url in urls}
    shipped = {path.name for path in [*VENDOR.iterdir(), *(PACKAGE / "static").iterdir()]}
    assert names == {name for name in shipped if Path(name).suffix in MEDIA_TYPES}
    assert {"graphiql.min.js", "graphiql.min.css", "plugin-explorer.umd.js"} <= names
    for url, response in served.items():
        _, digest, name = url.split("/")
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == MEDIA_TYPES[Path(name).suffix]
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        sha256 = hashlib.sha256(response.content).hexdigest()
        assert sha256.startswith(digest)
        if name in sources:
            assert sources[name][3] == sha256, f"{name} differs from what SOURCES records"
    assert [head.status_code for head in heads] == [200] * len(urls)


@pytest.mark.parametrize(
    ("accept_encoding", "encoding"),
    [
        ("gzip, deflate, br", "gzip"),
        ("GZIP;q=0.5", "gzip"),
        ("identity", None),
        ("gzip;q=0", None),
        ("gzip;q=0.000, deflate", None),
        ("gzip;q=high", None),
        ("", None),
    ],
)
async def test_files_are_sent_compressed_to_a_client_that_takes_gzip(
    settings: Settings, database: Database, accept_encoding: str, encoding: str | None
) -> None:
    original = (VENDOR / "graphiql.min.js").read_bytes()
    async with serve(settings, database) as http:
        _, page = await _page(http)
        [url] = [url for url in page.urls if url.endswith("/graphiql.min.js")]
        headers = {"Accept-Encoding": accept_encoding}
        async with http.stream("GET", f"/{url}", headers=headers) as response:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])

    assert response.headers.get("Content-Encoding") == encoding
    assert response.headers["Vary"] == "Accept-Encoding"
    assert (gzip.decompress(raw) if encoding else raw) == original
    assert encoding is None or len(raw) < len(original) / 2


@pytest.mark.parametrize(
    "path",
    [
        "/graphiql/0000000000000000/graphiql.min.js",
        "/graphiql/{digest}/graphiql.js",
        "/graphiql/{digest}/SOURCES",
        "/graphiql/{digest}/playground.html",
        "/graphiql/{digest}/..%2FSOURCES",
        "/graphiql/{digest}/licences%2Freact.LICENSE",
        "/graphiql/graphiql.min.js",
    ],
)
async def test_anything_else_is_not_found(
    settings: Settings, database: Database, path: str
) -> None:
    async with serve(settings, database) as http:
        _, page = await _page(http)
        [script] = [url for url in page.urls if url.endswith("/graphiql.min.js")]
        response = await http.get(path.format(digest=script.split("/")[1]))

    assert response.status_code == 404
    assert response.text == "Not Found"


async def test_neither_page_nor_files_are_there_when_graphiql_is_off(
    settings: Settings, database: Database
) -> None:
    async with serve(settings, database) as http:
        _, page = await _page(http)
    async with serve(replace(settings, graphiql=False), database) as http:
        missing = await http.get("/graphql", headers=HTML)
        files = [await http.get(f"/{url}") for url in page.urls if url.startswith("graphiql/")]

    assert missing.status_code == 404
    assert [response.status_code for response in files] == [404] * len(files)


def test_every_vendored_file_is_recorded_with_its_hash_and_licence() -> None:
    sources = _sources()
    files = [path.relative_to(VENDOR) for path in VENDOR.rglob("*") if path.is_file()]
    shipped = {str(path) for path in files} - {"SOURCES"}

    assert set(sources) == shipped
    for file, (spec, tarball, inner, sha256, licence) in sources.items():
        name, _, version = spec.rpartition("@")
        assert tarball.startswith(f"https://registry.npmjs.org/{name}/-/"), file
        assert tarball.endswith(f"-{version}.tgz"), file
        assert inner.startswith("package/"), file
        assert hashlib.sha256((VENDOR / file).read_bytes()).hexdigest() == sha256, file
        kind, _, text = licence.partition(":")
        assert kind == "MIT", file
        assert not text or text in sources, f"{file}: its licence {text} is not shipped"
    assert all(sources[f][4].partition(":")[2] for f in shipped if Path(f).suffix in MEDIA_TYPES)
