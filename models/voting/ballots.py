"""Casting ballots: who may vote in a round now, a resident's ballot (one per resident per
round, changeable until close), withdrawing it, and officers' paper ballot batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import (
    delete,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from models import DomainError, DomainErrors, PermissionDenied, db, utcnow
from models.people.permissions import require_officer
from models.core.events import record_event
from models.core.money import format_pence

if TYPE_CHECKING:
    from datetime import date

    from models.people.accounts import User
from models.voting.models import Ballot, BallotChoice, MAX_PAPER_BATCH, PaperBatch, Round, RoundOption, RoundState
from models.voting.setup import OFFICERS_RUN_ROUNDS, _count_after_commit, _lock_round


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
                f"Your choices cost {format_pence(total)}, more than the budget of {format_pence(round_.budget_pence)}: "
                "remove something",
                field,
            )
        if total < round_.min_spend_pence:
            raise DomainError(
                f"Choose options worth at least {format_pence(round_.min_spend_pence)} "
                f"({round_.min_spend_percent}% of the budget); yours come to {format_pence(total)}",
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
    # "1, 4 | name | date of birth | postcode": the voter, for de-duplication across channels
    identity: tuple[str, "date", str] | None = None


def parse_paper_ballots(round_: Round, text: str) -> list[PaperLine]:
    """One ballot per line, the option numbers printed on the paper, e.g. "1, 4, 7".
    Every line is checked against the ballot's rules, and every bad line is reported at once,
    each naming its line; nothing is entered unless all are right."""
    by_position = {option.position: option for option in round_.options}
    ballots: list[PaperLine] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line, _, who = raw.strip().partition("|")
        if not line.strip() and not who:
            continue
        try:
            ids = _paper_line_choices(round_, by_position, line)
            ballots.append(PaperLine(number, ids, _paper_identity(round_, who) if who.strip() else None))
        except DomainError as error:
            problems.append(f"Line {number}: {error.message}")
        if len(ballots) + len(problems) > MAX_PAPER_BATCH:
            raise DomainError(f"Enter at most {MAX_PAPER_BATCH:,} ballots in one batch", "ballots")
    if problems:
        raise DomainErrors(problems, "ballots")
    if not ballots:
        raise DomainError("Enter at least one ballot, one per line", "ballots")
    return ballots


def _paper_line_choices(round_: Round, by_position: dict, line: str) -> list[int]:
    """The option ids on one line of a paper batch, or the DomainError saying what is wrong."""
    ids = []
    for part in [part for part in line.replace(",", " ").replace(";", " ").split() if part]:
        if not part.isdigit() or len(part) > 6:
            raise DomainError(f"“{part[:20]}” is not an option number", "ballots")
        option = by_position.get(int(part))
        if option is None:
            raise DomainError(f"there is no option {int(part)} on this ballot", "ballots")
        ids.append(option.id)
    check_choices(round_, ids, "ballots")
    return ids


def _paper_identity(round_: Round, who: str) -> tuple[str, "date", str]:
    """"name | 10/12/1980 | NW10 8AB" after a line's options, checked as at a polling station."""
    from datetime import date as date_type

    from models.places.postcodes import normalise_postcode
    from models.voting.identity import check_identity

    parts = [part.strip() for part in who.split("|")]
    if len(parts) != 3:
        raise DomainError("after the options write | name | date of birth | postcode", "ballots")
    name, born_text, postcode_text = parts
    try:
        day, month, year = (int(piece) for piece in born_text.replace("-", "/").split("/"))
        born = date_type(year, month, day) if year > 31 else date_type(day, month, year)
    except ValueError:
        raise DomainError(f"“{born_text[:20]}” is not a date of birth like 10/12/1980", "ballots") from None
    postcode = normalise_postcode(postcode_text)
    check_identity(round_, name, born, postcode, utcnow().date())
    return name, born, postcode


def enter_paper_batch(
    round_: Round, officer: "User", reference: str, text: str, now: datetime, identity_key: str | None = None
) -> PaperBatch:
    """Officers type in paper ballots, in batches with a reference, after checking them.
    Lines that carry the voter's identity go through de-duplication (a second ballot by the
    same person is a conflict, not counted); the others are inserted in bulk."""
    require_officer(officer, OFFICERS_RUN_ROUNDS)
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
    parsed = parse_paper_ballots(round_, text)
    lines = [line for line in parsed if line.identity is None or identity_key is None]
    batch = PaperBatch(round_id=round_.id, reference=reference[:60], entered_by_id=officer.id, ballot_count=len(lines))
    db.session.add(batch)
    db.session.flush()
    if len(lines) < len(parsed):
        from models.voting.identity import identity_hash, place_ballot

        options = {option.id: option for option in round_.options}
        for line in parsed:
            if line.identity is not None and identity_key is not None:
                placed = place_ballot(
                    round_, [options[option_id] for option_id in line.option_ids], now, kind="paper",
                    identity=identity_hash(identity_key, *line.identity), recorded_by=officer, paper_batch_id=batch.id,
                )
                batch.ballot_count += isinstance(placed, Ballot)
    if not lines:
        record_event("round.paper_batch_entered", round_, actor=officer, detail={"batch": batch.reference, "ballots": batch.ballot_count})
        if round_.state == RoundState.CLOSED.value:
            _count_after_commit(round_)
        return batch
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
        "round.paper_batch_entered", round_, actor=officer, detail={"batch": batch.reference, "ballots": batch.ballot_count}
    )
    if round_.state == RoundState.CLOSED.value:
        _count_after_commit(round_)
    return batch


def remove_paper_batch(round_: Round, officer: "User", batch_id: int) -> None:
    require_officer(officer, OFFICERS_RUN_ROUNDS)
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
        _count_after_commit(round_)


