"""The ``Node`` interface and the ``node``/``nodes`` root fields."""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry

__all__ = ["Node"]


@strawberry.interface(description="Anything with an opaque global ID that `node(id:)` can fetch.")
class Node:
    id: strawberry.ID
    pk: strawberry.Private[int]
    # What the loader fetched for this object's relationship fields, keyed by
    # the identity of the field's node in the query document.
    loaded: strawberry.Private[dict[int, Any]] = dataclasses.field(default_factory=dict)

    def related(self, info: strawberry.Info) -> Any:
        return self.loaded[id(info._raw_info.field_nodes[0])]
