"""Introspection, refused when the settings switch it off (``CAMPUS_INTROSPECTION``)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from schema.common.context import Context

__all__ = ["IntrospectionSwitch"]


class IntrospectionSwitch(SchemaExtension):
    """Adds graphql-core's rule against ``__schema`` and ``__type``; ``__typename`` stays.

    Decided per request from the request's settings, so that apps built with
    different settings share the one schema.
    """

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context) and not context.settings.introspection:
            self.execution_context.validation_rules += (NoSchemaIntrospectionCustomRule,)
        yield
