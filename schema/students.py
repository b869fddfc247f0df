"""Students: many-to-many with courses through registrations, one-to-one with a user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.context import Context
from schema.engine.filters import StudentFilter
from schema.engine.ids import encode_id
from schema.engine.loader import Loader
from schema.engine.node import Node
from schema.engine.ordering import StudentOrder
from schema.engine.pagination import Connection
from schema.engine.relations import ROOT_LISTS
from schema.lists import course_list

if TYPE_CHECKING:
    from schema.users import User

__all__ = ["Query", "Student"]

Info = strawberry.Info[Context, None]


@strawberry.type
class Student(Node):
    name: str
    grade: str | None
    user_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> Student:
        return cls(
            id=strawberry.ID(encode_id("Student", row.id)),
            pk=row.id,
            name=row.name,
            grade=row.grade,
            user_id=row.user_id,
        )

    @strawberry.field(description="The user account linked to this student (one-to-one), if any.")
    def user(self, info: Info) -> Annotated[User, strawberry.lazy("schema.users")] | None:
        return self.related(info)  # type: ignore[no-any-return]

    courses = strawberry.field(
        resolver=course_list,
        description="Courses this student is registered for (many-to-many through registrations).",
    )


@strawberry.type
class Query:
    @strawberry.field
    async def students(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: StudentFilter | None = None,
        order_by: list[StudentOrder] | None = None,
    ) -> Connection[Student]:
        return await Loader(info).root_list(ROOT_LISTS["Student"])  # type: ignore[return-value]
