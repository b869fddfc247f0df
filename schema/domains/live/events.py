"""What a subscription sends: link events, and the objects they name loaded once per selection.

All subscribers of a topic on one worker get the same ``LiveEvent``; the
objects an event names are loaded when it is sent, through the loader, once
for every (field in a document, variables) however many subscribers share
it. Every field these objects have is public, so one load serves every viewer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import json
from typing import Any, cast

import strawberry

from schema.common.context import Context
from schema.domains.courses import Course
from schema.domains.students import Student
from schema.domains.users import User
from schema.engine.ids import encode_id
from schema.engine.loader import Loader
from schema.engine.node import Node
from server.live import LiveEvent

__all__ = ["EnrollmentEvent", "FollowEvent", "LinkChange", "shared_node"]

Info = strawberry.Info[Context, None]


@strawberry.enum
class LinkChange(enum.Enum):
    ADDED = strawberry.enum_value(
        "ADDED", description="The link was made: a registration written, a follow started."
    )
    REMOVED = strawberry.enum_value(
        "REMOVED", description="The link was removed: a registration deleted, a follow ended."
    )


async def shared_node(info: Info, event: LiveEvent, type_name: str, pk: int) -> Node | None:
    """The object ``pk`` names with what this field selects under it; None once deleted.

    Keyed by the field's node in the parsed document (the parser cache hands
    every subscriber of the same text the same nodes) and the variables.
    """
    raw = info._raw_info
    field_node = raw.field_nodes[0]
    key = (id(field_node), json.dumps(raw.variable_values, sort_keys=True, default=str))
    entry = event.loads.get(key)
    if entry is None:
        task = asyncio.ensure_future(_load(info, type_name, pk))
        task.add_done_callback(_retrieve)
        # The node is kept beside its task so that its id is not reused meanwhile.
        entry = event.loads[key] = (field_node, task)
    found: Node | None = await asyncio.shield(entry[1])
    return found


async def _load(info: Info, type_name: str, pk: int) -> Node | None:
    # A context of its own: the load must not end with the subscriber that began it.
    context = info.context.fresh()
    try:
        [node] = await Loader(info, context).nodes([encode_id(type_name, pk)])
    finally:
        await context.close()
    return node


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # reported to whoever awaited it; no "never retrieved" warning


@strawberry.type(description="A registration that was written or deleted (students <-> courses).")
class EnrollmentEvent:
    change: LinkChange
    student_id: strawberry.ID
    course_id: strawberry.ID
    event: strawberry.Private[LiveEvent]

    @classmethod
    def of(cls, event: LiveEvent) -> EnrollmentEvent:
        return cls(
            change=LinkChange[event.change or "ADDED"],
            student_id=strawberry.ID(encode_id("Student", event.subject_id)),
            course_id=strawberry.ID(encode_id("Course", event.object_id)),
            event=event,
        )

    @strawberry.field(description="The student as it is now; null when it has been deleted.")
    async def student(self, info: Info) -> Student | None:
        return cast(
            Student | None, await shared_node(info, self.event, "Student", self.event.subject_id)
        )

    @strawberry.field(description="The course as it is now; null when it has been deleted.")
    async def course(self, info: Info) -> Course | None:
        return cast(
            Course | None, await shared_node(info, self.event, "Course", self.event.object_id)
        )

    @strawberry.field(description="When the change was committed.")
    def at(self) -> dt.datetime:
        return self.event.at


@strawberry.type(description="A follow that started or ended (the association object).")
class FollowEvent:
    change: LinkChange
    follower_id: strawberry.ID
    followed_id: strawberry.ID
    event: strawberry.Private[LiveEvent]

    @classmethod
    def of(cls, event: LiveEvent) -> FollowEvent:
        return cls(
            change=LinkChange[event.change or "ADDED"],
            follower_id=strawberry.ID(encode_id("User", event.subject_id)),
            followed_id=strawberry.ID(encode_id("User", event.object_id)),
            event=event,
        )

    @strawberry.field(description="The follower as it is now; null when it has been deleted.")
    async def follower(self, info: Info) -> User | None:
        return cast(User | None, await shared_node(info, self.event, "User", self.event.subject_id))

    @strawberry.field(description="The followed user as it is now; null when it has been deleted.")
    async def followed(self, info: Info) -> User | None:
        return cast(User | None, await shared_node(info, self.event, "User", self.event.object_id))

    @strawberry.field(description="For ADDED the follow's followedAt; for REMOVED when it ended.")
    def at(self) -> dt.datetime:
        return self.event.at
