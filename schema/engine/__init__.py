"""The read engine: a GraphQL selection in, SQL out, typed objects back.

It reads the query document (``selection``), plans each list's page
(``pagination``, ``nested``, ``filters``, ``ordering``), runs the plan in as
few statements as the document has relationship fields (``loader``) and
answers cached documents the short way (``execution``, ``compiled``), within
the request's limits (``limits``, ``measure``, ``timeout``, ``caching``); a
document seen before is answered from its plan in one statement
(``prepared``). What a relationship reads comes from the ORM mapper
(``relations``); the domain types declare their fields with ``connection``,
``to_one`` and ``membership``. It reaches the runtime only through
``runtime`` (the request as a ``Runtime``, its ``Limits``) and knows nothing
of the domain modules above it.
"""

from schema.engine.fields import by_id, connection, membership, request_row, to_one
from schema.engine.filters import UNSET, DateTimeFilter, IntFilter, StringFilter
from schema.engine.ids import decode_id_of, encode_id
from schema.engine.loader import Loader
from schema.engine.node import Node
from schema.engine.ordering import order_input
from schema.engine.pagination import Connection, PageInfo

__all__ = [
    "UNSET",
    "Connection",
    "DateTimeFilter",
    "IntFilter",
    "Loader",
    "Node",
    "PageInfo",
    "StringFilter",
    "by_id",
    "connection",
    "decode_id_of",
    "encode_id",
    "membership",
    "order_input",
    "request_row",
    "to_one",
]
