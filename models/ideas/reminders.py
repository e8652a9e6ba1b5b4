"""Reminders to vote: residents who opted in (models/digests/preferences.py,
`vote_reminders`) are emailed when their ward's round opens and again two days before it
closes if they have not voted. Each reminder goes once per person per round: a dispatch row
(models.ideas.ideas.RoundDispatch, unique per person, kind and round) is written in the
same transaction as the message, so a job run twice, or killed half-way and run again,
sends nobody a second one; someone who voted, or unsubscribed, is never due one."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select

from models import db
from models.digests.preferences import DigestPreference
from models.ideas.ideas import RoundDispatch
from models.voting.models import Ballot, Round, RoundState

OPENED = "reminder_opened"
CLOSING = "reminder_closing"
CLOSING_NOTICE = timedelta(days=2)


def round_key(round_id: int) -> str:
    return f"round:{round_id}"


def reminders_due(now: datetime) -> list[tuple[int, str]]:
    """(round id, kind) for every open round now taking votes: the opening reminder until the
    last two days, then the closing one."""
    rounds = db.session.execute(
        select(Round.id, Round.closes_at).where(
            Round.state == RoundState.OPEN.value, Round.opens_at <= now, Round.closes_at > now, Round.source == "platform"
        ).order_by(Round.id)
    ).all()
    return [(round_id, CLOSING if closes_at - CLOSING_NOTICE <= now else OPENED) for round_id, closes_at in rounds]


def reminder_recipients(round_: Round, kind: str, after_id: int = 0, limit: int = 200) -> list[int]:
    """Residents of the round's area who opted in, with confirmed addresses, who have not
    voted and have not had this reminder; one page in id order."""
    from models.people.accounts import User

    query = (
        select(User.id)
        .join(DigestPreference, DigestPreference.user_id == User.id)
        .where(
            DigestPreference.vote_reminders.is_(True),
            User.email_verified_at.is_not(None),
            User.id > after_id,
            ~exists().where(Ballot.round_id == round_.id, Ballot.voter_id == User.id),
            ~exists().where(
                RoundDispatch.user_id == User.id, RoundDispatch.kind == kind, RoundDispatch.subject_key == round_key(round_.id)
            ),
        )
        .order_by(User.id)
        .limit(limit)
    )
    query = query.where(User.ward_id == round_.ward_id) if round_.ward_id is not None else query.where(User.ward_id.is_not(None))
    return list(db.session.scalars(query))
