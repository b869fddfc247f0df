"""The fields a type declares its relationships with: lists, to-ones and memberships.

Each names the mapped relationship it reads and says only what the mapper
cannot: the ``orderBy`` and ``filter`` inputs, the default order, the
association columns shown on the edges. The field's type is the attribute's
annotation. Lists get the ``first/after/last/before`` arguments here, once.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import strawberry
from sqlalchemy.orm import InstrumentedAttribute

from schema.engine.loader import Loader
from schema.engine.mapper import derive_list, derive_membership, derive_to_one
from schema.engine.relations import RELATED, Relation

__all__ = [
    "BY_ID",
    "REQUEST_ROW",
    "ROOT_LIST",
    "RequestRow",
    "by_id",
    "connection",
    "membership",
    "request_row",
    "to_one",
]

# Keys in a root field's metadata saying what it reads, for plans made ahead
# of the request (``schema.engine.prepared``): a model's rows, nodes by
# global ID, or the row the request names.
ROOT_LIST = "campus.root_list"
BY_ID = "campus.by_id"
REQUEST_ROW = "campus.request_row"


@dataclass(frozen=True)
class RequestRow:
    """The row of ``model`` whose ``columns`` hold the values the request names as ``name``."""

    name: str
    model: type[Any]
    columns: tuple[str, ...]


_KEYWORD = inspect.Parameter.KEYWORD_ONLY
_PAGE = [
    inspect.Parameter(name, _KEYWORD, default=None, annotation=annotation)
    for name, annotation in (
        ("first", int | None),
        ("after", str | None),
        ("last", int | None),
        ("before", str | None),
    )
]


def connection(
    *path: Any,
    order: Any = None,
    filter: Any = None,
    default_order: Sequence[str] = ("id",),
    descending: bool = False,
    edge: Mapping[str, InstrumentedAttribute[Any]] | None = None,
    description: str | None = None,
) -> Any:
    """A paged list: every row of a model, or what one relationship (or two in a row) reach.

    ``default_order`` names node columns (or ``edge`` fields) and ends in the id.
    """
    relation = Relation(
        lambda name: derive_list(name, path, default_order, descending=descending, edge=edge or {})
    )
    parameters = list(_PAGE)
    if filter is not None:
        parameters.append(
            inspect.Parameter("filter", _KEYWORD, default=None, annotation=filter | None)
        )
    if order is not None:
        parameters.append(
            inspect.Parameter("order_by", _KEYWORD, default=None, annotation=list[order] | None)
        )
    if isinstance(path[0], type):

        async def root_list(root: Any, info: strawberry.Info, **arguments: Any) -> Any:
            return await Loader(info).root_list(relation)

        return _field(root_list, parameters, description, {ROOT_LIST: relation})
    return _field(_loaded(), parameters, description, {RELATED: relation})


def to_one(attr: InstrumentedAttribute[Any], *, description: str) -> Any:
    """The one node a many-to-one (or a one-to-one) relationship reaches, or null."""
    relation = Relation(lambda _name: derive_to_one(attr))
    return _field(_loaded(), [], description, {RELATED: relation})


def membership(attr: InstrumentedAttribute[Any], *, argument: str, description: str) -> Any:
    """Whether the node ``argument`` names is among the parent's ``attr``."""
    relation = Relation(lambda _name: derive_membership(attr))
    parameters = [inspect.Parameter(argument, _KEYWORD, annotation=strawberry.ID)]
    return _field(_loaded(), parameters, description, {RELATED: relation})


def by_id(*, many: bool) -> dict[str, str]:
    """The metadata of a root field fetching nodes by their global IDs (``node``, ``nodes``)."""
    return {BY_ID: "many" if many else "one"}


def request_row(
    name: str, model: type[Any], *columns: InstrumentedAttribute[Any]
) -> dict[str, Any]:
    """The metadata of a root field answering the row the request names (the viewer)."""
    return {REQUEST_ROW: RequestRow(name, model, tuple(column.key for column in columns))}


def _loaded() -> Callable[..., Any]:
    def loaded(root: Any, info: strawberry.Info, **arguments: Any) -> Any:
        return root.related(info)

    return loaded


def _field(
    resolver: Callable[..., Any],
    parameters: list[inspect.Parameter],
    description: str | None,
    metadata: dict[str, Any],
) -> Any:
    reserved = [
        inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter(
            "info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=strawberry.Info
        ),
    ]
    resolver.__signature__ = inspect.Signature([*reserved, *parameters])  # type: ignore[attr-defined]
    return strawberry.field(resolver=resolver, description=description, metadata=metadata)
