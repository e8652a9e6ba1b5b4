"""Everyone votes once, across channels: a round's channel settings (the conflict rule,
an age limit, whether online voters give their identity), polling-station grants, the keyed
identity hash, placing a ballot with de-duplication, and the conflicts officers resolve.

The identity of a voter is an HMAC (key: IDENTITY_HASH_KEY) of their normalised name, date
of birth and postcode. Only the hash is stored, on the ballot; a second ballot whose hash is
already on a counted ballot of the round is not counted: it is kept as a conflict, with its
choices, for an officer to resolve under the round's rule (first ballot counts, or in-person
wins). A unique constraint on (round, identity hash) holds one counted ballot per person."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import DomainError, PermissionDenied, db, utcnow
from models.core.events import record_event
from models.people.permissions import require_officer
from models.voting.models import Ballot, BallotChoice, Round, RoundOption, RoundState
from models.voting.setup import OFFICERS_RUN_ROUNDS, _count_after_commit

if TYPE_CHECKING:
    from models.people.accounts import User

CONFLICT_RULES = {
    "first": "The first ballot counts",
    "in_person": "A ballot cast in person wins",
}
CHANNEL_LABELS = {
    "digital": "online, with an account",
    "code": "online, with a letter code",
    "in_person": "in person, at a polling station",
    "paper": "on paper",
}
MAX_AGE = 130


class RoundChannels(db.Model):
    """How a round reaches people beyond accounts: absent means the defaults."""

    __tablename__ = "round_channels"
    __table_args__ = (
        CheckConstraint("conflict_rule IN ('first', 'in_person')", name="conflict_rule_known"),
        CheckConstraint("min_age IS NULL OR (min_age >= 0 AND min_age <= 130)", name="min_age_range"),
    )

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    conflict_rule: Mapped[str] = mapped_column(String(16), default="first")
    min_age: Mapped[int | None]
    # Online account voters give their name and date of birth, so that their ballot joins in
    # the de-duplication; the account keeps neither.
    identity_online: Mapped[bool] = mapped_column(default=False)


class PollingGrant(db.Model):
    """A person an officer lets record in-person ballots for one round."""

    __tablename__ = "polling_grants"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_polling_grants_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship(foreign_keys=[user_id])


class BallotConflict(db.Model):
    """A ballot refused because the same person already has one in the round."""

    __tablename__ = "ballot_conflicts"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'resolved')", name="state_known"),
        CheckConstraint("channel IN ('digital', 'code', 'in_person', 'paper')", name="channel_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    identity_hash: Mapped[str] = mapped_column(String(64))
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id", ondelete="SET NULL"))  # the counted one
    counted_channel: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10))  # the refused ballot's
    choices: Mapped[list] = mapped_column(JSON)  # the refused ballot's option ids
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    letter_code_id: Mapped[int | None] = mapped_column(ForeignKey("letter_codes.id", ondelete="CASCADE"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default="open")
    outcome: Mapped[str | None] = mapped_column(String(16))  # "kept" the counted one, or "replaced" it
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[self.channel]

    @property
    def counted_channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.counted_channel, self.counted_channel)


# ---------------------------------------------------------------- the identity hash


def normalise_name(name: str) -> str:
    """'  Mary-Jane  O’Néil ' -> 'mary jane o neil': case, accents, punctuation and spacing
    do not make another person."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]+|_", " ", text).split())


def identity_hash(key: str, name: str, born: date, postcode: str) -> str:
    """The keyed hash that recognises a person across channels without storing who they are."""
    message = f"{normalise_name(name)}|{born.isoformat()}|{postcode.replace(' ', '').upper()}"
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def check_identity(round_: Round, name: str, born: date | None, postcode: str | None, today: date) -> None:
    """Name, a date of birth that makes sense (and meets the round's age limit), and a
    postcode in the round's ward. Raises DomainError naming the field."""
    from models.places.wards import Postcode

    if not normalise_name(name):
        raise DomainError("Enter the full name", "name")
    if born is None:
        raise DomainError("Enter the date of birth", "born")
    if born > today:
        raise DomainError("The date of birth must be in the past", "born")
    if age_on(born, today) > MAX_AGE:
        raise DomainError(f"The date of birth must be less than {MAX_AGE} years ago", "born")
    min_age = channels_of(round_).min_age
    if min_age is not None and age_on(born, today) < min_age:
        raise DomainError(f"Voters in this round must be {min_age} or over", "born")
    place = db.session.get(Postcode, postcode) if postcode else None
    if place is None:
        raise DomainError("Enter a postcode in the borough", "postcode")
    if round_.ward_id is not None and place.ward_id != round_.ward_id:
        raise DomainError(f"The postcode must be in {round_.area_name}", "postcode")


# ---------------------------------------------------------------- settings and grants


def channels_of(round_: Round) -> RoundChannels:
    """The round's settings, or the defaults (not added to the session)."""
    return db.session.get(RoundChannels, round_.id) or RoundChannels(
        round_id=round_.id, conflict_rule="first", min_age=None, identity_online=False
    )


def save_channels(round_: Round, officer: "User", conflict_rule: str, min_age: int | None, identity_online: bool) -> RoundChannels:
    require_officer(officer, OFFICERS_RUN_ROUNDS)
    if conflict_rule not in CONFLICT_RULES:
        raise DomainError("Choose which ballot counts when someone votes twice", "conflict_rule")
    if min_age is not None and not 0 <= min_age <= MAX_AGE:
        raise DomainError("Enter an age from 0 to 130, or leave it empty", "min_age")
    if round_.state == RoundState.PUBLISHED.value:
        raise DomainError("Results are published, so the round can no longer change")
    settings = db.session.get(RoundChannels, round_.id)
    if settings is None:
        settings = RoundChannels(round_id=round_.id)
        db.session.add(settings)
    settings.conflict_rule, settings.min_age, settings.identity_online = conflict_rule, min_age, identity_online
    record_event(
        "round.channels_changed", round_, actor=officer,
        detail={"conflict_rule": conflict_rule, "min_age": min_age, "identity_online": identity_online},
    )
    return settings


def grant_polling(round_: Round, officer: "User", person: "User | None") -> PollingGrant:
    require_officer(officer, OFFICERS_RUN_ROUNDS)
    if person is None:
        raise DomainError("There is no account with that email address", "email")
    if round_.state not in (RoundState.DRAFT.value, RoundState.OPEN.value):
        raise DomainError("Voting has closed in this round")
    existing = db.session.scalar(select(PollingGrant).where(PollingGrant.round_id == round_.id, PollingGrant.user_id == person.id))
    if existing is not None:
        raise DomainError(f"{person.name} can already record ballots in this round", "email")
    grant = PollingGrant(round_id=round_.id, user_id=person.id, granted_by_id=officer.id)
    db.session.add(grant)
    record_event("round.polling_granted", round_, actor=officer, detail={"user": person.id})
    return grant


def revoke_polling(round_: Round, officer: "User", grant_id: int) -> None:
    require_officer(officer, OFFICERS_RUN_ROUNDS)
    grant = db.session.get(PollingGrant, grant_id)
    if grant is None or grant.round_id != round_.id:
        raise DomainError("That person cannot record ballots in this round")
    record_event("round.polling_revoked", round_, actor=officer, detail={"user": grant.user_id})
    db.session.delete(grant)


def polling_grants(round_id: int) -> list[PollingGrant]:
    return list(db.session.scalars(select(PollingGrant).where(PollingGrant.round_id == round_id).order_by(PollingGrant.id)))


def require_polling_station(round_: Round, user: "User", now: datetime) -> None:
    """Only a person granted this round records ballots in it, and only while it is open."""
    granted = db.session.scalar(
        select(PollingGrant.id).where(PollingGrant.round_id == round_.id, PollingGrant.user_id == user.id)
    )
    if granted is None:
        raise PermissionDenied("You have not been given this round to record ballots for")
    if not round_.accepting_votes(now):
        raise PermissionDenied("Voting is not open in this round")


def rounds_granted(user: "User") -> list[Round]:
    return list(
        db.session.scalars(
            select(Round).join(PollingGrant, PollingGrant.round_id == Round.id).where(PollingGrant.user_id == user.id)
            .order_by(Round.closes_at.desc())
        )
    )


# ---------------------------------------------------------------- placing a ballot


def _write_choices(ballot: Ballot, chosen: list[RoundOption]) -> None:
    db.session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == ballot.id))
    db.session.add_all(BallotChoice(ballot_id=ballot.id, option_id=option.id) for option in chosen)
    db.session.flush()
    db.session.expire(ballot, ["choices"])


def _same_person(round_id: int, identity: str, other_than: int | None) -> Ballot | None:
    query = select(Ballot).where(Ballot.round_id == round_id, Ballot.identity_hash == identity)
    if other_than is not None:
        query = query.where(Ballot.id != other_than)
    return db.session.scalar(query)


def _conflict(round_: Round, identity: str, counted: Ballot, channel: str, chosen: list[RoundOption], **who) -> BallotConflict:
    conflict = BallotConflict(
        round_id=round_.id, identity_hash=identity, ballot_id=counted.id, counted_channel=counted.kind,
        channel=channel, choices=[option.id for option in chosen], **who,
    )
    db.session.add(conflict)
    db.session.flush()
    # Recorded without the choices: the audit trail never says how anyone voted.
    record_event("ballot.conflict", conflict, actor=None, detail={"round": round_.id, "channel": channel, "counted": counted.kind})
    return conflict


def place_ballot(
    round_: Round,
    chosen: list[RoundOption],
    now: datetime,
    *,
    kind: str,
    identity: str | None,
    own: Ballot | None = None,
    voter_id: int | None = None,
    letter_code_id: int | None = None,
    recorded_by: "User | None" = None,
    paper_batch_id: int | None = None,
) -> Ballot | BallotConflict:
    """Record a ballot (or change `own`, this voter's ballot through the same channel), unless
    the same person already has another counted ballot in the round: then the new one is a
    conflict. The caller has locked the round and checked the choices."""
    who = {"voter_id": voter_id, "letter_code_id": letter_code_id, "recorded_by_id": recorded_by.id if recorded_by else None}
    if identity is not None:
        counted = _same_person(round_.id, identity, own.id if own else None)
        if counted is not None:
            return _conflict(round_, identity, counted, kind, chosen, **who)
    if own is not None:
        own.identity_hash = identity
        own.updated_at = now
        _write_choices(own, chosen)
        record_event("ballot.changed", own, actor=recorded_by, detail={"round": round_.id, "choices": len(chosen), "channel": kind})
        return own
    try:
        with db.session.begin_nested():
            ballot = Ballot(
                round_id=round_.id, kind=kind, voter_id=voter_id if kind == "digital" else None,
                letter_code_id=letter_code_id, identity_hash=identity, paper_batch_id=paper_batch_id,
                created_at=now, updated_at=now,
            )
            db.session.add(ballot)
    except IntegrityError:
        # Two attempts at once for the same person: the other one won the race.
        counted = _same_person(round_.id, identity, None) if identity else None
        if counted is None:
            raise DomainError("Your vote could not be recorded: try again") from None
        return _conflict(round_, identity, counted, kind, chosen, **who)
    _write_choices(ballot, chosen)
    record_event("ballot.cast", ballot, actor=recorded_by, detail={"round": round_.id, "choices": len(chosen), "channel": kind})
    return ballot


def record_in_person(
    round_: Round, clerk: "User", identity_key: str, name: str, born: date | None, postcode: str | None,
    option_ids: list[int], now: datetime,
) -> Ballot | BallotConflict:
    """A polling-station volunteer records the ballot of a person present."""
    from models.voting.ballots import check_choices
    from models.voting.setup import _lock_round

    require_polling_station(round_, clerk, now)
    round_ = _lock_round(round_)
    require_polling_station(round_, clerk, now)
    check_identity(round_, name, born, postcode, now.date())
    chosen = check_choices(round_, option_ids)
    identity = identity_hash(identity_key, name, born, postcode)
    return place_ballot(round_, chosen, now, kind="in_person", identity=identity, recorded_by=clerk)


# ---------------------------------------------------------------- conflicts


def conflicts_of(round_id: int, state: str | None = None) -> list[BallotConflict]:
    query = select(BallotConflict).where(BallotConflict.round_id == round_id).order_by(BallotConflict.id)
    if state:
        query = query.where(BallotConflict.state == state)
    return list(db.session.scalars(query))


def resolve_conflict(round_: Round, officer: "User", conflict_id: int, now: datetime) -> BallotConflict:
    """Apply the round's rule: the first ballot stays counted, or, under "in-person wins",
    a ballot cast in person replaces one cast another way. Audited either way."""
    from models.voting.setup import _lock_round

    require_officer(officer, OFFICERS_RUN_ROUNDS)
    round_ = _lock_round(round_)
    if round_.state == RoundState.PUBLISHED.value:
        raise DomainError("Results are published, so ballots can no longer change")
    conflict = db.session.get(BallotConflict, conflict_id)
    if conflict is None or conflict.round_id != round_.id:
        raise DomainError("That conflict is not in this round")
    if conflict.state != "open":
        raise DomainError("That conflict has already been resolved")
    rule = channels_of(round_).conflict_rule
    counted = db.session.get(Ballot, conflict.ballot_id) if conflict.ballot_id else None
    outcome = "kept"
    if rule == "in_person" and conflict.channel == "in_person" and (counted is None or counted.kind != "in_person"):
        if counted is not None:
            db.session.delete(counted)
            db.session.flush()
        options = {option.id: option for option in round_.options}
        chosen = [options[option_id] for option_id in conflict.choices if option_id in options]
        ballot = Ballot(round_id=round_.id, kind="in_person", identity_hash=conflict.identity_hash, created_at=now, updated_at=now)
        db.session.add(ballot)
        db.session.flush()
        _write_choices(ballot, chosen)
        conflict.ballot_id = ballot.id
        outcome = "replaced"
    conflict.state, conflict.outcome = "resolved", outcome
    conflict.resolved_by_id, conflict.resolved_at = officer.id, now
    record_event(
        "ballot.conflict_resolved", conflict, actor=officer, from_state="open", to_state="resolved",
        detail={"round": round_.id, "rule": rule, "outcome": outcome, "channel": conflict.channel},
    )
    if round_.state == RoundState.CLOSED.value:
        _count_after_commit(round_)
    return conflict


def cast_account_ballot(round_: Round, user: "User", option_ids: list[int], now: datetime, identity: str):
    """An account's vote in a round that asks online voters who they are: the account's
    ballot, unless the same person has voted another way (then a BallotConflict)."""
    from models.voting.ballots import ballot_for, cast_ballot, check_choices, eligibility_problem
    from models.voting.setup import _lock_round

    round_ = _lock_round(round_)
    problem = eligibility_problem(round_, user, now)
    if problem:
        raise PermissionDenied(problem)
    own = ballot_for(round_.id, user.id)
    counted = _same_person(round_.id, identity, own.id if own else None)
    if counted is not None:
        chosen = check_choices(round_, option_ids)
        return _conflict(round_, identity, counted, "digital", chosen, voter_id=user.id), False, chosen
    ballot, changed, chosen = cast_ballot(round_, user, option_ids, now)
    ballot.identity_hash = identity
    db.session.flush()
    return ballot, changed, chosen
