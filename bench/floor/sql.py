"""The floor's hand-written statements, in the back end's dialect."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, text

from server.db.models import UTCDateTime

__all__ = ["Statements"]


class Statements:
    """The statements, in the back end's dialect (how to pass an id list, how to fold case)."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        ids = "IN (SELECT value FROM json_each(:ids))" if sqlite else "= ANY(:ids)"
        contains = (
            "instr(campus_fold(s.name), :needle)" if sqlite else "strpos(lower(s.name), :needle)"
        )
        self.students_page = text("SELECT id, name, grade FROM students ORDER BY id LIMIT :n")
        self.students_after = text(
            "SELECT id, name, grade FROM students WHERE id > :after ORDER BY id LIMIT :n"
        )
        self.courses_of_students = text(
            "SELECT parent, id, code, title FROM ("
            " SELECT r.student_id AS parent, c.id, c.code, c.title,"
            "  row_number() OVER (PARTITION BY r.student_id ORDER BY c.id) AS rank"
            " FROM registrations r JOIN courses c ON c.id = r.course_id"
            f" WHERE r.student_id {ids}) AS ranked"
            " WHERE rank <= :n ORDER BY parent, rank"
        )
        self.students_of_courses = text(
            "SELECT parent, id, name FROM ("
            " SELECT r.course_id AS parent, s.id, s.name,"
            "  row_number() OVER (PARTITION BY r.course_id ORDER BY s.id) AS rank"
            " FROM registrations r JOIN students s ON s.id = r.student_id"
            f" WHERE r.course_id {ids}) AS ranked"
            " WHERE rank <= :n ORDER BY parent, rank"
        )
        self.user = text("SELECT id, username FROM users WHERE id = :id")
        self.followers = text(
            "SELECT u.id, u.username, u.display_name, f.created_at"
            " FROM follows f JOIN users u ON u.id = f.follower_id"
            " WHERE f.followed_id = :id ORDER BY f.created_at DESC, u.id DESC LIMIT :n"
        )
        self.articles_of_users = text(
            "SELECT parent, id, title, created_at FROM ("
            " SELECT author_id AS parent, id, title, created_at,"
            "  row_number() OVER (PARTITION BY author_id ORDER BY created_at DESC, id DESC) AS rank"
            f" FROM articles WHERE author_id {ids}) AS ranked"
            " WHERE rank <= :n ORDER BY parent, rank"
        )
        # The course's registrations, filtered by name; the window counts before LIMIT cuts.
        self.filtered_in_course = text(
            "SELECT s.id, s.name, s.grade, count(*) OVER () AS total"
            " FROM courses c JOIN registrations r ON r.course_id = c.id"
            " JOIN students s ON s.id = r.student_id"
            f" WHERE c.code = :code AND {contains} > 0 ORDER BY s.id LIMIT :n"
        )
        created_at = bindparam("created_at", type_=UTCDateTime())
        self.writes = {
            "enroll": text(
                "INSERT INTO registrations (student_id, course_id) VALUES (:a, :b)"
                " ON CONFLICT DO NOTHING"
            ),
            "withdraw": text("DELETE FROM registrations WHERE student_id = :a AND course_id = :b"),
            "follow": text(
                "INSERT INTO follows (follower_id, followed_id, created_at)"
                " VALUES (:a, :b, :created_at) ON CONFLICT DO NOTHING"
            ).bindparams(created_at),
            "unfollow": text("DELETE FROM follows WHERE follower_id = :a AND followed_id = :b"),
        }

    def ids(self, values: Sequence[int]) -> Any:
        return json.dumps(list(values)) if self.sqlite else list(values)
