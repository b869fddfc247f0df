"""Users: the type and its lists, the accounts (signing up and in) and who follows whom."""

from schema.users import accounts, follows
from schema.users.types import FollowConnection, FollowEdge, Query, User, UserFilter, UserOrder

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
