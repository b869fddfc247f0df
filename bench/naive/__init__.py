"""The naive baseline: the same models and field names, one query per parent (N+1).

Every relationship field runs its own ``SELECT ... WHERE parent = :id LIMIT n+1``
for its one parent object, which is what ``lazy="dynamic"`` gives and what the
seeds warn about: no loader, no batching, ORM objects all the way. Otherwise it
keeps the campus server's discipline (one session per request, guarded by a
lock, since Strawberry resolves sibling fields concurrently) and answers Q1-Q6
with the same JSON. Run it as ``uvicorn bench.naive:create_app --factory``.
"""

from __future__ import annotations

from bench.naive.app import create_app, schema

__all__ = ["create_app", "schema"]
