"""Who may do what (SPEC §5): the signed-in user acting, and the two kinds of rule."""

from __future__ import annotations

from dataclasses import dataclass

from server.services.errors import forbidden

__all__ = ["Actor", "require_admin", "require_owner"]


@dataclass(frozen=True)
class Actor:
    """The signed-in user a change is made for."""

    user_id: int
    is_admin: bool


def require_admin(actor: Actor) -> None:
    """Admin-only changes are refused before any ID is looked up."""
    if not actor.is_admin:
        raise forbidden("Only an admin may make this change.")


def require_owner(actor: Actor, owner_id: int | None, what: str) -> None:
    """Ownership rules: one's own things, or anything for an admin."""
    if not (actor.is_admin or owner_id == actor.user_id):
        raise forbidden(f"You may only change your own {what}.")
