"""Counting a round: the ballots as sets of options, the count under every rule (the pure
rules are in `models.voting.pb_rules`), turnout, the ward priorities that matching reads,
and the anonymous voter ids of the Pabulib export."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import (
    func,
    select,
)

from models import db, utcnow
from models.core.events import record_event

if TYPE_CHECKING:
    pass
from models.voting.models import ADD_ONE_INCREMENT_PENCE, Ballot, BallotChoice, Round, RoundOption, RoundState
from models.voting.setup import _lock_round


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
    from models.voting.pb_rules import tally

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
        # Letter codes are online votes; ballots recorded in person are counted with paper.
        if kind in ("digital", "paper", "code", "in_person"):
            target = digital if kind in ("digital", "code") else paper
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


def spent_pence(round_: Round, rule: str | None = None) -> int:
    """What the options a rule funds cost together: the round's spend under its official
    rule, or (naming another rule) what that rule would have spent."""
    rule = rule or round_.rule
    return sum(option.cost_pence for option in round_.options if option.selected_under(rule))


@dataclass(frozen=True)
class Turnout:
    digital: int
    paper: int
    imported: int
    letter: int = 0  # cast at /vote with a letter code
    in_person: int = 0  # recorded at a polling station

    @property
    def total(self) -> int:
        return self.digital + self.paper + self.imported + self.letter + self.in_person

    @property
    def online(self) -> int:
        """With an account or a letter code."""
        return self.digital + self.letter

    @property
    def on_paper(self) -> int:
        """Paper ballots and ballots recorded in person."""
        return self.paper + self.in_person


def turnout(round_id: int) -> Turnout:
    rows = dict(
        db.session.execute(
            select(Ballot.kind, func.count()).where(Ballot.round_id == round_id).group_by(Ballot.kind)
        ).all()
    )
    return Turnout(
        rows.get("digital", 0), rows.get("paper", 0), rows.get("imported", 0), rows.get("code", 0), rows.get("in_person", 0)
    )


def eligible_residents(round_: Round) -> int:
    from models.people.accounts import User

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
    from models.places.wards import Ward

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
