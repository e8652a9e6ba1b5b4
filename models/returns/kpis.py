"""KPIs and their ratings: an officer marks a commitment as a KPI of its contract; for each
12-month year of the contract that has ended, the platform proposes a rating from what was
delivered by the year's end (confirmed pledges and accepted returns) against the pro-rata
target (thresholds are settings), with the figures behind it; the officer confirms it or
gives another with a reason. A contract over the strategic threshold with fewer than three
KPIs is flagged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from models import DomainError, db, utcnow
from models.contracts.models import Commitment, Contract
from models.contracts.tiers import Tier
from models.core.events import record_event
from models.core.settings import get_int_setting
from models.people.permissions import require_officer
from models.returns.models import KpiRating
from models.returns.periods import twelve_month_years
from models.returns.ratings import Rating, Thresholds, pro_rata_target, propose

if TYPE_CHECKING:
    from models.people.accounts import User

MIN_STRATEGIC_KPIS = 3


# Each threshold's key in the settings table (an administrator sets them at Council settings).
RATING_SETTINGS = {
    "good": "rating_good_percent",
    "approaching": "rating_approaching_percent",
    "requires_improvement": "rating_requires_improvement_percent",
}


def thresholds() -> Thresholds:
    """The council's rating thresholds; the defaults when the settings do not rise."""
    default = Thresholds()
    try:
        return Thresholds(**{part: get_int_setting(key, getattr(default, part)) for part, key in RATING_SETTINGS.items()})
    except ValueError:
        return default


def kpi_flag(contract: Contract) -> str | None:
    """Why the contract's KPIs fall short of the Procurement Act, in words; None when they do not."""
    if contract.tier() != Tier.STRATEGIC:
        return None
    count = sum(1 for c in contract.commitments if c.is_kpi and c.state == "approved")
    if count < MIN_STRATEGIC_KPIS:
        return f"Contracts over £5 million need at least {MIN_STRATEGIC_KPIS} KPIs; this one has {count}."
    return None


def set_kpi(commitment: Commitment, officer: "User", is_kpi: bool) -> None:
    require_officer(officer)
    if commitment.state != "approved":
        raise DomainError("Only an approved commitment can be a KPI")
    commitment.is_kpi = is_kpi
    record_event("commitment.kpi" if is_kpi else "commitment.not_kpi", commitment, actor=officer)


def delivered_by(commitment_id: int, day: date) -> int:
    """Delivered towards the commitment by the end of `day`: pledges confirmed by then and
    accepted returns for periods ended by then."""
    from models.pledges.models import Allocation, Pledge

    pledged = db.session.scalar(
        select(func.coalesce(func.sum(Allocation.quantity), 0)).join(Pledge, Pledge.id == Allocation.pledge_id)
        .where(Allocation.commitment_id == commitment_id, Pledge.status == "confirmed",
               Pledge.confirmed_at < datetime.combine(day + timedelta(days=1), time.min))
    )
    from models.returns.splits import returned_by  # a split line counts as split

    return int(pledged or 0) + returned_by(commitment_id, day)


@dataclass(frozen=True)
class KpiYear:
    commitment: Commitment
    year_start: date
    year_end: date
    delivered: int
    pro_rata_target: int
    proposed: Rating
    saved: KpiRating | None

    @property
    def key(self) -> str:
        return f"{self.commitment.id}-{self.year_start.isoformat()}"


def kpi_years(contract: Contract, today: date) -> list[KpiYear]:
    """Each KPI of the contract for each of its 12-month years that has ended, with the
    figures, the proposed rating and the officer's rating (if given)."""
    if contract.start_date is None:
        return []
    kpis = [c for c in contract.commitments if c.is_kpi and c.state == "approved"]
    saved = {(r.commitment_id, r.year_start): r for r in db.session.scalars(
        select(KpiRating).where(KpiRating.commitment_id.in_([c.id for c in kpis]))
    )} if kpis else {}
    rows = []
    limits = thresholds()
    for start, end in twelve_month_years(contract.start_date, contract.end_date, today):
        if end >= today:
            continue
        for commitment in kpis:
            delivered = delivered_by(commitment.id, end)
            target = pro_rata_target(commitment.target_quantity, contract.start_date, commitment.due_date, end)
            rows.append(KpiYear(commitment, start, end, delivered, target, propose(delivered, target, limits),
                                saved.get((commitment.id, start))))
    return rows


def rate_kpi(contract: Contract, officer: "User", key: str, rating: str, reason: str, today: date) -> KpiRating:
    """Confirm the proposed rating, or give another with a reason (required)."""
    require_officer(officer)
    row = next((row for row in kpi_years(contract, today) if row.key == key), None)
    if row is None:
        raise DomainError("There is no such KPI year to rate", field="rating")
    if rating not in {choice.value for choice in Rating}:
        raise DomainError("Choose a rating", field="rating")
    if rating != row.proposed.value and not reason.strip():
        raise DomainError(f"Say why the rating is not the proposed one ({row.proposed.label})", field="reason")
    saved = row.saved or KpiRating(commitment_id=row.commitment.id, year_start=row.year_start)
    before = saved.rating
    saved.year_end, saved.delivered, saved.pro_rata_target = row.year_end, row.delivered, row.pro_rata_target
    saved.proposed, saved.rating, saved.reason = row.proposed.value, rating, reason.strip()
    saved.rated_at, saved.rated_by_id = utcnow(), officer.id
    db.session.add(saved)
    db.session.flush()
    record_event("kpi.rated", row.commitment, actor=officer, from_state=before, to_state=rating,
                 detail={"year_start": row.year_start.isoformat(), "proposed": row.proposed.value,
                         "delivered": row.delivered, "pro_rata_target": row.pro_rata_target, "reason": reason.strip()})
    return saved
