"""The floor's "json" variant: one statement per query that writes the whole ``data``.

Every nested page is a correlated sub-select with ``LIMIT`` over the index
that serves its order, aggregated into its array inside the database; the
server passes the statement's one value through as the answer's bytes.
Each top-level page reads one row more than it shows, for ``hasNextPage``.

Parameters: ``:after`` (a student id; the ``*_after`` forms), ``:id`` (Q2's
user), ``:code`` and ``:needle`` (Q4), ``:after_count`` and ``:after_id``
(Q5's cursor), ``:at_least`` (Q6).
"""

from __future__ import annotations

from bench.cursors import COURSES_BY_STUDENTS, STUDENTS_BY_ID, USERS_BY_FOLLOWERS
from bench.floor.jsonsql import JsonSql, SqliteJson, json_sql

__all__ = ["json_statements"]

STUDENTS_ORDER = STUDENTS_BY_ID


def _student_cursor(j: JsonSql, id_expr: str) -> str:
    return j.cursor(f"'[' || {id_expr} || ']'", *STUDENTS_ORDER)


def _students_page(j: JsonSql, size: int, after: bool) -> str:
    where = " WHERE id > :after" if after else ""
    return f"SELECT id, name, grade FROM students{where} ORDER BY id LIMIT {size + 1}"


def _page_info(j: JsonSql, size: int, *extra: tuple[str, str]) -> str:
    """hasNextPage and endCursor of the student page ``page`` (size + 1 rows)."""
    last = f"(SELECT max(id) FROM (SELECT id FROM page ORDER BY id LIMIT {size}) AS shown)"
    return j.obj(
        ("hasNextPage", j.boolean(f"(SELECT count(*) FROM page) > {size}")),
        *extra,
        ("endCursor", _student_cursor(j, last)),
    )


def _linked(j: JsonSql, columns: str, table: str, parent: str, member: str, key: str) -> str:
    """The first 10 rows of ``table`` linked to the parent ``key`` through ``registrations``.

    The rows come in their page's order. SQLite walks the link index in order
    and looks each row up by key as it goes; PostgreSQL's planner may instead
    merge-join a parent's whole collection in the other table's order, so
    there the page is cut on the link index first (its aggregate orders).
    """
    if isinstance(j, SqliteJson):
        return (
            f"SELECT {columns} FROM registrations r JOIN {table} x ON x.id = r.{member}"
            f" WHERE r.{parent} = {key} ORDER BY r.{member} LIMIT 10"
        )
    return (
        f"SELECT {columns} FROM (SELECT {member} FROM registrations WHERE {parent} = {key}"
        f" ORDER BY {member} LIMIT 10) AS r JOIN {table} x ON x.id = r.{member}"
    )


def _courses_of(j: JsonSql, student: str) -> str:
    """A student's first 10 courses, each with its first 10 students."""
    classmates = j.array(
        j.obj(("id", j.gid("Student", "t.id")), ("name", j.text("t.name"))),
        _linked(j, "x.id, x.name", "students", "course_id", "student_id", "c.id"),
        "t",
        "t.id",
    )
    course = j.obj(
        ("id", j.gid("Course", "c.id")),
        ("code", j.text("c.code")),
        ("title", j.text("c.title")),
        ("students", j.obj(("nodes", j.nested(classmates)))),
    )
    return j.array(
        course,
        _linked(j, "x.id, x.code, x.title", "courses", "student_id", "course_id", student),
        "c",
        "c.id",
    )


def q1(j: JsonSql, after: bool) -> str:
    edge = j.obj(
        ("cursor", _student_cursor(j, "s.id")),
        (
            "node",
            j.obj(
                ("id", j.gid("Student", "s.id")),
                ("name", j.text("s.name")),
                ("grade", j.text("s.grade", nullable=True)),
                ("courses", j.obj(("nodes", j.nested(_courses_of(j, "s.id"))))),
            ),
        ),
    )
    edges = j.array(edge, "SELECT * FROM page ORDER BY id LIMIT 50", "s", "s.id")
    students = j.obj(("pageInfo", _page_info(j, 50)), ("edges", j.nested(edges)))
    return f"WITH page AS ({_students_page(j, 50, after)}) SELECT {j.obj(('students', students))}"


def q2(j: JsonSql) -> str:
    articles = j.array(
        j.obj(
            ("id", j.gid("Article", "a.id")),
            ("title", j.text("a.title")),
            ("createdAt", j.date_time("a.created_at")),
        ),
        "SELECT id, title, created_at FROM articles WHERE author_id = f.id"
        " ORDER BY created_at DESC, id DESC LIMIT 5",
        "a",
        "a.created_at DESC, a.id DESC",
    )
    edge = j.obj(
        ("followedAt", j.date_time("f.created_at")),
        (
            "node",
            j.obj(
                ("id", j.gid("User", "f.id")),
                ("username", j.text("f.username")),
                ("displayName", j.text("f.display_name")),
                ("articles", j.obj(("nodes", j.nested(articles)))),
            ),
        ),
    )
    # The follow rows first, in the index's order; the followers' rows for the 20 shown.
    followers = (
        "SELECT follower_id AS id, created_at FROM follows WHERE followed_id = :id"
        " ORDER BY created_at DESC, follower_id DESC LIMIT 21"
    )
    shown = (
        "SELECT page.id, page.created_at, u.username, u.display_name"
        " FROM (SELECT * FROM follows_page ORDER BY created_at DESC, id DESC LIMIT 20) AS page"
        " JOIN users u ON u.id = page.id ORDER BY page.created_at DESC, page.id DESC"
    )
    last = (
        "(SELECT {values} FROM (SELECT * FROM follows_page"
        " ORDER BY created_at DESC, id DESC LIMIT 20) AS shown"
        " ORDER BY created_at, id LIMIT 1)"
    )
    end = last.format(values=f"""'["' || {j.iso("created_at")} || '",' || id || ']'""")
    page_info = j.obj(
        ("hasNextPage", j.boolean("(SELECT count(*) FROM follows_page) > 20")),
        ("endCursor", j.cursor(end, "User.followers", "followedAt:desc,id:desc")),
    )
    edges = j.array(edge, shown, "f", "f.created_at DESC, f.id DESC")
    followers_json = j.obj(("pageInfo", page_info), ("edges", j.nested(edges)))
    user = j.obj(
        ("id", j.gid("User", "u.id")),
        ("username", j.text("u.username")),
        ("followers", followers_json),
    )
    return (
        f"WITH follows_page AS ({followers}) SELECT {j.obj(('node', user))}"
        " FROM users u WHERE u.id = :id"
    )


def q3(j: JsonSql, after: bool) -> str:
    edge = j.obj(
        ("cursor", _student_cursor(j, "s.id")),
        (
            "node",
            j.obj(
                ("id", j.gid("Student", "s.id")),
                ("name", j.text("s.name")),
                ("grade", j.text("s.grade", nullable=True)),
            ),
        ),
    )
    edges = j.array(edge, "SELECT * FROM page ORDER BY id LIMIT 20", "s", "s.id")
    previous = ("hasPreviousPage", j.boolean("1 = 1" if after else "1 = 0"))
    students = j.obj(("pageInfo", _page_info(j, 20, previous)), ("edges", j.nested(edges)))
    return f"WITH page AS ({_students_page(j, 20, after)}) SELECT {j.obj(('students', students))}"


def q4(j: JsonSql, contains: str) -> str:
    """Registered for the course and named like the needle: the count and the first 20."""
    node = j.obj(
        ("id", j.gid("Student", "s.id")),
        ("name", j.text("s.name")),
        ("grade", j.text("s.grade", nullable=True)),
    )
    nodes = j.array(node, "SELECT * FROM matches ORDER BY id LIMIT 20", "s", "s.id")
    last = "(SELECT max(id) FROM (SELECT id FROM matches ORDER BY id LIMIT 20) AS shown)"
    page_info = j.obj(
        ("hasNextPage", j.boolean("total.n > 20")), ("endCursor", _student_cursor(j, last))
    )
    students = j.obj(
        ("totalCount", j.number("total.n")), ("pageInfo", page_info), ("nodes", j.nested(nodes))
    )
    matches = (
        "SELECT s.id, s.name, s.grade FROM courses c"
        " JOIN registrations r ON r.course_id = c.id JOIN students s ON s.id = r.student_id"
        f" WHERE c.code = :code AND {contains} > 0"
    )
    return (
        f"WITH matches AS ({matches}) SELECT {j.obj(('students', students))}"
        " FROM (SELECT count(*) AS n FROM matches) AS total"
    )


def _count_cursor(j: JsonSql, row: str, counter: str, order: tuple[str, str]) -> str:
    """The cursor of ``row`` in an order by ``counter`` then id (both descending)."""
    return j.cursor(f"'[' || {row}.{counter} || ',' || {row}.id || ']'", *order)


def _last_cursor(j: JsonSql, shown: str, counter: str, order: tuple[str, str]) -> str:
    """The cursor of the last row ``shown`` lists; null when it lists none."""
    values = (
        f"(SELECT '[' || {counter} || ',' || id || ']' FROM ({shown}) AS shown"
        f" ORDER BY {counter}, id LIMIT 1)"
    )
    return j.cursor(values, *order)


def q5(j: JsonSql, after: bool) -> str:
    """20 users by follower count (ties by id, the same way), after a cursor."""
    order = "follower_count DESC, id DESC"
    where = " WHERE (follower_count, id) < (:after_count, :after_id)" if after else ""
    page = (
        f"SELECT id, username, display_name, follower_count FROM users{where}"
        f" ORDER BY {order} LIMIT 21"
    )
    edge = j.obj(
        ("cursor", _count_cursor(j, "u", "follower_count", USERS_BY_FOLLOWERS)),
        (
            "node",
            j.obj(
                ("id", j.gid("User", "u.id")),
                ("username", j.text("u.username")),
                ("displayName", j.text("u.display_name")),
            ),
        ),
    )
    shown = f"SELECT * FROM page ORDER BY {order} LIMIT 20"
    edges = j.array(edge, shown, "u", "u.follower_count DESC, u.id DESC")
    page_info = j.obj(
        ("hasNextPage", j.boolean("(SELECT count(*) FROM page) > 20")),
        ("hasPreviousPage", j.boolean("1 = 1" if after else "1 = 0")),
        ("endCursor", _last_cursor(j, shown, "follower_count", USERS_BY_FOLLOWERS)),
    )
    users = j.obj(("pageInfo", page_info), ("edges", j.nested(edges)))
    return f"WITH page AS ({page}) SELECT {j.obj(('users', users))}"


def q6(j: JsonSql) -> str:
    """20 courses by student count, each with its first 10 students taking many courses."""
    order = "student_count DESC, id DESC"
    page = f"SELECT id, code, title, student_count FROM courses ORDER BY {order} LIMIT 21"
    # The course's registrations in student order, each student's counter read as it goes.
    busy = j.array(
        j.obj(("id", j.gid("Student", "t.id")), ("name", j.text("t.name"))),
        "SELECT x.id, x.name FROM registrations r JOIN students x ON x.id = r.student_id"
        " WHERE r.course_id = c.id AND x.course_count >= :at_least"
        " ORDER BY r.student_id LIMIT 10",
        "t",
        "t.id",
    )
    node = j.obj(
        ("id", j.gid("Course", "c.id")),
        ("code", j.text("c.code")),
        ("title", j.text("c.title")),
        ("students", j.obj(("nodes", j.nested(busy)))),
    )
    shown = f"SELECT * FROM page ORDER BY {order} LIMIT 20"
    nodes = j.array(node, shown, "c", "c.student_count DESC, c.id DESC")
    page_info = j.obj(
        ("hasNextPage", j.boolean("(SELECT count(*) FROM page) > 20")),
        ("endCursor", _last_cursor(j, shown, "student_count", COURSES_BY_STUDENTS)),
    )
    courses = j.obj(("pageInfo", page_info), ("nodes", j.nested(nodes)))
    return f"WITH page AS ({page}) SELECT {j.obj(('courses', courses))}"


def json_statements(sqlite: bool) -> dict[str, str]:
    """The statements by name: q1, q1_after, q2, q3, q3_after, q4, q5, q5_after, q6."""
    j = json_sql(sqlite)
    contains = "instr(campus_fold(s.name), :needle)" if sqlite else "strpos(lower(s.name), :needle)"
    return {
        "q1": q1(j, after=False),
        "q1_after": q1(j, after=True),
        "q2": q2(j),
        "q3": q3(j, after=False),
        "q3_after": q3(j, after=True),
        "q4": q4(j, contains),
        "q5": q5(j, after=False),
        "q5_after": q5(j, after=True),
        "q6": q6(j),
    }
