"""Parsed and validated documents, kept for the queries clients send again and again.

An app sends the same few documents all day; validating one costs more than
running a small query. Strawberry's caches key on the query text (parsing)
and on the parsed document (validation), which is sound here because nothing
that depends on the variables is checked before execution: the node estimate
is computed in ``QueryLimits.on_execute``, after they are coerced.

Only documents up to ``MAX_CACHED_QUERY_LENGTH`` characters are kept, so
that a client sending large one-off documents cannot make the server hold on
to them.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry import extensions
from strawberry.types import ExecutionContext

__all__ = ["ParserCache", "ValidationCache"]

CACHE_SIZE = 256
MAX_CACHED_QUERY_LENGTH = 20_000


def _kept(context: ExecutionContext) -> bool:
    return len(context.query or "") <= MAX_CACHED_QUERY_LENGTH


class ParserCache(extensions.ParserCache):
    def __init__(self) -> None:
        super().__init__(maxsize=CACHE_SIZE)

    def on_parse(self) -> Iterator[None]:
        if _kept(self.execution_context):
            yield from super().on_parse()
        else:
            yield


class ValidationCache(extensions.ValidationCache):
    def __init__(self) -> None:
        super().__init__(maxsize=CACHE_SIZE)

    def on_validate(self) -> Iterator[None]:
        if _kept(self.execution_context):
            yield from super().on_validate()
        else:
            yield
