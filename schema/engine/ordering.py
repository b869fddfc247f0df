"""Order inputs: ``orderBy`` lists, always completed by the id as tie-breaker."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

__all__ = ["OrderDirection", "order_input"]


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


def order_input(type_name: str, *fields: str, **described: str) -> Any:
    """The ``<type_name>Order`` input: a ``<type_name>OrderField`` and a direction.

    Each field names the column of that name (``CREATED_AT``: ``created_at``);
    ``described`` are fields with their descriptions (the counters and the
    copied names of ``server.db.models``, ``FOLLOWER_COUNT``: ``follower_count``).
    """
    values = {name: name for name in fields} | {
        name: strawberry.enum_value(name, description=text) for name, text in described.items()
    }
    members: Any = Enum(f"{type_name}OrderField", values)  # type: ignore[misc]
    field_enum = strawberry.enum(members)
    namespace = {
        "__module__": __name__,
        "__annotations__": {"field": field_enum, "direction": OrderDirection},
        "direction": OrderDirection.ASC,
    }
    return strawberry.input(type(f"{type_name}Order", (), namespace))
