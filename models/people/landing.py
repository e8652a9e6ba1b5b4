"""Where a person lands after signing in: where work waits for them.

An officer on the work queue; a member of a community group with pledges to decide (an
offer to accept or decline, a delivery to confirm) on that group's pledges; a member of a
supplier with commitments at risk on that supplier's dashboard; a resident with an open
vote they can still cast (in their ward, or borough-wide) on that vote. Otherwise the home
page. A safe `next` page the person was on chooses before this (brokerage/auth).

Returns an endpoint name and its arguments; the view builds the address.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import and_, exists, or_, select

from models import db

if TYPE_CHECKING:
    from models.people.accounts import User

HOME = "public.home"


class Landing(NamedTuple):
    endpoint: str
    arguments: dict[str, Any]


def landing_for(user: "User", now: datetime, today: date) -> Landing:
    if user.is_officer:
        return Landing("officers.dashboard", {})
    for finder in (_group_with_pledges_to_decide, _supplier_with_commitments_at_risk):
        found = finder(user, today)
        if found is not None:
            return found
    round_id = _open_vote(user, now)
    if round_id is not None:
        return Landing("public.round", {"round_id": round_id})
    return Landing(HOME, {})


def _member_of(user: "User", kind: str):
    from models.people.organisations import Membership, Organisation

    return (
        select(Organisation.id)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id, Organisation.kind == kind, Organisation.status == "verified")
    )


def _group_with_pledges_to_decide(user: "User", today: date) -> Landing | None:
    from models.needs.models import Need
    from models.pledges.models import Pledge

    waiting = or_(Pledge.status == "offered", and_(Pledge.status == "delivered", Pledge.group_confirmed_at.is_(None)))
    organisation_id = db.session.scalar(
        select(Need.organisation_id)
        .join(Pledge, Pledge.need_id == Need.id)
        .where(Need.organisation_id.in_(_member_of(user, "vcse")), waiting)
        .order_by(Pledge.created_at, Pledge.id)
        .limit(1)
    )
    return Landing("groups.pledges", {"organisation_id": organisation_id}) if organisation_id else None


def _supplier_with_commitments_at_risk(user: "User", today: date) -> Landing | None:
    from models.contracts.models import Contract
    from models.matching.matches import commitments_at_risk

    at_risk = commitments_at_risk(today).where(Contract.supplier_id.in_(_member_of(user, "supplier")))
    commitment = db.session.scalars(at_risk.limit(1)).first()
    return Landing("suppliers.dashboard", {"organisation_id": commitment.contract.supplier_id}) if commitment else None


def _open_vote(user: "User", now: datetime) -> int | None:
    """The open round (their ward's first, then borough-wide) closing soonest in which the
    resident can vote and has not voted yet."""
    from models.voting.models import Ballot, Round, RoundState

    if user.ward_id is None or not user.email_verified:
        return None
    voted = exists().where(Ballot.round_id == Round.id, Ballot.voter_id == user.id)
    return db.session.scalar(
        select(Round.id)
        .where(
            Round.state == RoundState.OPEN.value,
            Round.opens_at <= now,
            Round.closes_at > now,
            or_(Round.ward_id == user.ward_id, Round.ward_id.is_(None)),
            ~voted,
        )
        .order_by(Round.ward_id.is_(None), Round.closes_at, Round.id)
        .limit(1)
    )
