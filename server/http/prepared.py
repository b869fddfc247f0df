"""Prepared reads on the wire: a known query answered from its plan, everything else passed on.

The GraphQL view (Strawberry) answers a document the first time it is seen
and tells ``saw`` when it ran without error; from the second time on, a
query document is answered here: its variables coerced, its arguments
bound, the limits checked, one statement run, and the JSON the database
wrote sent as it is. Nothing of the view's machinery runs on this path. Any
request the plan does not cover — a mutation, a subscription, introspection,
arguments the reference executor would refuse, a document over a limit, a
statement that fails — goes to the view untouched (its body replayed), which
answers it as it always has.

Everything a request promises holds here too: the persisted and trusted
documents (resolved by the same store), GET caching, the time budget and
its ``TIMEOUT``, ``extensions.sql``, metrics, the request's summary line and
its trace span.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from graphql import GraphQLError, GraphQLSchema, parse, validate
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schema.common.context import limits_of
from schema.engine.caching import CACHE_SIZE, MAX_CACHED_QUERY_LENGTH
from schema.engine.limits import check_estimate, check_shape, check_tokens
from schema.engine.measure import Measured, measured
from schema.engine.prepared import SQLITE_FUNCTIONS, PreparedDocument, Refused, Uncovered
from schema.engine.timeout import RequestTimeoutError
from server.config import Settings
from server.db.engine import Database, SqlStats, count_rows, sql_stats
from server.documents.store import DocumentRefusedError, DocumentStore, cached
from server.observability.request_id import current_request
from server.observability.tracing import operation_span
from server.security.auth import Auth, TokenError

__all__ = ["Plans", "PreparedReads"]

logger = logging.getLogger(__name__)

_STREAMING = ("multipart/", "text/event-stream")


@dataclass(frozen=True, slots=True)
class _Request:
    """What a GraphQL request over HTTP asks for."""

    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class _Entry:
    """A prepared document and its measures for the limits."""

    document: PreparedDocument
    measures: Measured


class Plans:
    """The documents this app has prepared, and those it has seen answered once."""

    def __init__(self, schema: GraphQLSchema, settings: Settings) -> None:
        self.schema = schema
        self.settings = settings
        self.mode = settings.prepared_reads
        # By (document, operation name): its plan, or None when it cannot have one.
        self._prepared: OrderedDict[tuple[str, str | None], _Entry | None] = OrderedDict()
        self._seen: OrderedDict[tuple[str, str | None], None] = OrderedDict()

    def saw(self, query: str | None, operation_name: str | None) -> None:
        """The view ran this document without an error: the next time, it may be prepared."""
        if query is None or len(query) > MAX_CACHED_QUERY_LENGTH or self.mode != "seen":
            return
        key = (query, operation_name)
        if key not in self._prepared:
            _remember(self._seen, key, None)

    def prepared(self, query: str, operation_name: str | None = None) -> bool:
        """Whether the document has a plan (its requests are answered from it)."""
        return self._prepared.get((query, operation_name)) is not None

    def get(self, query: str, operation_name: str | None) -> _Entry | None:
        """The document's plan, made now if it was seen before; None: the view answers."""
        key = (query, operation_name)
        if key in self._prepared:
            self._prepared.move_to_end(key)
            return self._prepared[key]
        if self.mode == "off" or len(query) > MAX_CACHED_QUERY_LENGTH:
            return None
        if self.mode == "seen":
            if key not in self._seen:
                return None
            del self._seen[key]
        _remember(self._prepared, key, self._plan(query, operation_name))
        return self._prepared[key]

    def _plan(self, query: str, operation_name: str | None) -> _Entry | None:
        limits = limits_of(self.settings)
        try:
            check_tokens(query, limits)
            document = parse(query)
            if validate(self.schema, document):
                return None
            prepared = PreparedDocument(self.schema, document, operation_name)
            root = self.schema.query_type
            assert root is not None
            measures = measured(self.schema, root, prepared.operation, prepared.fragments, limits)
            check_shape(measures, limits)
        except (GraphQLError, Uncovered):
            return None
        return _Entry(prepared, measures)


class PreparedReads:
    """Pure ASGI in front of the GraphQL view; answers the queries it has plans for."""

    def __init__(
        self,
        view: ASGIApp,
        plans: Plans,
        settings: Settings,
        database: Database,
        auth: Auth,
        documents: DocumentStore,
    ) -> None:
        self.view = view
        self.plans = plans
        self.settings = settings
        self.database = database
        self.auth = auth
        self.documents = documents

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "POST"):
            await self.view(scope, receive, send)
            return
        body = b""
        if scope["method"] == "POST":
            body = await _read_body(receive)
        request = Request(scope)
        response = await self._answer(request, body)
        if response is None:
            await self.view(scope, _replay(body, receive), send)
            return
        await response(scope, receive, send)

    async def _answer(self, request: Request, body: bytes) -> Response | None:
        """The response from a plan, or None: the view answers."""
        wanted = _read_request(request, body)
        if wanted is None:
            return None
        try:
            document = await self.documents.resolve(wanted.query, wanted.extensions)
        except DocumentRefusedError:
            return None
        query = document.query
        if query is None or document.register:
            return None
        entry = self.plans.get(query, wanted.operation_name)
        if entry is None:
            return None
        started = time.perf_counter()
        try:
            sql, params = self._bind(entry, request, wanted.variables)
        except Refused:
            return None
        name = entry.document.name
        with operation_span() if self.settings.tracing else nullcontext() as span:
            async with sql_stats() as stats:
                try:
                    data, errors = await self._execute(sql, params)
                except Refused:
                    return None
            if span is not None:
                span.name(name, stats.statements, stats.rows)
        self._observe(name, stats, errors, time.perf_counter() - started)
        # As the view writes it: data, then errors, then extensions.
        content = b'{"data":' + data
        if errors:
            content += b',"errors":' + orjson.dumps(errors)
        if self.settings.sql_stats:
            sql_cost = {"sql": {"statements": stats.statements, "rows": stats.rows}}
            content += b',"extensions":' + orjson.dumps(sql_cost)
        response = Response(content + b"}", media_type="application/json")
        if (
            not errors
            and document.hash is not None
            and request.method == "GET"
            and "authorization" not in request.headers
        ):
            response = cached(request, response, self.settings.public_max_age)
        return response

    def _bind(
        self, entry: _Entry, request: Request, variables: dict[str, Any] | None
    ) -> tuple[str, tuple[Any, ...]]:
        """The statement and its parameters; ``Refused`` where the view must answer."""
        settings = self.settings
        sql, params = entry.document.statement(
            variables,
            {"viewer": self._viewer(request)},
            self.database.engine.dialect,
            default_size=settings.default_page_size,
            max_size=settings.max_page_size,
        )
        try:  # after the arguments, as the view checks them first too
            check_estimate(entry.measures, limits_of(settings), variables)
        except GraphQLError:
            raise Refused from None
        return sql, params

    async def _execute(
        self, sql: str, params: tuple[Any, ...]
    ) -> tuple[bytes, list[dict[str, Any]]]:
        """The answer's data as JSON, and its errors (the time budget's, if it ran out)."""
        work = asyncio.ensure_future(self.database.read_one(sql, params, SQLITE_FUNCTIONS))
        seconds = self.settings.request_timeout_seconds
        try:
            async with asyncio.timeout(seconds or None):
                # Shielded: a statement cancelled mid-flight would cost its connection.
                text = await asyncio.shield(work)
        except TimeoutError:
            logger.warning("Request cut off after its time budget of %g s", seconds)
            return b"null", [dict(RequestTimeoutError(seconds).formatted)]
        except Exception:
            # The view runs it again and reports whatever it finds, masked.
            logger.warning("A prepared read failed; the reference way answers", exc_info=True)
            raise Refused from None
        count_rows(1)
        data: bytes = text.encode()
        return data, []

    def _viewer(self, request: Request) -> tuple[int, int] | None:
        header = request.headers.get("authorization")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            claims = self.auth.tokens.read(token.strip())
        except TokenError:
            return None
        return claims.user_id, claims.version

    def _observe(
        self, name: str | None, stats: SqlStats, errors: list[dict[str, Any]], seconds: float
    ) -> None:
        """The request's summary line and metrics, as the view's extensions fill them."""
        summary = current_request()
        if summary is not None:
            summary.operation = (name or "")[:100] or None
            summary.statements, summary.rows = stats.statements, stats.rows
        if self.settings.metrics:
            # Imported here: prometheus_client must first see the multiprocess directory.
            from server.observability.metrics import metrics

            metrics().observe(
                operation_type="query",
                operation_name=name,
                seconds=seconds,
                statements=stats.statements,
                rows=stats.rows,
                errors=[error.get("extensions", {}) for error in errors],
            )


def _remember(memory: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > CACHE_SIZE:
        memory.popitem(last=False)


def _read_request(request: Request, body: bytes) -> _Request | None:
    """The request's query, variables, operation name and extensions; None if unusual."""
    accept = request.headers.get("accept", "")
    if any(kind in accept for kind in _STREAMING):
        return None
    try:
        if request.method == "GET":
            data: Any = dict(parse_qsl(request.url.query, keep_blank_values=True))
            for key in ("variables", "extensions"):
                if data.get(key):
                    data[key] = orjson.loads(data[key])
        else:
            data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    query, variables = data.get("query"), data.get("variables")
    name, extensions = data.get("operationName"), data.get("extensions")
    if not (
        isinstance(query, str | None)
        and isinstance(variables, dict | None)
        and isinstance(name, str | None)
        and isinstance(extensions, dict | None)
    ):
        return None
    return _Request(query, variables, name, extensions)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The request's body once more, for the view; then whatever the client sends next."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
