"""Matches: suggestions from the matching worker of open needs that fit a
supplier's commitments, each with its score and reasons in words; suppliers
dismiss them, officers introduce a supplier to a group through them.

`run_matching` loads what it needs in a few set-based queries (the commitments,
their preferred wards, the open needs of their kinds, the wards, the priority
vote results), scores in memory with the pure rules of models/matching.py, and
writes the result back in bulk: a rerun updates the pairs it finds again, adds
new ones, and removes the stale ones, never duplicating a (commitment, need)
pair (a unique constraint) and never bringing back a dismissed one.

When matching runs again is decided here too: the rules that change what a commitment can
use or what a need is worth to it call `rematch_commitments_after_commit`,
`match_need_after_commit` or `match_round_after_commit` (and a delivery confirmed without
a commitment calls `allocate_after_commit`), which register the job to run once their
transaction commits (nightly, workers/schedule.py reruns all matching)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    UniqueConstraint,
    delete,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from models import DomainError, PermissionDenied, db, utcnow
from models.people.permissions import require_officer
from models.core.events import record_event
from models.core.outbox import enqueue_after_commit
from models.matching.scoring import (
    MATCHES_PER_COMMITMENT,
    CommitmentFacts,
    NeedFacts,
    NeedIndex,
    Priority,
    best_needs,
)

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.contracts.models import Commitment
    from models.needs.models import Need

WRITE_CHUNK = 1_000

# The matching jobs (workers/matching.py), by dotted path: models never import workers.
MATCH_COMMITMENTS_JOB = "workers.matching.match_commitments"
MATCH_FOR_NEED_JOB = "workers.matching.match_for_need"
MATCH_FOR_ROUND_JOB = "workers.matching.match_for_round"
ALLOCATE_DELIVERY_JOB = "workers.matching.allocate_delivery"


def rematch_commitments_after_commit(*commitment_ids: int) -> None:
    """What these commitments can use changed (added approved, approved, settled, delivered
    against): once the transaction commits, refresh their suggestions."""
    if commitment_ids:
        enqueue_after_commit(MATCH_COMMITMENTS_JOB, *sorted(set(commitment_ids)))


def match_need_after_commit(need_id: int) -> None:
    """A newly published need may beat what the commitments of its kind had."""
    enqueue_after_commit(MATCH_FOR_NEED_JOB, need_id)


def allocate_after_commit(pledge_id: int) -> None:
    """A confirmed delivery that names no commitment: once the transaction commits, the
    allocation job proposes which of the supplier's commitments it counts towards."""
    enqueue_after_commit(ALLOCATE_DELIVERY_JOB, pledge_id)


def match_round_after_commit(round_id: int) -> None:
    """A round's published winners feed suppliers' matching: rematch the commitments they could use."""
    enqueue_after_commit(MATCH_FOR_ROUND_JOB, round_id)


class Match(db.Model):
    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("commitment_id", "need_id", name="uq_matches_commitment_need"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_in_range"),
        Index("ix_matches_need", "need_id"),
        Index("ix_matches_commitment_score", "commitment_id", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"))
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int]  # 1 = this commitment's best match
    reasons: Mapped[list] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    dismissed_at: Mapped[datetime | None]
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    introduced_at: Mapped[datetime | None]
    introduced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    commitment: Mapped["Commitment"] = relationship()
    need: Mapped["Need"] = relationship()

    @property
    def score_out_of_100(self) -> int:
        return round(self.score)


# Which rows take part ------------------------------------------------------------------


def open_need_conditions(today: date) -> list:
    """A need that can still take pledges."""
    from models.needs.models import Need, NeedStatus

    return [Need.status == NeedStatus.PUBLISHED.value, Need.deadline >= today, Need.pledged_quantity < Need.quantity]


def open_commitment_conditions() -> list:
    """An approved, unsettled commitment with something left to deliver."""
    from models.contracts.models import Commitment

    return [
        Commitment.state == "approved",
        Commitment.settlement.is_(None),
        Commitment.delivered_quantity < Commitment.target_quantity,
    ]


def _scope(commitment_ids: Iterable[int] | None, kinds: Iterable[str] | None):
    """The commitments a run is about (open or not: closed ones lose their matches)."""
    from models.contracts.models import Commitment
    from models.places.themes import Measure

    query = select(Commitment.id)
    if commitment_ids is not None:
        query = query.where(Commitment.id.in_(list(commitment_ids)))
    if kinds is not None:
        query = query.join(Measure, Measure.id == Commitment.measure_id).where(Measure.need_kind.in_(list(kinds)))
    return query


def _load_commitments(scope) -> list[CommitmentFacts]:
    from models.contracts.models import Commitment, commitment_wards
    from models.places.themes import Measure

    rows = db.session.execute(
        select(
            Commitment.id, Measure.name, Measure.need_kind, Measure.theme_id, Measure.unit,
            Commitment.target_quantity - Commitment.delivered_quantity, Commitment.due_date,
        )
        .join(Measure, Measure.id == Commitment.measure_id)
        .where(Commitment.id.in_(scope), Measure.need_kind.is_not(None), *open_commitment_conditions())
        .order_by(Commitment.id)
    ).all()
    wards: dict[int, set[int]] = {}
    for commitment_id, ward_id in db.session.execute(
        select(commitment_wards.c.commitment_id, commitment_wards.c.ward_id).where(
            commitment_wards.c.commitment_id.in_(scope)
        )
    ):
        wards.setdefault(commitment_id, set()).add(ward_id)
    return [
        CommitmentFacts(id, name, kind, theme_id, unit, remaining, due, frozenset(wards.get(id, ())))
        for id, name, kind, theme_id, unit, remaining, due in rows
    ]


def _load_needs(kinds: set[str], today: date) -> list[NeedFacts]:
    from models.needs.models import Need
    from models.places.wards import Ward
    from models.places.themes import Theme

    from models.places.indicators import chosen_indicator, ward_readings

    chosen = chosen_indicator()
    wards = {id: (name, score) for id, name, score in db.session.execute(select(Ward.id, Ward.name, Ward.local_index_score))}
    # IMD (the default) scores by each ward's rank in England; another chosen indicator by the
    # ward's place among this council's wards on it.
    readings = {} if chosen.is_imd else ward_readings(chosen)
    themes = dict(db.session.execute(select(Theme.id, Theme.name)).all())
    rows = db.session.execute(
        select(
            Need.id, Need.kind, Need.theme_id, Need.unit, Need.quantity - Need.pledged_quantity, Need.deadline,
            Need.ward_id,
        ).where(Need.kind.in_(sorted(kinds)), *open_need_conditions(today))
    ).all()
    priorities = _priorities({row[0] for row in rows})
    needs = []
    for id, kind, theme_id, unit, remaining, deadline, ward_id in rows:
        ward_name, imd_rank = wards.get(ward_id, (None, None))
        reading = readings.get(ward_id)
        needs.append(
            NeedFacts(id, kind, theme_id, unit, remaining, deadline, ward_id, ward_name, themes.get(theme_id, ""),
                      priorities.get(id), imd_rank if chosen.is_imd else None,
                      reading.level if reading else None, chosen.label)
        )
    return needs


def _priorities(open_need_ids: set[int]) -> dict[int, Priority]:
    """Each open need's result in its ward's latest published vote (models.voting.count.ward_priorities)."""
    from models.voting.models import Round, RoundOption, RoundState
    from models.voting.count import ward_priorities

    voted_on = [
        need_id
        for need_id in db.session.scalars(
            select(RoundOption.need_id)
            .join(Round, Round.id == RoundOption.round_id)
            .where(Round.state == RoundState.PUBLISHED.value, RoundOption.need_id.is_not(None))
            .distinct()
        )
        if need_id in open_need_ids
    ]
    result: dict[int, Priority] = {}
    for start in range(0, len(voted_on), 500):
        for need_id, found in ward_priorities(voted_on[start:start + 500]).items():
            result[need_id] = Priority(found.rank, found.of, found.won, found.area_name)
    return result


# The run -------------------------------------------------------------------------------


@dataclass
class MatchingReport:
    commitments: int = 0
    needs: int = 0
    written: int = 0
    removed: int = 0

    def summary(self) -> str:
        return (
            f"{self.commitments:,} commitments matched against {self.needs:,} open needs: "
            f"{self.written:,} matches written, {self.removed:,} stale ones removed"
        )


def run_matching(
    commitment_ids: Iterable[int] | None = None,
    kinds: Iterable[str] | None = None,
    today: date | None = None,
    limit: int = MATCHES_PER_COMMITMENT,
) -> MatchingReport:
    """Rematch the commitments chosen (all, some ids, or those of some need kinds).
    The caller commits. Safe to run twice: the second run finds the same pairs."""
    today = today or date.today()
    scope = _scope(commitment_ids, kinds)
    commitments = _load_commitments(scope)
    report = MatchingReport(commitments=len(commitments))
    dismissed: dict[int, set[int]] = {}
    for commitment_id, need_id in db.session.execute(
        select(Match.commitment_id, Match.need_id).where(Match.commitment_id.in_(scope), Match.dismissed_at.is_not(None))
    ):
        dismissed.setdefault(commitment_id, set()).add(need_id)
    needs = _load_needs({c.kind for c in commitments}, today) if commitments else []
    report.needs = len(needs)
    index = NeedIndex(needs, today)
    del needs
    now = utcnow()
    rows = []
    for commitment in commitments:
        for rank, match in enumerate(best_needs(commitment, index, limit, dismissed.get(commitment.id, ())), start=1):
            rows.append({
                "commitment_id": match.commitment_id, "need_id": match.need_id, "rank": rank,
                "score": round(min(max(match.score, 0.0), 100.0), 2), "reasons": list(match.reasons),
                "computed_at": now,
            })
    fresh = {(row["commitment_id"], row["need_id"]) for row in rows}
    stale = [
        match_id
        for match_id, commitment_id, need_id in db.session.execute(
            select(Match.id, Match.commitment_id, Match.need_id).where(
                Match.commitment_id.in_(scope), Match.dismissed_at.is_(None)
            )
        )
        if (commitment_id, need_id) not in fresh
    ]
    for start in range(0, len(stale), WRITE_CHUNK):
        db.session.execute(delete(Match).where(Match.id.in_(stale[start:start + WRITE_CHUNK])))
    report.removed = len(stale)
    _write(rows)
    report.written = len(rows)
    return report


def _write(rows: list[dict]) -> None:
    from models.places.wards import upsert

    # A dismissal that lands while this run works is kept: the upsert never touches dismissed_at.
    # Written in key order, so two runs that overlap lock rows in the same order.
    rows.sort(key=lambda row: (row["commitment_id"], row["need_id"]))
    if rows and db.session.get_bind().dialect.name == "postgresql":
        _write_by_copy(rows)
        return
    for start in range(0, len(rows), WRITE_CHUNK):
        upsert(Match, rows[start:start + WRITE_CHUNK], ("commitment_id", "need_id"), ("rank", "score", "reasons", "computed_at"))


_COPIED = ("commitment_id", "need_id", "rank", "score", "reasons", "computed_at")


def _write_by_copy(rows: list[dict]) -> None:
    """The same upsert on PostgreSQL, a statement for all the rows instead of one a row: COPY
    into a temporary table shaped like matches (dropped before the transaction ends), then one
    INSERT ... SELECT ... ON CONFLICT in key order."""
    import json

    columns = ", ".join(f'"{name}"' for name in _COPIED)
    connection = db.session.connection()
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE matches_incoming AS SELECT {columns} FROM matches WITH NO DATA")
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY matches_incoming ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((row["commitment_id"], row["need_id"], row["rank"], row["score"], json.dumps(row["reasons"]),
                            row["computed_at"]))
    updated = ", ".join(f'"{name}" = EXCLUDED."{name}"' for name in ("rank", "score", "reasons", "computed_at"))
    connection.exec_driver_sql(
        f"INSERT INTO matches ({columns}) SELECT {columns} FROM matches_incoming ORDER BY commitment_id, need_id "
        f"ON CONFLICT (commitment_id, need_id) DO UPDATE SET {updated}"
    )
    connection.exec_driver_sql("DROP TABLE matches_incoming")


def kinds_for_round(round_id: int) -> set[str]:
    from models.needs.models import Need
    from models.voting.models import RoundOption

    return set(
        db.session.scalars(
            select(Need.kind).join(RoundOption, RoundOption.need_id == Need.id).where(RoundOption.round_id == round_id).distinct()
        )
    )


# What people do with matches -------------------------------------------------------------


def dismiss_match(match: Match, user: "User") -> None:
    """A member of the supplier says "not for us": the pair is never suggested again."""
    supplier = match.commitment.contract.supplier
    if not supplier.is_member(user):
        raise PermissionDenied("Only members of the supplier can dismiss its suggestions")
    if match.dismissed_at is not None:
        raise DomainError("You have already dismissed this suggestion")
    match.dismissed_at = utcnow()
    match.dismissed_by_id = user.id
    record_event(
        "match.dismissed", match, actor=user, from_state="suggested", to_state="dismissed",
        detail={"commitment_id": match.commitment_id, "need_id": match.need_id},
    )


def introduce(match: Match, officer: "User", today: date | None = None) -> None:
    """An officer introduces the supplier to the group (the caller queues the two emails)."""
    from models.needs.models import NeedStatus

    require_officer(officer, "Only council officers introduce suppliers to groups")
    today = today or date.today()
    need = match.need
    if match.dismissed_at is not None:
        raise DomainError(f"{match.commitment.contract.supplier.name} dismissed this suggestion")
    if need.status != NeedStatus.PUBLISHED.value or need.deadline < today or need.remaining_quantity <= 0:
        raise DomainError(f"“{need.title}” is no longer open for pledges")
    if match.introduced_at is not None:
        raise DomainError("You have already introduced them about this need")
    match.introduced_at = utcnow()
    match.introduced_by_id = officer.id
    record_event(
        "match.introduced", match, actor=officer, from_state="suggested", to_state="introduced",
        detail={"commitment_id": match.commitment_id, "need_id": match.need_id},
    )


# Queries for the pages -----------------------------------------------------------------


def _with_details(query):
    from models.contracts.models import Commitment, Contract
    from models.needs.models import Need

    return query.options(
        joinedload(Match.need).joinedload(Need.organisation),
        joinedload(Match.need).joinedload(Need.ward),
        joinedload(Match.commitment).joinedload(Commitment.measure),
        joinedload(Match.commitment).joinedload(Commitment.contract).joinedload(Contract.supplier),
    )


def recommendations(supplier_id: int, today: date):
    """A supplier's suggestions still worth acting on, best first (a select to paginate)."""
    from models.contracts.models import Commitment, Contract
    from models.needs.models import Need

    return _with_details(
        select(Match)
        .join(Commitment, Commitment.id == Match.commitment_id)
        .join(Contract, Contract.id == Commitment.contract_id)
        .join(Need, Need.id == Match.need_id)
        .where(Contract.supplier_id == supplier_id, Match.dismissed_at.is_(None), *open_need_conditions(today),
               *open_commitment_conditions())
        .order_by(Match.score.desc(), Match.id)
    )


def commitments_at_risk(today: date):
    """Approved, unsettled commitments that are at risk or overdue (the council's rule), soonest due first."""
    from models.contracts.models import Commitment, Contract, at_risk_rule

    days, share = at_risk_rule()
    return (
        select(Commitment)
        .join(Contract, Contract.id == Commitment.contract_id)
        .where(
            *open_commitment_conditions(),
            Commitment.due_date <= today + timedelta(days=days),
            or_(Commitment.due_date < today, Commitment.delivered_quantity * 100 < Commitment.target_quantity * round(share * 100)),
        )
        .options(joinedload(Commitment.measure), joinedload(Commitment.contract).joinedload(Contract.supplier))
        .order_by(Commitment.due_date, Commitment.id)
    )


def best_matches(commitment_ids: list[int], today: date, per_commitment: int = 3) -> dict[int, list[Match]]:
    """Each commitment's best open, undismissed matches (one query)."""
    from models.needs.models import Need

    if not commitment_ids:
        return {}
    found: dict[int, list[Match]] = {}
    for match in db.session.scalars(
        _with_details(
            select(Match)
            .join(Need, Need.id == Match.need_id)
            .where(Match.commitment_id.in_(commitment_ids), Match.dismissed_at.is_(None), *open_need_conditions(today))
            .order_by(Match.commitment_id, Match.score.desc(), Match.id)
        )
    ).unique():
        chosen = found.setdefault(match.commitment_id, [])
        if len(chosen) < per_commitment:
            chosen.append(match)
    return found
