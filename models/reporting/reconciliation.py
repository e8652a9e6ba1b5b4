"""Why "confirmed deliveries worth £360" and "delivered against commitments £0" are both
true: the two figures count different things, and this works out the difference.

- *Confirmed deliveries* (the ledger, the scorecard, the dashboard) are valued at each
  delivery's share of what the group estimated its need was worth.
- *Delivered against commitments* is valued through each commitment's measure: the
  quantities the council counted towards it (its allocations) times the measure's value
  per unit (its proxy value). A measure without one (hours, apprenticeship weeks...) adds
  to the commitment's quantity, never to pounds; a delivery counted towards no commitment
  adds to the need only.

`delivery_split` splits the deliveries' value into those three parts, and gives the same
deliveries' value through the measures. For a financial year it also says how much of that
went to commitments due in other years, and how much came to commitments due in the year
from deliveries confirmed in other years, so that

    commitments_delivered_pence = proxy_pence - to_other_years_pence + from_other_years_pence

equals what the commitments themselves say (`models.reporting.impact.headline`, the
supplier scorecard). One aggregate query per figure, whatever the number of deliveries."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import BigInteger, and_, case, cast, func, literal, not_, or_, select

from models import db
from models.contracts.models import Commitment
from models.needs.models import Need
from models.places.themes import Measure
from models.pledges.models import Allocation, Pledge, PledgeStatus

CONFIRMED = PledgeStatus.CONFIRMED.value


class Period(Protocol):
    """A financial year (models.reporting.impact.Year): its first and last days."""

    @property
    def first_day(self) -> date: ...

    @property
    def last_day(self) -> date: ...


@dataclass(frozen=True)
class DeliverySplit:
    count: int  # confirmed deliveries
    value_pence: int  # at the needs' estimated values: the ledger's figure
    to_priced_pence: int  # the part counted towards commitments whose measure has a value in pounds
    to_unpriced_pence: int  # the part counted towards commitments counted in other units only
    unallocated_pence: int  # the part counted towards no commitment
    unallocated_count: int  # deliveries not counted towards any commitment at all
    proxy_pence: int  # the part counted towards commitments valued in pounds, through their measures
    to_other_years_pence: int = 0  # of proxy_pence: towards commitments due outside the year
    from_other_years_pence: int = 0  # through the measures, to commitments due in the year, from other years' deliveries

    @property
    def commitments_delivered_pence(self) -> int:
        """What the commitments (due in the year, if one was given) show as delivered in pounds."""
        return self.proxy_pence - self.to_other_years_pence + self.from_other_years_pence

    @property
    def differs(self) -> bool:
        return self.value_pence != self.commitments_delivered_pence

    def as_dict(self) -> dict:
        return {**asdict(self), "commitments_delivered_pence": self.commitments_delivered_pence}


def _bounds(year: Period) -> tuple[datetime, datetime]:
    return (
        datetime.combine(year.first_day, datetime.min.time()),
        datetime.combine(year.last_day + timedelta(days=1), datetime.min.time()),
    )


def _confirmed_in(year: Period | None):
    if year is None:
        return Pledge.status == CONFIRMED
    start, end = _bounds(year)
    return and_(Pledge.status == CONFIRMED, Pledge.confirmed_at >= start, Pledge.confirmed_at < end)


def _due_in(year: Period):
    return and_(Commitment.due_date >= year.first_day, Commitment.due_date <= year.last_day)


def delivery_split(year: Period | None = None, supplier_id: int | None = None) -> DeliverySplit:
    """Confirmed deliveries (in the year, of the supplier, when given), split by what they
    count towards, each part valued at the need's estimated value; and the part counted
    towards commitments valued in pounds, valued through their measures."""
    priced = Measure.proxy_value_pence.is_not(None)
    quantity = cast(Allocation.quantity, BigInteger)
    proxy = quantity * func.coalesce(Measure.proxy_value_pence, 0)
    # Through the measures, towards commitments due outside the year (none without a year).
    elsewhere = func.sum(case((not_(_due_in(year)), proxy), else_=0)) if year is not None else literal(0)
    per_pledge = (
        select(
            Allocation.pledge_id.label("pledge_id"),
            func.sum(case((priced, quantity), else_=0)).label("to_priced"),
            func.sum(quantity).label("allocated"),
            func.sum(proxy).label("proxy"),
            elsewhere.label("elsewhere"),
        )
        .join(Commitment, Commitment.id == Allocation.commitment_id)
        .join(Measure, Measure.id == Commitment.measure_id)
        .group_by(Allocation.pledge_id)
    )
    if year is not None or supplier_id is not None:
        # Only the allocations of the deliveries counted below, not every allocation's sum.
        counted = select(Pledge.id).where(_confirmed_in(year))
        if supplier_id is not None:
            counted = counted.where(Pledge.supplier_id == supplier_id)
        per_pledge = per_pledge.where(Allocation.pledge_id.in_(counted))
    per_pledge = per_pledge.subquery()
    value = cast(Need.value_pence, BigInteger)
    to_priced = cast(func.coalesce(per_pledge.c.to_priced, 0), BigInteger)
    allocated = cast(func.coalesce(per_pledge.c.allocated, 0), BigInteger)
    # Each part is the pledge's share of the need's value, rounded down as the ledger rounds
    # (models.reporting.ledger.value_pence_column): a delivery counted in full has nothing left over.
    whole = value * Pledge.quantity // Need.quantity
    priced_part = value * to_priced // Need.quantity
    allocated_part = value * allocated // Need.quantity
    query = (
        select(
            func.count(Pledge.id),
            func.coalesce(func.sum(whole), 0),
            func.coalesce(func.sum(priced_part), 0),
            func.coalesce(func.sum(allocated_part), 0),
            func.count(case((per_pledge.c.pledge_id.is_(None), Pledge.id))),
            func.coalesce(func.sum(per_pledge.c.proxy), 0),
            func.coalesce(func.sum(per_pledge.c.elsewhere), 0),
        )
        .select_from(Pledge)
        .join(Need, Need.id == Pledge.need_id)
        .outerjoin(per_pledge, per_pledge.c.pledge_id == Pledge.id)
        .where(_confirmed_in(year))
    )
    if supplier_id is not None:
        query = query.where(Pledge.supplier_id == supplier_id)
    count, total, priced_value, allocated_value, unallocated_count, proxy_total, to_elsewhere = (
        int(value or 0) for value in db.session.execute(query).one()
    )
    return DeliverySplit(
        count=count,
        value_pence=total,
        to_priced_pence=priced_value,
        to_unpriced_pence=allocated_value - priced_value,
        unallocated_pence=total - allocated_value,
        unallocated_count=unallocated_count,
        proxy_pence=proxy_total,
        to_other_years_pence=to_elsewhere,
        from_other_years_pence=_from_other_years(year, supplier_id) if year is not None else 0,
    )


def _from_other_years(year: Period, supplier_id: int | None) -> int:
    """Through the measures: what deliveries confirmed outside the year count towards
    approved commitments due in it."""
    start, end = _bounds(year)
    query = (
        select(func.coalesce(func.sum(cast(Allocation.quantity, BigInteger) * Measure.proxy_value_pence), 0))
        .select_from(Allocation)
        .join(Pledge, Pledge.id == Allocation.pledge_id)
        .join(Commitment, Commitment.id == Allocation.commitment_id)
        .join(Measure, Measure.id == Commitment.measure_id)
        .where(
            Commitment.state == "approved",
            _due_in(year),
            Pledge.status == CONFIRMED,
            or_(Pledge.confirmed_at < start, Pledge.confirmed_at >= end),
        )
    )
    if supplier_id is not None:
        query = query.where(Pledge.supplier_id == supplier_id)
    return int(db.session.scalar(query) or 0)
