"""The read engine: a GraphQL selection in, SQL out, typed objects back.

It reads the query document (``selection``), plans each list's page
(``pagination``, ``nested``, ``filters``, ``ordering``), runs the plan in as
few statements as the document has relationship fields (``loader``) and
answers cached documents the short way (``execution``, ``compiled``), within
the request's limits (``limits``, ``timeout``, ``caching``). It imports the
runtime below it (``server``) and nothing of the domain modules above it.
"""

from schema.engine.loader import Loader
from schema.engine.node import Node
from schema.engine.pagination import Connection

__all__ = ["Connection", "Loader", "Node"]
