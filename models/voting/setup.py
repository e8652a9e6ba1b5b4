"""Setting up and running a round (officers): its fields, options, and the moves
draft → open → closed → published, with a recount. Whether a round can still change is
decided here once (`change_problem`), for the rules, the views and the templates.

A round's count is triggered here, and only here: every rule that leaves a closed round
with ballots not yet counted (closing it, a recount, a paper batch entered or removed
after closing) calls `_count_after_commit`, which registers the count job to run once the
transaction commits. Publishing the results registers the rematch of suppliers'
commitments the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import (
    func,
    select,
)

from models import DomainError, db, utcnow
from models.people.permissions import require_officer
from models.core.events import record_event
from models.matching.matches import match_round_after_commit
from models.core.outbox import enqueue_after_commit
from models.core.translations import Limits, SecondText, copy_translations, set_translation

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.needs.models import Need
from models.voting.models import Ballot, MAX_BUDGET_PENCE, MAX_OPTIONS, METHOD_LABELS, OFFICIAL_RULES, Round, RoundMethod, RoundOption, RoundState


# The count job (workers/rounds.py), by dotted path: models never import workers.
COUNT_JOB = "workers.rounds.count_round_votes"


# ---------------------------------------------------------------- officers


OFFICERS_RUN_ROUNDS = "Only council officers can run priority rounds."


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



def _check_fields(fields: RoundFields) -> None:
    if not fields.title.strip():
        raise DomainError("Enter a title for the round", "title")
    if not 0 < fields.budget_pence <= MAX_BUDGET_PENCE:
        raise DomainError("Enter a budget between £1 and £10,000,000,000", "budget")
    if fields.closes_at <= fields.opens_at:
        raise DomainError("The closing time must be after the opening time", "closes_on")
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


def _count_after_commit(round_: Round) -> None:
    """The round's ballots changed after voting stopped: its results are stale until the
    count job, registered here to run after the commit, has counted them again."""
    round_.counted_at = None
    enqueue_after_commit(COUNT_JOB, round_.id)


def ballot_count(round_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)) or 0


def change_problem(round_: Round) -> str | None:
    """Why the round's options and rules can no longer change, in words; None while they can.
    They are fixed after closing, and once anyone has voted. The rules below, the officers'
    round page and its template all ask this."""
    if round_.state not in (RoundState.DRAFT.value, RoundState.OPEN.value):
        return "This round has closed, so its options and rules can no longer change"
    if ballot_count(round_.id):
        return "Ballots have been cast in this round, so its options and rules can no longer change"
    return None


def _require_changeable(round_: Round) -> None:
    problem = change_problem(round_)
    if problem is not None:
        raise DomainError(problem)


def create_round(officer: "User", fields: RoundFields) -> Round:
    require_officer(officer, OFFICERS_RUN_ROUNDS)
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
    require_officer(officer, OFFICERS_RUN_ROUNDS)
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
    from models.needs.models import NeedStatus

    require_officer(officer, OFFICERS_RUN_ROUNDS)
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
        copy_translations(need, option)
        position += 1
        db.session.add(option)
        added.append(option)
    if len(existing) + len(added) > MAX_OPTIONS:
        raise DomainError(f"A round can have at most {MAX_OPTIONS} options", "needs")
    db.session.flush()
    if added:
        record_event("round.options_added", round_, actor=officer, detail={"needs": [o.need_id for o in added]})
    return added


def add_item_option(
    round_: Round, officer: "User", title: str, description: str, cost_pence: int, language: str = ""
) -> RoundOption:
    """A costed priority the officer adds that is not a posted need (its text in `language`;
    empty: the council's default)."""
    require_officer(officer, OFFICERS_RUN_ROUNDS)
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
        language=language,
    )
    db.session.add(option)
    db.session.flush()
    record_event("round.option_added", round_, actor=officer, detail={"option": option.id, "title": option.title})
    return option


OPTION_TEXT_LIMITS = Limits(title=200, description=5000)


def translate_option(option: RoundOption, officer: "User", text: SecondText | None, offered: list[str]) -> bool:
    """The option's title and description in another of the council's languages."""
    if text is None:
        return False
    require_officer(officer, OFFICERS_RUN_ROUNDS)
    _require_changeable(option.round)
    return set_translation(option, officer, text, OPTION_TEXT_LIMITS, offered)


def remove_option(round_: Round, officer: "User", option_id: int) -> None:
    require_officer(officer, OFFICERS_RUN_ROUNDS)
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
    require_officer(officer, OFFICERS_RUN_ROUNDS)
    round_ = _lock_round(round_)
    if round_.state != RoundState.DRAFT.value:
        raise DomainError("Only a draft round can be opened")
    if len(round_.options) < 2:
        raise DomainError("Add at least two options before opening the round")
    if round_.closes_at <= now:
        raise DomainError("The closing time has passed: change it before opening the round", "closes_on")
    _move(round_, RoundState.OPEN, officer)


def close_round(round_: Round, actor: "User | None", now: datetime) -> None:
    """Stop voting (an officer early, or the clock at the closing time)."""
    if actor is not None:
        require_officer(actor, OFFICERS_RUN_ROUNDS)
    round_ = _lock_round(round_)
    if round_.state != RoundState.OPEN.value:
        raise DomainError("Only an open round can be closed")
    if round_.closes_at > now:  # closed early: the record shows when voting really stopped
        round_.closes_at = max(now, round_.opens_at + timedelta(seconds=1))
    _move(round_, RoundState.CLOSED, actor)
    _count_after_commit(round_)


def publish_results(round_: Round, officer: "User") -> None:
    require_officer(officer, OFFICERS_RUN_ROUNDS)
    round_ = _lock_round(round_)
    if round_.state != RoundState.CLOSED.value:
        raise DomainError("Only a closed round's results can be published")
    if round_.counted_at is None:
        raise DomainError("The votes have not been counted yet: wait for the count to finish")
    round_.published_at = utcnow()
    _move(round_, RoundState.PUBLISHED, officer)
    match_round_after_commit(round_.id)


def request_recount(round_: Round, officer: "User") -> None:
    """Count a closed round again (the job does the counting, after the commit); results are
    stale until then."""
    require_officer(officer, OFFICERS_RUN_ROUNDS)
    round_ = _lock_round(round_)
    if round_.state != RoundState.CLOSED.value:
        raise DomainError("Only a closed round can be counted again")
    record_event("round.recount_requested", round_, actor=officer)
    _count_after_commit(round_)


def rounds_due_to_close(now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            select(Round.id).where(Round.state == RoundState.OPEN.value, Round.closes_at <= now).order_by(Round.id)
        )
    )


