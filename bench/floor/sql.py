"""The floor's "rows" variant: the fewest statements, each nested page a LIMIT per parent.

A nested page reads its n rows per parent off the index that serves its
order: on PostgreSQL a ``LATERAL`` sub-select per parent key, on SQLite a
correlated sub-select with ``LIMIT`` per parent key (the keys come in as a
JSON array through ``json_each``). Never ``row_number()`` over the parents'
whole collections: a course of 5,000 costs its 10 students what a course of
10 does. The server shapes the rows into the answer (``bench.floor.rows``).

Also the write mix's statements, run through SQLAlchemy (``bench.floor.app``).
"""

from __future__ import annotations

from sqlalchemy import TextClause, bindparam, text

from server.db.models import UTCDateTime

__all__ = ["row_statements", "write_statements"]


# Each parent's first :n rows. SQLite has no LATERAL: the link rows' rowids
# come from a correlated sub-select per parent key, then are read by rowid.
_SQLITE_PER_PARENT = {
    "courses_of_students": (
        "SELECT p.value AS parent, c.id, c.code, c.title FROM json_each(:ids) AS p"
        " JOIN registrations AS l ON l.rowid IN (SELECT rowid FROM registrations"
        "  WHERE student_id = p.value ORDER BY course_id LIMIT :n)"
        " JOIN courses c ON c.id = l.course_id ORDER BY p.value, l.course_id"
    ),
    "students_of_courses": (
        "SELECT p.value AS parent, s.id, s.name FROM json_each(:ids) AS p"
        " JOIN registrations AS l ON l.rowid IN (SELECT rowid FROM registrations"
        "  WHERE course_id = p.value ORDER BY student_id LIMIT :n)"
        " JOIN students s ON s.id = l.student_id ORDER BY p.value, l.student_id"
    ),
    # The course's registrations in student order, each student's counter read
    # as it goes, until 10 pass.
    "busy_students_of_courses": (
        "SELECT p.value AS parent, s.id, s.name FROM json_each(:ids) AS p"
        " JOIN students s ON s.id IN (SELECT r.student_id FROM registrations r"
        "  JOIN students t ON t.id = r.student_id"
        "  WHERE r.course_id = p.value AND t.course_count >= :at_least"
        "  ORDER BY r.student_id LIMIT :n)"
        " ORDER BY p.value, s.id"
    ),
    "articles_of_users": (
        "SELECT p.value AS parent, a.id, a.title, a.created_at FROM json_each(:ids) AS p"
        " JOIN articles AS a ON a.id IN (SELECT id FROM articles"
        "  WHERE author_id = p.value ORDER BY created_at DESC, id DESC LIMIT :n)"
        " ORDER BY p.value, a.created_at DESC, a.id DESC"
    ),
}
_POSTGRES_PER_PARENT = {
    "courses_of_students": (
        "SELECT p.value AS parent, c.id, c.code, c.title FROM unnest(:ids::int[]) AS p(value)"
        " CROSS JOIN LATERAL (SELECT course_id FROM registrations"
        "  WHERE student_id = p.value ORDER BY course_id LIMIT :n) AS l"
        " JOIN courses c ON c.id = l.course_id ORDER BY p.value, l.course_id"
    ),
    "students_of_courses": (
        "SELECT p.value AS parent, s.id, s.name FROM unnest(:ids::int[]) AS p(value)"
        " CROSS JOIN LATERAL (SELECT student_id FROM registrations"
        "  WHERE course_id = p.value ORDER BY student_id LIMIT :n) AS l"
        " JOIN students s ON s.id = l.student_id ORDER BY p.value, l.student_id"
    ),
    "busy_students_of_courses": (
        "SELECT p.value AS parent, s.id, s.name FROM unnest(:ids::int[]) AS p(value)"
        " CROSS JOIN LATERAL (SELECT t.id, t.name FROM registrations r"
        "  JOIN students t ON t.id = r.student_id"
        "  WHERE r.course_id = p.value AND t.course_count >= :at_least"
        "  ORDER BY r.student_id LIMIT :n) AS s"
        " ORDER BY p.value, s.id"
    ),
    "articles_of_users": (
        "SELECT p.value AS parent, a.id, a.title, a.created_at"
        " FROM unnest(:ids::int[]) AS p(value)"
        " CROSS JOIN LATERAL (SELECT id, title, created_at FROM articles"
        "  WHERE author_id = p.value ORDER BY created_at DESC, id DESC LIMIT :n) AS a"
        " ORDER BY p.value, a.created_at DESC, a.id DESC"
    ),
}


def row_statements(sqlite: bool) -> dict[str, str]:
    """The statements by name, with ``:name`` parameters."""
    contains = "instr(campus_fold(s.name), :needle)" if sqlite else "strpos(lower(s.name), :needle)"
    return {
        **(_SQLITE_PER_PARENT if sqlite else _POSTGRES_PER_PARENT),
        "students": "SELECT id, name, grade FROM students ORDER BY id LIMIT :n",
        "students_after": (
            "SELECT id, name, grade FROM students WHERE id > :after ORDER BY id LIMIT :n"
        ),
        "user": "SELECT id, username FROM users WHERE id = :id",
        "followers": (
            "SELECT u.id, u.username, u.display_name, f.created_at"
            " FROM (SELECT follower_id, created_at FROM follows WHERE followed_id = :id"
            "  ORDER BY created_at DESC, follower_id DESC LIMIT :n) AS f"
            " JOIN users u ON u.id = f.follower_id"
            " ORDER BY f.created_at DESC, f.follower_id DESC"
        ),
        # Q5 and Q6: the top-level pages read off the counters' (count, id) indexes;
        # the cursor is a row value, which both back ends seek the index to.
        "users_by_followers": (
            "SELECT id, username, display_name, follower_count FROM users"
            " ORDER BY follower_count DESC, id DESC LIMIT :n"
        ),
        "users_by_followers_after": (
            "SELECT id, username, display_name, follower_count FROM users"
            " WHERE (follower_count, id) < (:after_count, :after_id)"
            " ORDER BY follower_count DESC, id DESC LIMIT :n"
        ),
        "courses_by_students": (
            "SELECT id, code, title, student_count FROM courses"
            " ORDER BY student_count DESC, id DESC LIMIT :n"
        ),
        # The course's registrations, filtered by name; the window counts before LIMIT cuts.
        "filtered_in_course": (
            "SELECT s.id, s.name, s.grade, count(*) OVER () AS total"
            " FROM courses c JOIN registrations r ON r.course_id = c.id"
            " JOIN students s ON s.id = r.student_id"
            f" WHERE c.code = :code AND {contains} > 0 ORDER BY s.id LIMIT :n"
        ),
    }


def write_statements() -> dict[str, TextClause]:
    created_at = bindparam("created_at", type_=UTCDateTime())
    return {
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
