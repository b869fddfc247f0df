"""Users: the type and its lists, the accounts (signing up and in) and who follows whom."""

from schema.domains.users import accounts, follows
from schema.domains.users.types import (
    FollowConnection,
    FollowEdge,
    Query,
    User,
    UserFilter,
    UserOrder,
)

__all__ = [
    "FollowConnection",
    "FollowEdge",
    "Query",
    "User",
    "UserFilter",
    "UserOrder",
    "accounts",
    "follows",
]
