"""The raw-SQL floor: the best hand-written SQL per query, no GraphQL.

Each query is served two ways, and the benchmark keeps the faster:
``/rows/qN`` runs the fewest statements (each nested page a ``LIMIT`` per
parent over its index) and shapes the rows in Python; ``/json/qN`` runs one
statement that writes the whole answer's JSON in the database, passed
through as bytes. Both answer exactly as campus does (the benchmark compares
the bytes of ``data``). Run it as ``uvicorn bench.floor:create_app --factory``.
"""

from __future__ import annotations

from bench.floor.app import create_app

__all__ = ["create_app"]
