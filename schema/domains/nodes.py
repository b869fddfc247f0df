"""The ``node`` and ``nodes`` root fields: fetch anything by its global ID.

Written on a plain ``ID`` rather than Strawberry's relay field, because an ID
that is malformed or names another type is simply not found (null), not an
error.
"""

from __future__ import annotations

import strawberry

from schema.common.context import Context
from schema.common.errors import BadUserInputError
from schema.engine import Loader, Node, by_id

__all__ = ["Query"]

Info = strawberry.Info[Context, None]


@strawberry.type
class Query:
    @strawberry.field(metadata=by_id(many=False))
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        [found] = await Loader(info).nodes([id])
        return found

    @strawberry.field(metadata=by_id(many=True))
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        limit = info.context.settings.max_page_size
        if len(ids) > limit:
            raise BadUserInputError(f"`nodes` takes at most {limit} IDs, not {len(ids)}")
        return await Loader(info).nodes(ids)
