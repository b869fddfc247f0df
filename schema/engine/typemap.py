"""What the loader reads off the schema's types: their classes and relationship fields."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLNamedType, GraphQLObjectType, GraphQLOutputType, get_named_type
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryObjectDefinition

from schema.engine.mapper import node_spec
from schema.engine.node import Node
from schema.engine.relations import RELATED, NodeSpec, Relation

__all__ = ["named", "node_of", "origin", "relations"]

DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF
# The relationship fields of each object type, by field name.
_RELATIONS: dict[str, dict[str, Relation]] = {}


def named(gql_type: GraphQLOutputType) -> GraphQLObjectType:
    found = get_named_type(gql_type)
    assert isinstance(found, GraphQLObjectType)
    return found


def origin(gql_type: GraphQLNamedType | None) -> Any:
    """The class of a type's objects; for a generic's specialization, the generic's."""
    definition = None if gql_type is None else gql_type.extensions.get(DEFINITION)
    if isinstance(definition, StrawberryObjectDefinition) and definition.concrete_of is not None:
        definition = definition.concrete_of
    return getattr(definition, "origin", None)


def node_of(gql_type: GraphQLNamedType | None) -> NodeSpec | None:
    """The node a type is, or None when it is not one."""
    cls = origin(gql_type)
    if not isinstance(cls, type) or not issubclass(cls, Node) or cls is Node:
        return None
    return node_spec(cls.model)


def relations(gql_type: GraphQLObjectType) -> dict[str, Relation]:
    """The fields of the type that the loader fills, by name."""
    found = _RELATIONS.get(gql_type.name)
    if found is None:
        definitions = {name: f.extensions.get(DEFINITION) for name, f in gql_type.fields.items()}
        found = _RELATIONS[gql_type.name] = {
            name: definition.metadata[RELATED]
            for name, definition in definitions.items()
            if RELATED in getattr(definition, "metadata", {})
        }
    return found
