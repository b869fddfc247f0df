"""Persisted documents on the wire (SPEC §11): Apollo's automatic persisted queries,
trusted documents, and the caching of their answers over GET.

A document is named by the SHA-256 of its text, so whatever a worker has once
read from the shared store stays true: each keeps the documents it has seen
in memory and goes back to the table only to refresh their place in its
least-recently-used order (at most once a minute per document).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.config import Settings
from server.db.engine import Database
from server.db.models import utcnow
from server.documents import table as documents

__all__ = ["Document", "DocumentRefusedError", "DocumentStore", "cached", "sha256"]

logger = logging.getLogger(__name__)

# Documents clients register are kept only up to the length the parse cache
# keeps (schema/engine/caching.py): a client cannot make the server hold on to more.
MAX_AUTOMATIC_LENGTH = 20_000
MEMORY_SIZE = 1_024
REFRESH_SECONDS = 60.0
_DIGEST = re.compile("[0-9a-f]{64}")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class DocumentRefusedError(Exception):
    """A request whose document cannot run: answered with a GraphQL error and this status."""

    def __init__(self, status_code: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.code = code

    def response(self) -> JSONResponse:
        error = {"message": self.message, "extensions": {"code": self.code}}
        return JSONResponse(
            {"errors": [error]}, status_code=self.status_code, headers={"Cache-Control": "no-store"}
        )


def _not_found() -> DocumentRefusedError:
    # Apollo Client's and urql's links retry with the full query on exactly this.
    return DocumentRefusedError(200, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")


def _not_allowed() -> DocumentRefusedError:
    return DocumentRefusedError(
        400, "Only trusted documents run on this server", "PERSISTED_QUERY_NOT_ALLOWED"
    )


def _bad_request(message: str) -> DocumentRefusedError:
    return DocumentRefusedError(400, message, "BAD_REQUEST")


@dataclass(frozen=True)
class Document:
    """What a request runs: its text, the hash it was named by, whether to store it."""

    query: str | None
    hash: str | None = None
    register: bool = False


@dataclass
class _Known:
    body: str
    trusted: bool
    checked: float


class DocumentStore:
    """The shared table of documents, as one app (worker) sees it."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self._settings = settings
        self._database = database
        self._memory: OrderedDict[str, _Known] = OrderedDict()

    async def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> Document:
        """The document a request names, or ``DocumentRefusedError``; nothing is parsed."""
        wanted = _persisted_hash(extensions)
        trusted_only = self._settings.trusted_documents
        if wanted is None:
            if not trusted_only or query is None:
                return Document(query)
            digest = sha256(query)
            known = await self._find(digest)
            if known is None or not known.trusted:
                raise _not_allowed()
            return Document(known.body, digest)
        if query is not None and sha256(query) != wanted:
            raise _bad_request("provided sha does not match query")
        known = await self._find(wanted)
        if trusted_only:
            if known is None or not known.trusted:
                raise _not_allowed()
            return Document(known.body, wanted)
        if known is not None:
            return Document(known.body, wanted)
        if query is None:
            raise _not_found()
        return Document(query, wanted, register=True)

    async def register(self, document: Document) -> None:
        """Store a document a client sent with its hash, once it has run."""
        query, hash_ = document.query, document.hash
        if query is None or hash_ is None or len(query) > MAX_AUTOMATIC_LENGTH:
            return
        try:
            async with self._database.transaction() as session:
                await documents.store_automatic(
                    session, hash_, query, keep=self._settings.max_persisted_documents
                )
        except SQLAlchemyError:
            # The answer is ready; the client will send the document again.
            logger.warning("Could not store the persisted document %s", hash_, exc_info=True)
            return
        self._remember(hash_, _Known(query, trusted=False, checked=time.monotonic()))

    async def _find(self, hash_: str) -> _Known | None:
        if not _DIGEST.fullmatch(hash_):
            return None  # not a SHA-256 as sha256() writes it: names no document
        now = time.monotonic()
        known = self._memory.get(hash_)
        if known is not None and now - known.checked < REFRESH_SECONDS:
            self._memory.move_to_end(hash_)
            return known
        try:
            async with self._database.reader() as session:
                stored = await documents.find(session, hash_)
            if stored is None:
                self._memory.pop(hash_, None)
                return None
            if (utcnow() - stored.last_used_at).total_seconds() >= REFRESH_SECONDS:
                async with self._database.transaction() as session:
                    await documents.touch(session, hash_)
        except (SQLAlchemyError, OSError) as error:
            logger.error("The persisted document store is unreachable", exc_info=error)
            raise DocumentRefusedError(
                503, "The document store is unavailable", "SERVICE_UNAVAILABLE"
            ) from None
        known = _Known(stored.body, stored.trusted, now)
        self._remember(hash_, known)
        return known

    def _remember(self, hash_: str, known: _Known) -> None:
        self._memory[hash_] = known
        self._memory.move_to_end(hash_)
        while len(self._memory) > MEMORY_SIZE:
            self._memory.popitem(last=False)


def _persisted_hash(extensions: dict[str, Any] | None) -> str | None:
    """The hash of ``extensions.persistedQuery``, if the request names one."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        raise _bad_request("extensions.persistedQuery must be an object")
    if persisted.get("version") != 1:
        raise _bad_request("Unsupported persisted query version")
    hash_ = persisted.get("sha256Hash")
    if not isinstance(hash_, str):
        raise _bad_request("extensions.persistedQuery.sha256Hash must be a string")
    return hash_


def cached(request: Request, response: Response, max_age: int) -> Response:
    """A persisted query's answer over GET, for shared caches: an ETag, and 304 when it matches.

    Only answers without errors are cached; a signed-in viewer's (with
    ``Authorization``) are not touched, and ``Vary`` keeps caches from
    handing an anonymous answer to a signed-in request.
    """
    etag = f'"{hashlib.sha256(response.body).hexdigest()[:32]}"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}" if max_age else "no-cache",
        "Vary": "Authorization",
    }
    tags = _etags(request.headers.get("if-none-match", ""))
    if etag in tags or "*" in tags:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


def _etags(header: str) -> set[str]:
    # Weak comparison, as RFC 9110 asks of If-None-Match.
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return tags - {""}
