"""Rounds as Pabulib files: import a real election as a round, and export any round
as open data (anonymised voter ids). The file format itself is models/voting/pabulib.py;
this module maps it onto rounds, options and ballots.

Amounts: the platform keeps money in whole pence (hundredths of the round's currency), and a
file's amounts are exact decimals, so `12500.50` is 1,250,050 pence and back, with no rounding.

`selected` in an exported file is the official outcome and nothing else. An imported file's
own `selected` column and META `rule` are written back as it published them (our recounts
under other rules are never presented as official); a file that had no `selected` gets none.
A platform round writes `selected` (under its official rule) only once its results are
published. `category` is the theme of the need an option came from, not the group that
asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import insert, select

from models import DomainError, db, utcnow
from models.people.permissions import require_officer
from models.core.events import record_event
from models.voting.pabulib import MAX_PB_BYTES, Amount, PabulibError, PbElection, PbProject, PbVote, parse_pb, write_pb
from models.voting.models import Ballot, BallotChoice, Round, RoundOption, RoundState
from models.voting.setup import OFFICERS_RUN_ROUNDS
from models.voting.count import anonymous_voter_ids

if TYPE_CHECKING:
    from models.people.accounts import User

__all__ = ["MAX_PB_BYTES", "ImportedRound", "export_round_pb", "import_pb_round", "round_as_election"]

RULES_FROM_FILE = {"greedy": "greedy", "equalshares": "equal-shares-add1", "equalshares/add1": "equal-shares-add1"}
RULES_TO_FILE = {"greedy": "greedy", "equal-shares-add1": "equalshares/add1"}
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%Y")
MAX_STORED_PENCE = 2**63 - 1  # a BigInteger


@dataclass(frozen=True)
class ImportedRound:
    round_id: int
    options: int
    ballots: int

    def as_dict(self) -> dict:
        return {"round_id": self.round_id, "options": self.options, "ballots": self.ballots}


def _date(text: str | None) -> datetime | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime((text or "").strip(), pattern)
        except ValueError:
            continue
    return None


def _title(meta: dict[str, str]) -> str:
    parts = [meta.get("description") or "", meta.get("unit") or "", meta.get("instance") or ""]
    title = " – ".join(part for part in dict.fromkeys(parts) if part) or "Imported election"
    return title[:150]


def import_pb_round(data: bytes, officer: "User") -> ImportedRound:
    """A closed round holding the file's projects and votes, ready to be counted."""
    require_officer(officer, OFFICERS_RUN_ROUNDS)
    try:
        election = parse_pb(data)
    except PabulibError as error:
        raise DomainError(f"The file could not be read: {error}", "file") from None
    if not election.projects:
        raise DomainError("The file has no projects", "file")
    meta = election.meta
    budget_line = election.meta_lines.get("budget")
    if election.budget <= 0:
        raise DomainError(_on_line(budget_line, "The budget in META must be more than 0"), "file")
    budget_pence = _pence(election.budget, "The budget", budget_line)
    costs_pence = []
    for project in election.projects:
        if project.cost <= 0:
            raise DomainError(_on_line(project.line, f"Project {project.project_id!r} costs nothing; every option needs a cost"), "file")
        costs_pence.append(_pence(project.cost, f"The cost of project {project.project_id!r}", project.line))
    opens = _date(meta.get("date_begin")) or utcnow()
    closes = _date(meta.get("date_end")) or opens
    if closes <= opens:
        closes = opens + timedelta(days=1)
    knapsack = "max_sum_cost" in meta
    max_length = meta.get("max_length", "")
    round_ = Round(
        title=_title(meta),
        description=meta.get("comment", ""),
        ward_id=None,
        budget_pence=budget_pence,
        currency=(meta.get("currency") or "GBP")[:3].upper(),
        opens_at=opens,
        closes_at=closes,
        method="knapsack" if knapsack else "approval",
        max_choices=None if knapsack else (int(max_length) if max_length.isdigit() else len(election.projects)),
        min_spend_percent=None,
        rule=RULES_FROM_FILE.get(meta.get("rule", ""), "equal-shares-add1"),
        state=RoundState.CLOSED.value,
        source="pabulib",
        source_meta=meta,
        created_by_id=officer.id,
    )
    db.session.add(round_)
    db.session.flush()
    options = db.session.scalars(
        insert(RoundOption).returning(RoundOption.id, sort_by_parameter_order=True),
        [
            {
                "round_id": round_.id,
                "position": position,
                "external_id": project.project_id[:64],
                "title": (project.name or f"Project {project.project_id}")[:200],
                "description": project.extra.get("description", ""),
                # A file's category is a subject, not a group that asked: it stays in the file's
                # own columns, kept whole for the export.
                "group_name": "",
                "cost_pence": cost_pence,
                "source_fields": {"name": project.name, **project.extra},
            }
            for position, (project, cost_pence) in enumerate(zip(election.projects, costs_pence), start=1)
        ],
    ).all()
    option_of = {project.project_id: option_id for project, option_id in zip(election.projects, options)}
    now = utcnow()
    ballot_ids = db.session.scalars(
        insert(Ballot).returning(Ballot.id, sort_by_parameter_order=True),
        [{"round_id": round_.id, "kind": "imported", "created_at": now, "updated_at": now} for _ in election.votes],
    ).all()
    ordinal = election.vote_type == "ordinal"
    choices = [
        {
            "ballot_id": ballot_id,
            "option_id": option_of[project_id],
            "points": vote.points[index] if vote.points is not None else None,
            "rank": index + 1 if ordinal else None,
        }
        for ballot_id, vote in zip(ballot_ids, election.votes)
        for index, project_id in enumerate(vote.projects)
    ]
    if choices:
        db.session.execute(insert(BallotChoice), choices)
    record_event(
        "round.imported",
        round_,
        actor=officer,
        to_state=round_.state,
        detail={"projects": len(options), "votes": len(ballot_ids), "vote_type": election.vote_type},
    )
    return ImportedRound(round_.id, len(options), len(ballot_ids))


def _on_line(line: int | None, message: str) -> str:
    return f"line {line}: {message}" if line else message


def _pence(amount: Amount, what: str, line: int | None) -> int:
    """An amount from a file in hundredths, exactly; a fraction of a penny is refused, not rounded."""
    pence = Decimal(amount) * 100
    if pence != pence.to_integral_value():
        raise DomainError(_on_line(line, f"{what} ({amount}) has more than two decimal places: amounts are kept in pence (hundredths)"), "file")
    if pence > MAX_STORED_PENCE:
        raise DomainError(_on_line(line, f"{what} ({amount}) is too large to keep"), "file")
    return int(pence)


def amount_of(pence: int) -> Amount:
    """Pence as an amount in the currency, exactly: 1250050 is 12500.50, 40000000 is 400000."""
    whole, hundredths = divmod(pence, 100)
    return Decimal(pence).scaleb(-2) if hundredths else whole


def _category(theme: str) -> str:
    # Pabulib separates a project's categories with commas: a comma in a theme's name would make two.
    return " ".join(theme.replace(",", " ").split())


def round_as_election(round_: Round, secret: str) -> tuple[PbElection, list[str] | None]:
    """The round as a Pabulib election with anonymised voters, and the project ids to write as
    `selected`: the official winners of a published platform round, or None (nothing official to
    add: an imported file keeps its own `selected` column, if it had one, in the projects)."""
    from models.needs.models import Need
    from models.places.themes import Theme

    options = list(round_.options)
    key_of = {option.id: option.key for option in options}
    imported = round_.source == "pabulib" and round_.source_meta is not None
    if imported:
        # META as the file published it (its `rule` too); the counts are written afresh.
        meta = {key: value for key, value in round_.source_meta.items() if key not in ("num_projects", "num_votes")}
        meta.setdefault("budget", str(amount_of(round_.budget_pence)))
        vote_type = meta.get("vote_type", "approval")
    else:
        meta = {
            "description": round_.title,
            "country": "United Kingdom",
            "unit": round_.area_name,
            "instance": str(round_.opens_at.year),
            "budget": str(amount_of(round_.budget_pence)),
            "vote_type": "approval",
            "rule": RULES_TO_FILE[round_.rule],
            "date_begin": round_.opens_at.strftime("%d.%m.%Y"),
            "date_end": round_.closes_at.strftime("%d.%m.%Y"),
            "currency": round_.currency,
        }
        if round_.is_knapsack:
            meta["max_sum_cost"] = meta["budget"]
            if round_.min_spend_percent:
                meta["min_sum_cost"] = str(amount_of(round_.min_spend_pence))
        elif round_.max_choices:
            meta["max_length"] = str(round_.max_choices)
        vote_type = "approval"
    themes = dict(
        db.session.execute(
            select(RoundOption.id, Theme.name)
            .join(Need, Need.id == RoundOption.need_id)
            .join(Theme, Theme.id == Need.theme_id)
            .where(RoundOption.round_id == round_.id)
        ).all()
    )
    projects = []
    for option in options:
        if option.source_fields is not None:
            fields = dict(option.source_fields)
            name = fields.pop("name", "")
        else:
            name = option.title
            fields = {"category": _category(themes[option.id])} if option.id in themes else {}
            if option.description:
                fields["description"] = option.description
        projects.append(PbProject(key_of[option.id], amount_of(option.cost_pence), name, fields))
    rows = db.session.execute(
        select(Ballot.id, BallotChoice.option_id, BallotChoice.points, BallotChoice.rank)
        .outerjoin(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.round_id == round_.id)
        .order_by(Ballot.id)
    ).all()
    position = {option.id: option.position for option in options}
    by_ballot: dict[int, list[tuple]] = {}
    for ballot_id, option_id, points, rank in rows:
        entries = by_ballot.setdefault(ballot_id, [])
        if option_id is not None:
            entries.append((rank if rank is not None else position[option_id], option_id, points))
    voter_ids = anonymous_voter_ids(round_.id, secret, by_ballot)
    votes = []
    for ballot_id in sorted(by_ballot, key=lambda ballot_id: int(voter_ids[ballot_id])):
        entries = sorted(by_ballot[ballot_id])
        scored = vote_type in ("cumulative", "scoring")
        votes.append(
            PbVote(
                voter_ids[ballot_id],
                [key_of[option_id] for _, option_id, _ in entries],
                [points or 0 for _, _, points in entries] if scored else None,
            )
        )
    selected = None
    if not imported and round_.state == RoundState.PUBLISHED.value and round_.counted_at:
        selected = [key_of[option.id] for option in options if option.won]
    return PbElection(meta, projects, votes), selected


def export_round_pb(round_: Round, secret: str) -> str:
    election, selected = round_as_election(round_, secret)
    return write_pb(election, selected)
