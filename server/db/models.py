"""The ORM models: every relationship kind the campus data set teaches.

Every relationship is bidirectional (``back_populates``) and ``lazy="raise"``:
in async code nothing may load by accident, so readers say what they load.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db.orm import NEVER_REUSE_IDS, Base, UTCDateTime, utcnow

__all__ = [
    "COUNTER",
    "Article",
    "Base",
    "Course",
    "Event",
    "Follow",
    "LoginFailure",
    "PersistedDocument",
    "Student",
    "Teacher",
    "UTCDateTime",
    "User",
    "registrations",
    "utcnow",
]


def counted_by(column: str) -> dict[str, str]:
    """A to-many relationship's ``info``: the parent's column holding its size."""
    return {COUNTER: column}


def counter() -> Mapped[int]:
    """A collection's size, kept by triggers in the transaction that changes it (see
    the migration ``f6b2d8c4a1e7``) and indexed with the id, as lists order by it."""
    return mapped_column(Integer, server_default="0")


# The key of a to-many relationship's ``info`` naming its counter column.
COUNTER = "counter"

registrations = Table(
    "registrations",
    Base.metadata,
    Column("student_id", ForeignKey("students.id", ondelete="CASCADE"), primary_key=True),
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    # The primary key serves student -> courses; this serves course -> students.
    Index("ix_registrations_course_id_student_id", "course_id", "student_id"),
)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("length(username) BETWEEN 3 AND 32", name="username_length"),
        CheckConstraint("username = lower(username)", name="username_lowercase"),
        CheckConstraint("length(display_name) BETWEEN 1 AND 100", name="display_name_length"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    follower_count: Mapped[int] = counter()
    following_count: Mapped[int] = counter()
    article_count: Mapped[int] = counter()

    articles: Mapped[list[Article]] = relationship(
        back_populates="author",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        info=counted_by("article_count"),
    )
    student: Mapped[Student | None] = relationship(back_populates="user", lazy="raise")
    followers: Mapped[list[Follow]] = relationship(
        foreign_keys="Follow.followed_id",
        back_populates="followed",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        info=counted_by("follower_count"),
    )
    following: Mapped[list[Follow]] = relationship(
        foreign_keys="Follow.follower_id",
        back_populates="follower",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        info=counted_by("following_count"),
    )


class Follow(Base):
    """The association object of the self-referential follow relationship."""

    __tablename__ = "follows"
    __table_args__ = (
        CheckConstraint("follower_id <> followed_id", name="no_self_follow"),
        # Both lists are ordered newest first, then by the listed user's id: with
        # that id in the index, a page is a LIMIT over it, however many follows.
        Index(
            "ix_follows_followed_id_created_at_follower_id",
            "followed_id",
            "created_at",
            "follower_id",
        ),
        Index(
            "ix_follows_follower_id_created_at_followed_id",
            "follower_id",
            "created_at",
            "followed_id",
        ),
    )

    follower_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    followed_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    follower: Mapped[User] = relationship(
        foreign_keys=[follower_id], back_populates="following", lazy="raise"
    )
    followed: Mapped[User] = relationship(
        foreign_keys=[followed_id], back_populates="followers", lazy="raise"
    )


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_length"),
        # An author's articles, newest first then by id: the order of User.articles.
        Index("ix_articles_author_id_created_at_id", "author_id", "created_at", "id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The author's username, for ordering by it (kept by a trigger; see migrations).
    author_username: Mapped[str] = mapped_column(String(32), server_default="")

    author: Mapped[User] = relationship(back_populates="articles", lazy="raise")


class Student(Base):
    __tablename__ = "students"
    __table_args__ = (
        CheckConstraint("length(name) BETWEEN 1 AND 100", name="name_length"),
        CheckConstraint("grade IS NULL OR length(grade) <= 20", name="grade_length"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    grade: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    course_count: Mapped[int] = counter()

    courses: Mapped[list[Course]] = relationship(
        secondary=registrations,
        back_populates="students",
        passive_deletes=True,
        lazy="raise",
        info=counted_by("course_count"),
    )
    user: Mapped[User | None] = relationship(back_populates="student", lazy="raise")


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("length(code) BETWEEN 1 AND 20", name="code_length"),
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_length"),
        # A teacher's courses in the order of Teacher.courses.
        Index("ix_courses_teacher_id_id", "teacher_id", "id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teachers.id", ondelete="SET NULL"))
    # The teacher's name, for ordering by it (kept by a trigger; see migrations).
    teacher_name: Mapped[str | None] = mapped_column(String(100))
    student_count: Mapped[int] = counter()

    students: Mapped[list[Student]] = relationship(
        secondary=registrations,
        back_populates="courses",
        passive_deletes=True,
        lazy="raise",
        info=counted_by("student_count"),
    )
    teacher: Mapped[Teacher | None] = relationship(back_populates="courses", lazy="raise")


class Teacher(Base):
    __tablename__ = "teachers"
    __table_args__ = (
        CheckConstraint("length(name) BETWEEN 1 AND 100", name="name_length"),
        CheckConstraint("office IS NULL OR length(office) <= 20", name="office_length"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    office: Mapped[str | None] = mapped_column(String(20))
    course_count: Mapped[int] = counter()

    courses: Mapped[list[Course]] = relationship(
        back_populates="teacher",
        passive_deletes=True,
        lazy="raise",
        info=counted_by("course_count"),
    )


# What lists order by beside their own columns: each with the id, so that a
# page in its order is a LIMIT over the index.
for _column in (
    Student.course_count,
    Course.student_count,
    Course.teacher_name,
    Teacher.course_count,
    User.follower_count,
    User.following_count,
    User.article_count,
    Article.author_username,
):
    Index(f"ix_{_column.class_.__tablename__}_{_column.key}_id", _column, _column.class_.id)


class Event(Base):
    """The outbox: a committed change to a link or a new article, for subscribers on any worker.

    Written in the change's own transaction, so it exists if and only if the
    change committed; each worker's listener reads the rows it has not seen
    yet (see ``server.live.listeners``) and prunes old ones. ``AUTOINCREMENT``
    on SQLite, so that an id is never handed out again once pruned.
    """

    __tablename__ = "events"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 (SQLAlchemy's own shape)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "enrollment" (student, course), "follow" (follower, followed), "article" (article, author).
    kind: Mapped[str] = mapped_column(String(20))
    # "ADDED" or "REMOVED"; null for a new article.
    change: Mapped[str | None] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(Integer)
    object_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    # PostgreSQL: the writing transaction's id (``pg_current_xact_id()``); null on SQLite.
    xid: Mapped[int | None] = mapped_column(BigInteger, index=True)


class PersistedDocument(Base):
    """A GraphQL document stored under its SHA-256: registered by a client, or trusted.

    Trusted documents come from an imported manifest and are never dropped;
    the ones clients register are bounded, the least recently used dropped
    first (``last_used_at`` is refreshed at most once a minute per worker).
    """

    __tablename__ = "persisted_documents"
    __table_args__ = (
        CheckConstraint("length(hash) = 64", name="hash_length"),
        Index("ix_persisted_documents_trusted_last_used_at", "trusted", "last_used_at"),
    )

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginFailure(Base):
    """A log-in attempt that has not succeeded (yet), counted by every worker (SPEC §5)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_failed_at", "username", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Longer than any real username, so that a longer one is kept short.
    username: Mapped[str] = mapped_column(String(33))
    failed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
