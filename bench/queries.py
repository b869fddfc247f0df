"""The canonical read queries: Q1-Q6, as GraphQL documents and floor calls.

The campus server and the naive baseline get the same document and variables;
the floor gets the variables alone at its own path. All three must answer
with the same ``data``. PostGraphile gets its own document for the same
answer, written as its user would (``allStudents``, the many-to-many fields,
``orderBy`` and ``filter``) and aliased to campus's field names; its
variables are its own too (``bench.postgraphile.mapping``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q6_AT_LEAST", "ReadQuery"]


@dataclass(frozen=True)
class ReadQuery:
    """One read query: its documents, the floor endpoint that answers it, what it shows."""

    name: str
    title: str
    document: str
    floor_path: str
    postgraphile: str
    variables: dict[str, Any] = field(default_factory=dict)

    def with_variables(self, name: str, title: str, **variables: Any) -> ReadQuery:
        return ReadQuery(name, title, self.document, self.floor_path, self.postgraphile, variables)


Q1 = ReadQuery(
    "Q1",
    "50 students -> courses (10) -> students (10)",
    """
query Q1($after: String) {
  students(first: 50, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id name grade
        courses(first: 10) {
          nodes {
            id code title
            students(first: 10) { nodes { id name } }
          }
        }
      }
    }
  }
}
""",
    "/q1",
    """
query Q1($after: Cursor) {
  students: allStudents(first: 50, after: $after, orderBy: PRIMARY_KEY_ASC) {
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id: rowId name grade
        courses: coursesByRegistrationStudentIdAndCourseId(first: 10, orderBy: PRIMARY_KEY_ASC) {
          nodes {
            id: rowId code title
            students: studentsByRegistrationCourseIdAndStudentId(
              first: 10, orderBy: PRIMARY_KEY_ASC
            ) { nodes { id: rowId name } }
          }
        }
      }
    }
  }
}
""",
)

Q2 = ReadQuery(
    "Q2",
    "20 newest followers -> 5 newest articles each",
    """
query Q2($user: ID!) {
  node(id: $user) {
    ... on User {
      id username
      followers(first: 20) {
        pageInfo { hasNextPage endCursor }
        edges {
          followedAt
          node {
            id username displayName
            articles(first: 5) { nodes { id title createdAt } }
          }
        }
      }
    }
  }
}
""",
    "/q2",
    # The followers are the user's follow rows (ordered by when), each with its follower.
    """
query Q2($user: Int!) {
  node: userByRowId(rowId: $user) {
    id: rowId username
    followers: followsByFollowedId(first: 20, orderBy: [CREATED_AT_DESC, FOLLOWER_ID_DESC]) {
      pageInfo { hasNextPage endCursor }
      edges: nodes {
        followedAt: createdAt
        node: userByFollowerId {
          id: rowId username displayName
          articles: articlesByAuthorId(first: 5, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) {
            nodes { id: rowId title createdAt }
          }
        }
      }
    }
  }
}
""",
)

Q3 = ReadQuery(
    "Q3",
    "20 students after a keyset cursor",
    """
query Q3($after: String) {
  students(first: 20, after: $after) {
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id name grade } }
  }
}
""",
    "/q3",
    """
query Q3($after: Cursor) {
  students: allStudents(first: 20, after: $after, orderBy: PRIMARY_KEY_ASC) {
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id: rowId name grade } }
  }
}
""",
)

Q4 = ReadQuery(
    "Q4",
    'first 20 students named like "an" in one course, with totalCount',
    """
query Q4($code: String!) {
  students(
    first: 20
    filter: { name: { contains: "an" }, courses: { some: { code: { eq: $code } } } }
  ) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name grade }
  }
}
""",
    "/q4",
    """
query Q4($code: String!) {
  students: allStudents(
    first: 20
    orderBy: PRIMARY_KEY_ASC
    filter: {
      name: { includesInsensitive: "an" }
      registrationsByStudentId: { some: { courseByCourseId: { code: { equalTo: $code } } } }
    }
  ) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id: rowId name grade }
  }
}
""",
)

Q5 = ReadQuery(
    "Q5",
    "20 users by follower count after a keyset cursor",
    """
query Q5($after: String) {
  users(first: 20, after: $after, orderBy: [{ field: FOLLOWER_COUNT, direction: DESC }]) {
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id username displayName } }
  }
}
""",
    "/q5",
    # Campus breaks ties by the id in the order's direction; PostGraphile is told to.
    """
query Q5($after: Cursor) {
  users: allUsers(first: 20, after: $after, orderBy: [FOLLOWER_COUNT_DESC, PRIMARY_KEY_DESC]) {
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id: rowId username displayName } }
  }
}
""",
)

# Q6's nested students take at least this many courses: about one in four of a
# course's students on the SPEC data set (each takes 5 courses on average), so
# the filter drops most rows and still fills the pages of 10.
Q6_AT_LEAST = 8

Q6 = ReadQuery(
    "Q6",
    f"20 courses by student count -> 10 students taking {Q6_AT_LEAST}+ courses",
    """
query Q6($atLeast: Int!) {
  courses(first: 20, orderBy: [{ field: STUDENT_COUNT, direction: DESC }]) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id code title
      students(first: 10, filter: { courses: { count: { gte: $atLeast } } }) {
        nodes { id name }
      }
    }
  }
}
""",
    "/q6",
    """
query Q6($atLeast: Int!) {
  courses: allCourses(first: 20, orderBy: [STUDENT_COUNT_DESC, PRIMARY_KEY_DESC]) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id: rowId code title
      students: studentsByRegistrationCourseIdAndStudentId(
        first: 10
        orderBy: PRIMARY_KEY_ASC
        filter: { courseCount: { greaterThanOrEqualTo: $atLeast } }
      ) { nodes { id: rowId name } }
    }
  }
}
""",
    {"atLeast": Q6_AT_LEAST},
)
