"""The ``Node`` interface: an object with a global ID, built from a row of its model."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Self

import strawberry
from sqlalchemy import Column, Table

from schema.engine.ids import encode_id

__all__ = ["SECRETS", "Node", "has_node", "node_class", "public_columns"]

# Columns that never leave the database, whatever type reads their table.
SECRETS = frozenset({"password_hash", "token_version"})
# The node type of each model, as the types declare it (``class X(Node, model=...)``).
_BY_MODEL: dict[type[Any], type[Node]] = {}
_ROW_FIELDS: dict[type[Any], tuple[str, ...]] = {}


@strawberry.interface(description="Anything with an opaque global ID that `node(id:)` can fetch.")
class Node:
    id: strawberry.ID
    pk: strawberry.Private[int]
    # What the loader fetched for this object's relationship fields, keyed by
    # the identity of the field's node in the query document.
    loaded: strawberry.Private[dict[int, Any]] = dataclasses.field(default_factory=dict)

    model: ClassVar[type[Any]]

    def __init_subclass__(cls, model: type[Any] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if model is not None:
            cls.model = model
            _BY_MODEL[model] = cls

    def related(self, info: strawberry.Info) -> Any:
        return self.loaded[id(info._raw_info.field_nodes[0])]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        """The node of a row (or ORM object): its own fields, read by name."""
        type_name = cls.__strawberry_definition__.name  # type: ignore[attr-defined]
        values = {name: getattr(row, name) for name in _row_fields(cls)}
        return cls(id=strawberry.ID(encode_id(type_name, row.id)), pk=row.id, **values)


def _row_fields(cls: type[Node]) -> tuple[str, ...]:
    """The fields of ``cls`` a row fills: every field set at construction but the ID's."""
    names = _ROW_FIELDS.get(cls)
    if names is not None:
        return names
    names = _ROW_FIELDS[cls] = tuple(
        f.name for f in dataclasses.fields(cls) if f.init and f.name not in ("id", "pk", "loaded")
    )
    columns = {column.name for column in public_columns(cls.model.__table__)}
    unknown = set(names) - columns
    assert not unknown, f"{cls.__name__} has fields its table lacks: {sorted(unknown)}"
    return names


def public_columns(table: Table) -> list[Column[Any]]:
    """The columns a node is built from; secrets stay in the database."""
    return [column for column in table.c if column.name not in SECRETS]


def node_class(model: type[Any]) -> type[Node]:
    """The node type declared for ``model``."""
    return _BY_MODEL[model]


def has_node(model: type[Any]) -> bool:
    return model in _BY_MODEL
