"""Ward priority rounds: participatory budgeting on costed priorities.

A round moves draft → open → closed → published. Officers move it, and the
clock closes an open round at its closing time. Residents of the round's ward
cast one ballot each (a unique constraint, not only a check), changeable until
the round closes; officers add paper ballots in batches. Results come from the
pure rules in `models.pb_rules` and are stored on the options when counted.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import DomainError, PermissionDenied, db, utcnow
from models.events import record_event

if TYPE_CHECKING:
    from models.accounts import User
    from models.needs import Need
    from models.places import Ward


class RoundState(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class RoundMethod(str, enum.Enum):
    APPROVAL = "approval"  # choose up to max_choices options
    KNAPSACK = "knapsack"  # choose options whose costs fit the budget


# The official rule decides the winners; the results page compares it with the other one.
OFFICIAL_RULES = {
    "greedy": "Most votes first (greedy)",
    "equal-shares-add1": "Method of Equal Shares (with add-one completion)",
}
RULE_LABELS = {**OFFICIAL_RULES, "equal-shares": "Method of Equal Shares (without completion)"}
METHOD_LABELS = {
    "approval": "Approval: choose up to a number of options",
    "knapsack": "Knapsack: choose options that fit within the budget",
}
STATE_LABELS = {"draft": "Draft", "open": "Open", "closed": "Closed", "published": "Results published"}
STATE_TAGS = {
    "draft": "govuk-tag--grey",
    "open": "govuk-tag--green",
    "closed": "govuk-tag--yellow",
    "published": "govuk-tag--blue",
}
BALLOT_KINDS = ("digital", "paper", "imported")

MAX_BUDGET_PENCE = 10_000_000_000_00  # £10bn: larger than any council's budget
MAX_OPTIONS = 500
MAX_PAPER_BATCH = 5_000  # ballots in one batch
# Money is whole pence; add-one completion raises every voter's share by £1.
ADD_ONE_INCREMENT_PENCE = 100


class Round(db.Model):
    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("budget_pence > 0", name="budget_positive"),
        CheckConstraint("closes_at > opens_at", name="window_ordered"),
        CheckConstraint("state IN ('draft', 'open', 'closed', 'published')", name="state_known"),
        CheckConstraint("method IN ('approval', 'knapsack')", name="method_known"),
        Index("ix_rounds_state_closes_at", "state", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    # No ward: a borough-wide round, open to anyone with a postcode in the borough.
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id", ondelete="RESTRICT"), index=True)
    budget_pence: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    method: Mapped[str] = mapped_column(String(16), default=RoundMethod.APPROVAL.value)
    max_choices: Mapped[int | None]  # approval
    min_spend_percent: Mapped[int | None]  # knapsack: a ballot must spend at least this share
    rule: Mapped[str] = mapped_column(String(32), default="equal-shares-add1")
    state: Mapped[str] = mapped_column(String(16), default=RoundState.DRAFT.value)
    # Where the round came from: made here, or imported from a Pabulib file (with its META).
    source: Mapped[str] = mapped_column(String(16), default="platform")
    source_meta: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    counted_at: Mapped[datetime | None]  # when results were last computed
    published_at: Mapped[datetime | None]

    ward: Mapped["Ward | None"] = relationship()
    options: Mapped[list["RoundOption"]] = relationship(
        back_populates="round", order_by="RoundOption.position", cascade="all, delete-orphan"
    )

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def state_tag(self) -> str:
        return STATE_TAGS[self.state]

    @property
    def area_name(self) -> str:
        if self.ward is not None:
            return self.ward.name
        if self.source == "pabulib":
            meta = self.source_meta or {}
            return ", ".join(part for part in (meta.get("district"), meta.get("unit"), meta.get("country")) if part) or "an imported election"
        return "the whole borough"

    @property
    def rule_label(self) -> str:
        return RULE_LABELS[self.rule]

    @property
    def other_rule(self) -> str:
        return "greedy" if self.rule != "greedy" else "equal-shares-add1"

    @property
    def is_knapsack(self) -> bool:
        return self.method == RoundMethod.KNAPSACK.value

    @property
    def min_spend_pence(self) -> int:
        return self.budget_pence * (self.min_spend_percent or 0) // 100

    def accepting_votes(self, now: datetime) -> bool:
        return self.state == RoundState.OPEN.value and self.opens_at <= now < self.closes_at

    def phase(self, now: datetime) -> str:
        """What a resident sees: scheduled, voting, counting, or results."""
        if self.state == RoundState.OPEN.value:
            if now < self.opens_at:
                return "scheduled"
            return "voting" if now < self.closes_at else "counting"
        return {"draft": "draft", "closed": "counting", "published": "results"}[self.state]


class RoundOption(db.Model):
    __tablename__ = "round_options"
    __table_args__ = (
        UniqueConstraint("round_id", "position", name="uq_round_options_position"),
        UniqueConstraint("round_id", "need_id", name="uq_round_options_need"),
        CheckConstraint("cost_pence > 0", name="cost_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    position: Mapped[int]  # the number printed on the ballot paper
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    group_name: Mapped[str] = mapped_column(String(200), default="")
    cost_pence: Mapped[int] = mapped_column(BigInteger)
    external_id: Mapped[str | None] = mapped_column(String(64))  # project_id in an imported file
    # Results, written when the round is counted.
    votes: Mapped[int] = mapped_column(default=0)
    digital_votes: Mapped[int] = mapped_column(default=0)
    paper_votes: Mapped[int] = mapped_column(default=0)
    vote_rank: Mapped[int | None]  # 1 = most votes
    selected_greedy: Mapped[bool] = mapped_column(default=False)
    selected_equal_shares: Mapped[bool] = mapped_column(default=False)
    selected_add1: Mapped[bool] = mapped_column(default=False)

    round: Mapped[Round] = relationship(back_populates="options")
    need: Mapped["Need | None"] = relationship()

    def selected_under(self, rule: str) -> bool:
        return {
            "greedy": self.selected_greedy,
            "equal-shares": self.selected_equal_shares,
            "equal-shares-add1": self.selected_add1,
        }[rule]

    @property
    def won(self) -> bool:
        return self.selected_under(self.round.rule)

    @property
    def key(self) -> str:
        return self.external_id or str(self.position)


class PaperBatch(db.Model):
    __tablename__ = "paper_batches"
    __table_args__ = (UniqueConstraint("round_id", "reference", name="uq_paper_batches_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(60))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ballot_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entered_by: Mapped["User | None"] = relationship()


class Ballot(db.Model):
    __tablename__ = "ballots"
    __table_args__ = (
        # One ballot per resident per round. Paper and imported ballots have no voter
        # (NULLs are distinct in both SQLite and PostgreSQL).
        UniqueConstraint("round_id", "voter_id", name="uq_ballots_one_per_voter"),
        CheckConstraint("kind IN ('digital', 'paper', 'imported')", name="kind_known"),
        CheckConstraint("(kind = 'digital') = (voter_id IS NOT NULL)", name="digital_has_voter"),
        Index("ix_ballots_round_kind", "round_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10), default="digital")
    paper_batch_id: Mapped[int | None] = mapped_column(ForeignKey("paper_batches.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    choices: Mapped[list["BallotChoice"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class BallotChoice(db.Model):
    __tablename__ = "ballot_choices"
    __table_args__ = (Index("ix_ballot_choices_option", "option_id"),)

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("round_options.id", ondelete="CASCADE"), primary_key=True)
    # Imported cumulative ballots keep their points, ordinal ones their rank (1 = first).
    points: Mapped[int | None]
    rank: Mapped[int | None]


# ---------------------------------------------------------------- officers


@dataclass(frozen=True)
class RoundFields:
    title: str
    description: str
    ward_id: int | None
    budget_pence: int
    opens_at: datetime
    closes_at: datetime
    method: str
    max_choices: int | None
    min_spend_percent: int | None
    rule: str


def _require_officer(user: "User") -> None:
    if not user.is_officer:
        raise PermissionDenied("Only council officers can run priority rounds.")


def _check_fields(fields: RoundFields) -> None:
    if not fields.title.strip():
        raise DomainError("Enter a title for the round", "title")
    if not 0 < fields.budget_pence <= MAX_BUDGET_PENCE:
        raise DomainError("Enter a budget between £1 and £10,000,000,000", "budget")
    if fields.closes_at <= fields.opens_at:
        raise DomainError("The closing time must be after the opening time", "closes_at")
    if fields.method not in METHOD_LABELS:
        raise DomainError("Choose how residents vote", "method")
    if fields.rule not in OFFICIAL_RULES:
        raise DomainError("Choose the official rule", "rule")
    if fields.method == RoundMethod.APPROVAL.value and not (fields.max_choices and 1 <= fields.max_choices <= MAX_OPTIONS):
        raise DomainError("Enter how many options a resident can choose, from 1 to 500", "max_choices")
    if fields.min_spend_percent is not None and not 0 <= fields.min_spend_percent <= 100:
        raise DomainError("Enter a minimum share between 0 and 100 percent", "min_spend_percent")


def _lock_round(round_: Round) -> Round:
    """Lock the round's row so option edits, voting and state changes serialise."""
    locked = db.session.scalars(
        select(Round).where(Round.id == round_.id).with_for_update().execution_options(populate_existing=True)
    ).one()
    return locked


def ballot_count(round_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)) or 0


def _require_changeable(round_: Round) -> None:
    """Options and rules are fixed once anyone has voted, and after closing."""
    if round_.state not in (RoundState.DRAFT.value, RoundState.OPEN.value):
        raise DomainError("This round has closed, so its options and rules can no longer change")
    if ballot_count(round_.id):
        raise DomainError("Ballots have been cast in this round, so its options and rules can no longer change")


def create_round(officer: "User", fields: RoundFields) -> Round:
    _require_officer(officer)
    _check_fields(fields)
    round_ = Round(created_by_id=officer.id, **fields.__dict__)
    round_.title = fields.title.strip()
    if round_.method == RoundMethod.KNAPSACK.value:
        round_.max_choices = None
    else:
        round_.min_spend_percent = None
    db.session.add(round_)
    db.session.flush()
    record_event("round.created", round_, actor=officer, to_state=round_.state, detail={"title": round_.title})
    return round_


def update_round(round_: Round, officer: "User", fields: RoundFields) -> None:
    _require_officer(officer)
    round_ = _lock_round(round_)
    _require_changeable(round_)
    _check_fields(fields)
    if round_.state == RoundState.OPEN.value and fields.ward_id != round_.ward_id:
        raise DomainError("The ward cannot change once the round is open", "ward_id")
    for name, value in fields.__dict__.items():
        setattr(round_, name, value)
    round_.title = fields.title.strip()
    if round_.method == RoundMethod.KNAPSACK.value:
        round_.max_choices = None
    else:
        round_.min_spend_percent = None
    record_event("round.updated", round_, actor=officer, detail={"title": round_.title})


def _next_position(round_id: int) -> int:
    return (db.session.scalar(select(func.max(RoundOption.position)).where(RoundOption.round_id == round_id)) or 0) + 1


def add_need_options(round_: Round, officer: "User", needs: Iterable["Need"]) -> list[RoundOption]:
    """Put published needs on the ballot; the cost is what is still needed."""
    from models.needs import NeedStatus

    _require_officer(officer)
    round_ = _lock_round(round_)
    _require_changeable(round_)
    existing = set(db.session.scalars(select(RoundOption.need_id).where(RoundOption.round_id == round_.id)))
    added = []
    position = _next_position(round_.id)
    for need in needs:
        if need.id in existing:
            continue
        if need.status != NeedStatus.PUBLISHED.value:
            raise DomainError(f"“{need.title}” is not open, so it cannot go on the ballot", "needs")
        if round_.ward_id is not None and need.ward_id != round_.ward_id:
            raise DomainError(f"“{need.title}” is not in {round_.area_name}", "needs")
        cost = need.remaining_value_pence
        if cost <= 0:
            raise DomainError(f"“{need.title}” has no value left to fund", "needs")
        option = RoundOption(
            round_id=round_.id,
            position=position,
            need_id=need.id,
            title=need.title[:200],
            description=need.description,
            group_name=need.organisation.name,
            cost_pence=cost,
        )
        position += 1
        db.session.add(option)
        added.append(option)
    if len(existing) + len(added) > MAX_OPTIONS:
        raise DomainError(f"A round can have at most {MAX_OPTIONS} options", "needs")
    db.session.flush()
    if added:
        record_event("round.options_added", round_, actor=officer, detail={"needs": [o.need_id for o in added]})
    return added


def add_item_option(round_: Round, officer: "User", title: str, description: str, cost_pence: int) -> RoundOption:
    """A costed priority the officer adds that is not a posted need."""
    _require_officer(officer)
    round_ = _lock_round(round_)
    _require_changeable(round_)
    if not title.strip():
        raise DomainError("Enter a title for the option", "title")
    if not 0 < cost_pence <= round_.budget_pence:
        raise DomainError("Enter a cost greater than £0 and no more than the round's budget", "cost")
    count = db.session.scalar(select(func.count()).select_from(RoundOption).where(RoundOption.round_id == round_.id))
    if count >= MAX_OPTIONS:
        raise DomainError(f"A round can have at most {MAX_OPTIONS} options", "title")
    option = RoundOption(
        round_id=round_.id,
        position=_next_position(round_.id),
        title=title.strip()[:200],
        description=description.strip(),
        group_name="",
        cost_pence=cost_pence,
    )
    db.session.add(option)
    db.session.flush()
    record_event("round.option_added", round_, actor=officer, detail={"option": option.id, "title": option.title})
    return option


def remove_option(round_: Round, officer: "User", option_id: int) -> None:
    _require_officer(officer)
    round_ = _lock_round(round_)
    _require_changeable(round_)
    option = db.session.get(RoundOption, option_id)
    if option is None or option.round_id != round_.id:
        raise DomainError("That option is not in this round", "option")
    db.session.delete(option)
    # Renumber so the ballot paper stays 1, 2, 3... (two steps: positions are unique).
    db.session.flush()
    remaining = db.session.scalars(
        select(RoundOption).where(RoundOption.round_id == round_.id).order_by(RoundOption.position)
    ).all()
    for option_ in remaining:
        option_.position = -option_.position
    db.session.flush()
    for number, option_ in enumerate(remaining, start=1):
        option_.position = number
    record_event("round.option_removed", round_, actor=officer, detail={"option": option_id})


def _move(round_: Round, to: RoundState, actor: "User | None", detail: dict | None = None) -> None:
    from_state = round_.state
    round_.state = to.value
    record_event(f"round.{to.value}", round_, actor=actor, from_state=from_state, to_state=to.value, detail=detail)


def open_round(round_: Round, officer: "User", now: datetime) -> None:
    """Put the ballot in front of residents (voting starts at the opening time)."""
    _require_officer(officer)
    round_ = _lock_round(round_)
    if round_.state != RoundState.DRAFT.value:
        raise DomainError("Only a draft round can be opened")
    if len(round_.options) < 2:
        raise DomainError("Add at least two options before opening the round")
    if round_.closes_at <= now:
        raise DomainError("The closing time has passed: change it before opening the round", "closes_at")
    _move(round_, RoundState.OPEN, officer)


def close_round(round_: Round, actor: "User | None", now: datetime) -> None:
    """Stop voting (an officer early, or the clock at the closing time)."""
    if actor is not None:
        _require_officer(actor)
    round_ = _lock_round(round_)
    if round_.state != RoundState.OPEN.value:
        raise DomainError("Only an open round can be closed")
    if round_.closes_at > now:  # closed early: the record shows when voting really stopped
        round_.closes_at = max(now, round_.opens_at + timedelta(seconds=1))
    _move(round_, RoundState.CLOSED, actor)


def publish_results(round_: Round, officer: "User") -> None:
    _require_officer(officer)
    round_ = _lock_round(round_)
    if round_.state != RoundState.CLOSED.value:
        raise DomainError("Only a closed round's results can be published")
    if round_.counted_at is None:
        raise DomainError("The votes have not been counted yet: wait for the count to finish")
    round_.published_at = utcnow()
    _move(round_, RoundState.PUBLISHED, officer)


def request_recount(round_: Round, officer: "User") -> None:
    """Count a closed round again (the job does the counting); results are stale until then."""
    _require_officer(officer)
    round_ = _lock_round(round_)
    if round_.state != RoundState.CLOSED.value:
        raise DomainError("Only a closed round can be counted again")
    round_.counted_at = None
    record_event("round.recount_requested", round_, actor=officer)


def rounds_due_to_close(now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            select(Round.id).where(Round.state == RoundState.OPEN.value, Round.closes_at <= now).order_by(Round.id)
        )
    )


# ---------------------------------------------------------------- voting


def eligibility_problem(round_: Round, user: "User | None", now: datetime) -> str | None:
    """Why this person cannot vote in this round now, in words; None when they can."""
    if round_.state == RoundState.DRAFT.value:
        return "This round is not open yet."
    if round_.state == RoundState.OPEN.value and now < round_.opens_at:
        return "Voting has not started yet."
    if not round_.accepting_votes(now):
        return "Voting has closed."
    if user is None or not user.is_authenticated:
        return "Sign in to vote."
    if not user.email_verified:
        return "Confirm your email address to vote."
    if user.ward_id is None:
        return "Add your home postcode to your account to vote."
    if round_.ward_id is not None and user.ward_id != round_.ward_id:
        return f"Only residents of {round_.area_name} can vote in this round."
    return None


def check_choices(round_: Round, option_ids: Iterable[int], field: str = "options") -> list[RoundOption]:
    """The rules of the ballot: real options of this round, within the limit or the budget."""
    ids = list(option_ids)
    if len(ids) != len(set(ids)):
        raise DomainError("Choose each option at most once", field)
    options = {option.id: option for option in round_.options}
    unknown = [option_id for option_id in ids if option_id not in options]
    if unknown:
        raise DomainError("Choose options from this round's ballot", field)
    if not ids:
        raise DomainError("Choose at least one option", field)
    chosen = [options[option_id] for option_id in ids]
    if round_.is_knapsack:
        total = sum(option.cost_pence for option in chosen)
        if total > round_.budget_pence:
            raise DomainError(
                f"Your choices cost £{total / 100:,.2f}, more than the budget of £{round_.budget_pence / 100:,.2f}: "
                "remove something",
                field,
            )
        if total < round_.min_spend_pence:
            raise DomainError(
                f"Choose options worth at least £{round_.min_spend_pence / 100:,.2f} "
                f"({round_.min_spend_percent}% of the budget); yours come to £{total / 100:,.2f}",
                field,
            )
    elif round_.max_choices is not None and len(ids) > round_.max_choices:
        raise DomainError(f"Choose no more than {round_.max_choices} options", field)
    return sorted(chosen, key=lambda option: option.position)


def ballot_for(round_id: int, user_id: int) -> Ballot | None:
    return db.session.scalar(select(Ballot).where(Ballot.round_id == round_id, Ballot.voter_id == user_id))


def cast_ballot(
    round_: Round, user: "User", option_ids: Iterable[int], now: datetime
) -> tuple[Ballot, bool, list[RoundOption]]:
    """Record or replace this resident's ballot. Returns (ballot, changed, the options chosen)."""
    # A shared lock on the round: officers cannot change its options or close it mid-vote.
    round_ = db.session.scalars(
        select(Round).where(Round.id == round_.id).with_for_update(read=True).execution_options(populate_existing=True)
    ).one()
    problem = eligibility_problem(round_, user, now)
    if problem:
        raise PermissionDenied(problem)
    chosen = check_choices(round_, option_ids)
    ballot = db.session.scalar(
        select(Ballot).where(Ballot.round_id == round_.id, Ballot.voter_id == user.id).with_for_update()
    )
    changed = ballot is not None
    if ballot is None:
        # Two tabs submitting at once both find no ballot; the unique constraint lets one
        # insert, and the other turns into a change of that ballot.
        try:
            with db.session.begin_nested():
                ballot = Ballot(round_id=round_.id, voter_id=user.id, kind="digital", created_at=now, updated_at=now)
                db.session.add(ballot)
        except IntegrityError:
            ballot = db.session.scalars(
                select(Ballot)
                .where(Ballot.round_id == round_.id, Ballot.voter_id == user.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).one()
            changed = True
    db.session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == ballot.id))
    db.session.add_all(BallotChoice(ballot_id=ballot.id, option_id=option.id) for option in chosen)
    ballot.updated_at = now
    db.session.flush()
    db.session.expire(ballot, ["choices"])
    # The audit trail records that the ballot changed, not how the person voted.
    record_event(
        "ballot.changed" if changed else "ballot.cast",
        ballot,
        actor=user,
        detail={"round": round_.id, "choices": len(chosen)},
    )
    return ballot, changed, chosen


def withdraw_ballot(round_: Round, user: "User", now: datetime) -> None:
    problem = eligibility_problem(round_, user, now)
    if problem:
        raise PermissionDenied(problem)
    ballot = ballot_for(round_.id, user.id)
    if ballot is None:
        raise DomainError("You have not voted in this round")
    record_event("ballot.withdrawn", ballot, actor=user, detail={"round": round_.id})
    db.session.delete(ballot)


@dataclass(frozen=True)
class PaperLine:
    line: int
    option_ids: list[int]


def parse_paper_ballots(round_: Round, text: str) -> list[PaperLine]:
    """One ballot per line, the option numbers printed on the paper, e.g. "1, 4, 7".
    Every line is checked against the ballot's rules; errors name the line."""
    by_position = {option.position: option for option in round_.options}
    ballots: list[PaperLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [part for part in line.replace(",", " ").replace(";", " ").split() if part]
        ids = []
        for part in parts:
            if not part.isdigit() or len(part) > 6:
                raise DomainError(f"Line {number}: “{part[:20]}” is not an option number", "ballots")
            option = by_position.get(int(part))
            if option is None:
                raise DomainError(f"Line {number}: there is no option {int(part)} on this ballot", "ballots")
            ids.append(option.id)
        try:
            check_choices(round_, ids, "ballots")
        except DomainError as error:
            raise DomainError(f"Line {number}: {error.message}", "ballots") from None
        ballots.append(PaperLine(number, ids))
        if len(ballots) > MAX_PAPER_BATCH:
            raise DomainError(f"Enter at most {MAX_PAPER_BATCH:,} ballots in one batch", "ballots")
    if not ballots:
        raise DomainError("Enter at least one ballot, one per line", "ballots")
    return ballots


def enter_paper_batch(round_: Round, officer: "User", reference: str, text: str, now: datetime) -> PaperBatch:
    """Officers type in paper ballots, in batches with a reference, after checking them."""
    _require_officer(officer)
    round_ = _lock_round(round_)
    if round_.state not in (RoundState.OPEN.value, RoundState.CLOSED.value):
        raise DomainError("Paper ballots can be entered while the round is open or closed, before results are published")
    if round_.state == RoundState.OPEN.value and now < round_.opens_at:
        raise DomainError("Voting has not started yet, so there are no paper ballots to enter")
    reference = reference.strip()
    if not reference:
        raise DomainError("Enter the batch reference written on the bundle", "reference")
    if db.session.scalar(
        select(PaperBatch.id).where(PaperBatch.round_id == round_.id, PaperBatch.reference == reference)
    ):
        raise DomainError(f"Batch “{reference}” has already been entered for this round", "reference")
    lines = parse_paper_ballots(round_, text)
    batch = PaperBatch(round_id=round_.id, reference=reference[:60], entered_by_id=officer.id, ballot_count=len(lines))
    db.session.add(batch)
    db.session.flush()
    # Thousands of ballots in one batch: two bulk inserts, not a statement per ballot.
    ballot_ids = db.session.scalars(
        insert(Ballot).returning(Ballot.id, sort_by_parameter_order=True),
        [
            {"round_id": round_.id, "kind": "paper", "paper_batch_id": batch.id, "created_at": now, "updated_at": now}
            for _ in lines
        ],
    ).all()
    db.session.execute(
        insert(BallotChoice),
        [
            {"ballot_id": ballot_id, "option_id": option_id}
            for ballot_id, line in zip(ballot_ids, lines)
            for option_id in line.option_ids
        ],
    )
    record_event(
        "round.paper_batch_entered", round_, actor=officer, detail={"batch": batch.reference, "ballots": len(lines)}
    )
    if round_.state == RoundState.CLOSED.value:
        round_.counted_at = None  # the count is stale until the tally job runs again
    return batch


def remove_paper_batch(round_: Round, officer: "User", batch_id: int) -> None:
    _require_officer(officer)
    round_ = _lock_round(round_)
    if round_.state == RoundState.PUBLISHED.value:
        raise DomainError("Results are published, so paper ballots can no longer change")
    batch = db.session.get(PaperBatch, batch_id)
    if batch is None or batch.round_id != round_.id:
        raise DomainError("That batch is not in this round")
    record_event(
        "round.paper_batch_removed", round_, actor=officer, detail={"batch": batch.reference, "ballots": batch.ballot_count}
    )
    db.session.execute(delete(Ballot).where(Ballot.paper_batch_id == batch.id))
    db.session.delete(batch)
    if round_.state == RoundState.CLOSED.value:
        round_.counted_at = None


# ---------------------------------------------------------------- results


def ballots_of(round_id: int) -> list[tuple[str, frozenset[int]]]:
    """Every ballot as (kind, chosen option ids), read in one query."""
    rows = db.session.execute(
        select(Ballot.id, Ballot.kind, BallotChoice.option_id)
        .outerjoin(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.round_id == round_id)
        .order_by(Ballot.id)
    )
    # An imported ballot may choose nothing; it still counts in the number of voters.
    ballots: dict[int, tuple[str, set[int]]] = {}
    for ballot_id, kind, option_id in rows:
        choices = ballots.setdefault(ballot_id, (kind, set()))[1]
        if option_id is not None:
            choices.add(option_id)
    return [(kind, frozenset(choices)) for kind, choices in ballots.values()]


def count_round(round_id: int) -> dict:
    """Count the votes and work out the winners under every rule; store them on the options."""
    from models.pb_rules import tally

    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.state not in (RoundState.CLOSED.value, RoundState.PUBLISHED.value):
        return {"counted": False}
    round_ = _lock_round(round_)
    options = {option.id: option for option in round_.options}
    ballots = ballots_of(round_id)
    costs = {option_id: option.cost_pence for option_id, option in options.items()}
    approvals = [choices for _, choices in ballots]
    positions = {option_id: option.position for option_id, option in options.items()}
    # Ties go to the lower option number; an imported election keeps its file's ids,
    # compared as text as Pabulib tools do.
    tie_keys = (
        {option_id: option.key for option_id, option in options.items()} if round_.source == "pabulib" else positions
    )
    outcomes = {
        rule: tally(
            rule,
            round_.budget_pence,
            costs,
            approvals,
            tie_key=tie_keys.__getitem__,
            increment=ADD_ONE_INCREMENT_PENCE,
        )
        for rule in ("greedy", "equal-shares", "equal-shares-add1")
    }
    votes = outcomes["greedy"].votes
    paper = {option_id: 0 for option_id in options}
    digital = dict(paper)
    for kind, choices in ballots:
        if kind in ("digital", "paper"):
            target = digital if kind == "digital" else paper
            for option_id in choices:
                target[option_id] += 1
    order = sorted(options, key=lambda option_id: (-votes.get(option_id, 0), costs[option_id], positions[option_id]))
    for rank, option_id in enumerate(order, start=1):
        option = options[option_id]
        option.votes = votes.get(option_id, 0)
        option.digital_votes = digital[option_id]
        option.paper_votes = paper[option_id]
        option.vote_rank = rank
        option.selected_greedy = option_id in outcomes["greedy"].selected
        option.selected_equal_shares = option_id in outcomes["equal-shares"].selected
        option.selected_add1 = option_id in outcomes["equal-shares-add1"].selected
    round_.counted_at = utcnow()
    record_event("round.counted", round_, detail={"ballots": len(ballots)})
    return {"counted": True, "ballots": len(ballots)}


@dataclass(frozen=True)
class Turnout:
    digital: int
    paper: int
    imported: int

    @property
    def total(self) -> int:
        return self.digital + self.paper + self.imported


def turnout(round_id: int) -> Turnout:
    rows = dict(
        db.session.execute(
            select(Ballot.kind, func.count()).where(Ballot.round_id == round_id).group_by(Ballot.kind)
        ).all()
    )
    return Turnout(rows.get("digital", 0), rows.get("paper", 0), rows.get("imported", 0))


def eligible_residents(round_: Round) -> int:
    from models.accounts import User

    query = select(func.count()).select_from(User).where(User.email_verified_at.is_not(None), User.ward_id.is_not(None))
    if round_.ward_id is not None:
        query = query.where(User.ward_id == round_.ward_id)
    return db.session.scalar(query) or 0


@dataclass(frozen=True)
class WardPriority:
    """How a need fared in its ward's latest published round, for matching."""

    need_id: int
    rank: int
    of: int
    won: bool
    round_id: int
    round_title: str
    area_name: str


def ward_priorities(need_ids: Iterable[int]) -> dict[int, WardPriority]:
    """The latest published result for each of these needs (one query)."""
    from models.places import Ward

    ids = list(need_ids)
    if not ids:
        return {}
    option_count = (
        select(RoundOption.round_id, func.count().label("total")).group_by(RoundOption.round_id).subquery()
    )
    rows = db.session.execute(
        select(RoundOption, Round.title, Round.rule, Round.published_at, Round.id, Ward.name, option_count.c.total)
        .join(Round, Round.id == RoundOption.round_id)
        .outerjoin(Ward, Ward.id == Round.ward_id)
        .join(option_count, option_count.c.round_id == Round.id)
        .where(RoundOption.need_id.in_(ids), Round.state == RoundState.PUBLISHED.value)
        .order_by(Round.published_at)
    ).all()
    result: dict[int, WardPriority] = {}
    for option, title, rule, _, round_id, ward_name, total in rows:
        won = {"greedy": option.selected_greedy, "equal-shares-add1": option.selected_add1}.get(rule, False)
        result[option.need_id] = WardPriority(
            need_id=option.need_id,
            rank=option.vote_rank or total,
            of=total,
            won=won,
            round_id=round_id,
            round_title=title,
            area_name=ward_name or "the borough",
        )
    return result


def anonymous_voter_ids(round_id: int, secret: str, ballot_ids: Iterable[int]) -> dict[int, str]:
    """Stable voter ids for open data that reveal neither who voted nor in which order."""
    keyed = sorted(
        ballot_ids,
        key=lambda ballot_id: hmac.new(secret.encode(), f"{round_id}:{ballot_id}".encode(), hashlib.sha256).digest(),
    )
    return {ballot_id: str(number) for number, ballot_id in enumerate(keyed, start=1)}
