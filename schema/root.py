"""The schema: the domain modules' root fields, assembled."""

from __future__ import annotations

import datetime as dt

from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from schema.common.errors import Schema
from schema.common.extensions import RequestScope
from schema.common.introspection import IntrospectionSwitch
from schema.common.scalars import DateTime
from schema.domains import articles, courses, enrollment, nodes, students, teachers, users
from schema.domains.live import subscriptions
from schema.engine.caching import ParserCache, ValidationCache
from schema.engine.execution import ExecutionContext
from schema.engine.limits import QueryLimits
from schema.engine.timeout import RequestTimeout

__all__ = ["schema"]

Query = merge_types(
    "Query",
    (nodes.Query, users.Query, students.Query, courses.Query, teachers.Query, articles.Query),
)

Mutation = merge_types(
    "Mutation",
    (
        students.Mutation,
        courses.Mutation,
        teachers.Mutation,
        enrollment.Mutation,
        users.accounts.Mutation,
        users.follows.Mutation,
        articles.Mutation,
    ),
)

schema = Schema(
    query=Query,
    mutation=Mutation,
    subscription=subscriptions.Subscription,
    types=[students.Student, courses.Course, teachers.Teacher, users.User, articles.Article],
    extensions=[
        RequestScope,
        QueryLimits,
        RequestTimeout,
        IntrospectionSwitch,
        ParserCache,
        ValidationCache,
    ],
    config=StrawberryConfig(scalar_map={dt.datetime: DateTime}),
    execution_context_class=ExecutionContext,
)
