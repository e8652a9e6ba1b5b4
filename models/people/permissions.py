"""Who may act: the role and membership checks that rules in every domain share.

Object-level checks that belong to one domain ("a member of the group that posted this
need") stay beside that domain's rules and call these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from models import PermissionDenied

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.people.organisations import Organisation

OFFICERS_ONLY = "Only council officers can do this"


def require_officer(user: "User", message: str = OFFICERS_ONLY) -> None:
    """Refuse anyone who is not a council officer (administrators are officers too)."""
    if not user.is_officer:
        raise PermissionDenied(message)


def require_member(organisation: "Organisation", user: "User", message: str, kind: str | None = None) -> None:
    """Refuse anyone who is not a member of the organisation (of the given kind, when one is named)."""
    if (kind is not None and organisation.kind != kind) or not organisation.is_member(user):
        raise PermissionDenied(message)
