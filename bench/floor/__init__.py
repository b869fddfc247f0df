"""The raw-SQL floor: one plain Starlette endpoint per query, no GraphQL.

Each endpoint runs the fewest hand-written statements that answer its query
(IN-lists and window functions, nothing fetched that is not shown) and
returns the same JSON as the campus server, with the same SQL accounting in
``extensions.sql``. It is the physical limit for a Python server on this
data. Run it as ``uvicorn bench.floor:create_app --factory``.
"""

from __future__ import annotations

from bench.floor.app import create_app

__all__ = ["create_app"]
