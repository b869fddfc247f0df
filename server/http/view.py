"""The Strawberry view at /graphql: documents by hash, JSON refusals, sockets, masked errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from schema.common.context import Context
from schema.common.errors import mask
from schema.root import schema
from server.config import Settings
from server.db.engine import Database
from server.documents.store import DocumentRefusedError, DocumentStore, cached
from server.http import graphiql
from server.http.prepared import Plans
from server.http.transport import load_json, refusal
from server.live import Hub
from server.live.sockets import TOO_MANY, LiveHandler, TextFrames, sockets
from server.security.auth import Auth

__all__ = ["CampusGraphQL"]

_JSON_KINDS = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


class CampusGraphQL(GraphQL[Context, None]):
    """Strawberry's view: persisted documents, refusals in JSON, sockets counted, errors masked."""

    graphql_transport_ws_handler_class = LiveHandler[Context]
    websocket_adapter_class = TextFrames

    def __init__(
        self, settings: Settings, database: Database, auth: Auth, hub: Hub, plans: Plans
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=dt.timedelta(
                seconds=settings.connection_init_timeout_seconds
            ),
            max_subscriptions_per_connection=settings.max_subscriptions,
            # A page of another origin may open a socket only when CORS lets it post too.
            allowed_origins=settings.cors_origins,
        )
        self._settings = settings
        self._database = database
        self._auth = auth
        self._hub = hub
        self._plans = plans
        self._documents = DocumentStore(settings, database)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._serve_socket(WebSocket(scope, receive, send))
            return
        # As Strawberry's, but a request it refuses is answered in JSON, not plain text.
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = refusal(error.status_code, error.reason)
        except DocumentRefusedError as error:
            response = error.response()
        if getattr(request.state, "cacheable", False) and "authorization" not in request.headers:
            response = cached(request, response, self._settings.public_max_age)
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET naming a persisted query by its hash alone carries no `query`.
        persisted = request.query_params.get("extensions") is not None
        return not persisted and super().should_render_graphql_ide(request)

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Runs the document the request names by its hash, or the one it sends (SPEC §11)."""
        document = await self._documents.resolve(request_data.query, request_data.extensions)
        request_data.query = document.query
        result = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        if document.register and result.data is not None:
            await self._documents.register(document)
        if not result.errors:
            self._plans.saw(document.query, request_data.operation_name)
        succeeded = document.hash is not None and not result.errors
        request.state.cacheable = succeeded and request.method == "GET"
        return result

    def parse_json(self, data: str | bytes) -> dict[str, Any]:
        """A JSON object from the body (or a GET's variables), or a 400 saying what came."""
        try:
            value = self.decode_json(data)
        except (ValueError, RecursionError) as error:  # also bad UTF-8, absurd nesting
            raise HTTPException(400, f"Malformed JSON: {error}") from error
        if not isinstance(value, dict):
            raise HTTPException(400, f"Expected a JSON object, got {_JSON_KINDS[type(value)]}")
        return value

    async def _serve_socket(self, websocket: WebSocket) -> None:
        if len(sockets) >= self._settings.max_connections:
            await websocket.accept(subprotocol=GRAPHQL_TRANSPORT_WS_PROTOCOL)
            limit = self._settings.max_connections
            await websocket.close(TOO_MANY, f"Too many connections: this worker takes {limit}")
            return
        gauge = _gauge("sockets_open") if self._settings.metrics else None
        sockets.add(websocket)
        if gauge is not None:
            gauge.inc()
        try:
            await self.run(websocket)
        finally:
            sockets.discard(websocket)
            if gauge is not None:
                gauge.dec()

    @property
    def documents(self) -> DocumentStore:
        """The persisted documents, which WebSocket operations are resolved through too."""
        return self._documents

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our own page in place of Strawberry's, which loads its scripts from a CDN.
        return graphiql.page(request)

    async def get_context(self, request: Any, response: Any) -> Context:
        if isinstance(request, WebSocket):
            return Context(
                settings=self._settings,
                database=self._database,
                auth=self._auth,
                request=request,
                connection_params={},
                hub=self._hub,
                close_socket=lambda code, reason: sockets.close_later(request, code, reason),
            )
        return Context(
            settings=self._settings, database=self._database, auth=self._auth, request=request
        )

    async def on_ws_connect(self, context: Context) -> UnsetType:
        """Refuse the connection (4403) when it names a viewer by an invalid token."""
        await context.viewer()
        await context.exclusive(context.release_session)
        if context.token_problem is not None:
            raise ConnectionRejectionError({"message": context.token_problem})
        return UnsetType()  # acknowledged without a payload

    def decode_json(self, data: str | bytes) -> object:
        # Over HTTP and on sockets alike: no lone surrogate gets in.
        return load_json(data)

    def encode_json(self, data: object) -> bytes:
        # A nested page is a few hundred kilobytes of JSON: orjson writes it
        # in a fraction of the standard library's time.
        return orjson.dumps(data)

    def mask_error(self, error: GraphQLError) -> GraphQLError:
        """An error as the client may see it (over HTTP and on a socket alike)."""
        return mask(error, hide_suggestions=not self._settings.suggestions)

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = [self.mask_error(error) for error in result.errors]
        return await super().process_result(request, result)


def _gauge(name: str) -> Any:
    # Imported here: prometheus_client must first see the multiprocess directory.
    from server.observability.metrics import metrics

    return getattr(metrics(), name)
