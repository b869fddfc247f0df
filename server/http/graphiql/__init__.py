"""The GraphiQL playground, served whole by the server: nothing is loaded from elsewhere.

GraphiQL, React and the explorer are vendored (``vendor/``, each file's origin,
hash and licence in ``vendor/SOURCES``); the page and its own script and style
are in ``static/``. Scripts and styles are served under a URL that carries a
digest of their content, so a browser keeps them for good, while the page that
names those URLs is revalidated on every load, so an upgrade reaches it.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources import files

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

__all__ = ["asset_routes", "page"]

_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}  # Starlette adds the charset
_FOREVER = "public, max-age=31536000, immutable"
# A Host header fit to name in the policy; anything else gets only 'self'.
_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
_PLACEHOLDER = re.compile(r"\{([\w.-]+)\}")


@dataclass(frozen=True)
class _Asset:
    body: bytes
    media_type: str
    digest: str

    @cached_property
    def gzipped(self) -> bytes:
        # Once per process: GraphiQL's script is 1 MB, a third of that compressed.
        return gzip.compress(self.body, mtime=0)


@cache
def _assets() -> dict[str, _Asset]:
    """Every script and style the page may load, by file name."""
    found: dict[str, _Asset] = {}
    for folder in ("vendor", "static"):
        for entry in files(__name__).joinpath(folder).iterdir():
            media_type = _MEDIA_TYPES.get(entry.name[entry.name.rfind(".") :])
            if media_type is not None and entry.is_file():
                body = entry.read_bytes()
                digest = hashlib.sha256(body).hexdigest()[:16]
                found[entry.name] = _Asset(body, media_type, digest)
    return found


@cache
def _html() -> str:
    """The page, each ``{file}`` replaced by that file's URL, relative to the page's."""
    assets = _assets()
    template = files(__name__).joinpath("static", "playground.html").read_text("utf-8")
    return _PLACEHOLDER.sub(
        lambda match: f"graphiql/{assets[match[1]].digest}/{match[1]}", template
    )


def _policy(host: str) -> str:
    # 'self' covers ws: and wss: of the same host in CSP 3; naming them too
    # keeps subscriptions working in browsers that read the older rule.
    connect = "'self'"
    if _HOST.fullmatch(host):
        connect += f" ws://{host} wss://{host}"
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            # GraphiQL's stylesheet carries its fonts and icons inline, as data: URLs.
            "font-src 'self' data:",
            "img-src 'self' data:",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def page(request: Request) -> Response:
    """The playground's page, under a policy that lets it load only from this server."""
    headers = {
        "Content-Security-Policy": _policy(request.headers.get("host", "")),
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    return HTMLResponse(_html(), headers=headers)


async def _asset(request: Request) -> Response:
    found = _assets().get(request.path_params["name"])
    if found is None or found.digest != request.path_params["digest"]:
        raise HTTPException(404)
    headers = {
        "Cache-Control": _FOREVER,
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    body = found.body
    if _accepts_gzip(request.headers.get("accept-encoding", "")):
        body, headers["Content-Encoding"] = found.gzipped, "gzip"
    return Response(body, media_type=found.media_type, headers=headers)


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether the client names gzip, with a quality above 0 if it gives one."""
    for coding in accept_encoding.lower().split(","):
        name, _, parameters = coding.partition(";")
        if name.strip() == "gzip":
            quality = parameters.replace(" ", "").removeprefix("q=")
            try:
                return not quality or float(quality) > 0
            except ValueError:
                return False
    return False


def asset_routes() -> list[Route]:
    return [Route("/graphiql/{digest}/{name}", _asset, methods=["GET"])]
