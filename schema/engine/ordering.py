"""Order inputs: ``orderBy`` lists, always completed by the id as tie-breaker."""

from __future__ import annotations

from enum import Enum

import strawberry

__all__ = [
    "ArticleOrder",
    "ArticleOrderField",
    "CourseOrder",
    "CourseOrderField",
    "OrderDirection",
    "StudentOrder",
    "StudentOrderField",
    "TeacherOrder",
    "TeacherOrderField",
    "UserOrder",
    "UserOrderField",
]


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.enum
class StudentOrderField(Enum):
    ID = "ID"
    NAME = "NAME"
    GRADE = "GRADE"


@strawberry.enum
class CourseOrderField(Enum):
    ID = "ID"
    CODE = "CODE"
    TITLE = "TITLE"


@strawberry.enum
class TeacherOrderField(Enum):
    ID = "ID"
    NAME = "NAME"


@strawberry.enum
class UserOrderField(Enum):
    ID = "ID"
    USERNAME = "USERNAME"
    CREATED_AT = "CREATED_AT"


@strawberry.enum
class ArticleOrderField(Enum):
    ID = "ID"
    TITLE = "TITLE"
    CREATED_AT = "CREATED_AT"


@strawberry.input
class StudentOrder:
    field: StudentOrderField
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class CourseOrder:
    field: CourseOrderField
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class TeacherOrder:
    field: TeacherOrderField
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class UserOrder:
    field: UserOrderField
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class ArticleOrder:
    field: ArticleOrderField
    direction: OrderDirection = OrderDirection.ASC
