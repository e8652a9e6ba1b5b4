"""Public supplier scorecards: a verified supplier's contracts, its approved social
value commitments (measure, target, delivered, status, value in pounds where the
measure has a proxy) and its confirmed deliveries, with how the deliveries' value
(at the needs' estimated values) becomes the commitments' value in pounds
(models.reporting.reconciliation), for the organisation page and the API. A handful of
queries whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from models import db
from models.contracts.models import Commitment, CommitmentStatus, Contract, at_risk_rule, commitment_status
from models.reporting.delivery_totals import DeliveryTotal
from models.reporting.ledger import LedgerFilters, LedgerTotals, filter_totals, ledger_totals
from models.reporting.reconciliation import DeliverySplit, delivery_split
from models.people.organisations import Organisation, OrganisationKind, OrganisationStatus
from models.pledges.models import Pledge
from models.places.themes import Measure, Theme

SETTLEMENT_LABELS = {"fund_payment": "Social Value Fund payment in lieu", "credit": "Credit approved by the council"}


@dataclass(frozen=True)
class CommitmentLine:
    id: int
    contract_id: int
    contract_reference: str
    measure: str
    theme: str
    unit: str
    description: str
    target_quantity: int
    delivered_quantity: int
    due_date: date
    status: CommitmentStatus
    target_value_pence: int | None
    delivered_value_pence: int | None
    settlement: str | None
    # delivered_quantity by source: confirmed pledges and accepted supplier returns
    delivered_through_pledges: int = 0
    delivered_through_returns: int = 0

    @property
    def percent_delivered(self) -> int:
        return min(100, self.delivered_quantity * 100 // self.target_quantity)

    @property
    def settlement_label(self) -> str | None:
        return SETTLEMENT_LABELS.get(self.settlement) if self.settlement else None


@dataclass(frozen=True)
class RatingLine:
    """An officer's rating of one of the supplier's KPIs for a 12-month year (only ratings an
    officer confirmed or gave: proposed ones are not published)."""

    contract_reference: str
    measure: str
    unit: str
    year_start: date
    year_end: date
    rating: str
    proposed: str
    reason: str
    delivered: int
    pro_rata_target: int

    @property
    def label(self) -> str:
        from models.returns.ratings import Rating

        return Rating(self.rating).label


def confirmed_ratings(supplier_id: int) -> list[RatingLine]:
    """The supplier's KPIs' confirmed ratings, by contract, KPI and year (newest first): one query."""
    from models.returns.models import KpiRating

    rows = db.session.execute(
        select(Contract.reference, Measure.name, Measure.unit, KpiRating.year_start, KpiRating.year_end, KpiRating.rating,
               KpiRating.proposed, KpiRating.reason, KpiRating.delivered, KpiRating.pro_rata_target)
        .select_from(KpiRating)
        .join(Commitment, Commitment.id == KpiRating.commitment_id)
        .join(Contract, Contract.id == Commitment.contract_id)
        .join(Measure, Measure.id == Commitment.measure_id)
        .where(Contract.supplier_id == supplier_id, Commitment.state == "approved", Commitment.is_kpi.is_(True))
        .order_by(Contract.reference, Measure.name, Commitment.id, KpiRating.year_start.desc())
    ).all()
    return [RatingLine(reference, measure, unit, start, end, rating, proposed, reason or "", int(delivered), int(target))
            for reference, measure, unit, start, end, rating, proposed, reason, delivered, target in rows]


@dataclass(frozen=True)
class Scorecard:
    supplier: Organisation
    contracts: list[Contract]
    commitments: list[CommitmentLine]
    deliveries: LedgerTotals  # every confirmed delivery, allocated to a commitment or not
    # The same deliveries split by what they count towards, and why their value differs
    # from what the commitments show as delivered in pounds.
    split: DeliverySplit
    ratings: list[RatingLine] = field(default_factory=list)  # the KPIs' confirmed 12-month ratings

    @property
    def contracts_value_pence(self) -> int:
        return sum(contract.value_pence for contract in self.contracts)

    @property
    def committed_value_pence(self) -> int:
        """The commitments' targets in pounds (those whose measure has a proxy value)."""
        return sum(line.target_value_pence or 0 for line in self.commitments)

    @property
    def commitments_delivered_value_pence(self) -> int:
        """What the commitments valued in pounds show as delivered, through their measures."""
        return sum(line.delivered_value_pence or 0 for line in self.commitments)

    @property
    def unpriced_commitments(self) -> int:
        """Commitments whose measure has no value in pounds: counted in their own units only."""
        return sum(1 for line in self.commitments if line.target_value_pence is None)

    def status_counts(self) -> dict[CommitmentStatus, int]:
        counts = {status: 0 for status in CommitmentStatus}
        for line in self.commitments:
            counts[line.status] += 1
        return counts


def is_public_supplier(organisation: Organisation | None) -> bool:
    return (
        organisation is not None
        and organisation.kind == OrganisationKind.SUPPLIER.value
        and organisation.status == OrganisationStatus.VERIFIED.value
    )


def supplier_scorecard(supplier: Organisation, today: date) -> Scorecard:
    contracts = list(
        db.session.scalars(select(Contract).where(Contract.supplier_id == supplier.id).order_by(Contract.reference))
    )
    # Plain columns, not objects: a supplier with hundreds of commitments loads them in one query.
    rows = db.session.execute(
        select(Commitment.id, Commitment.contract_id, Contract.reference, Measure.name, Theme.name, Measure.unit,
               Commitment.description, Commitment.target_quantity, Commitment.delivered_quantity,
               Commitment.returned_quantity, Commitment.due_date, Measure.proxy_value_pence, Commitment.settlement)
        .join(Contract, Contract.id == Commitment.contract_id)
        .join(Measure, Measure.id == Commitment.measure_id)
        .join(Theme, Theme.id == Measure.theme_id)
        .where(Contract.supplier_id == supplier.id, Commitment.state == "approved")
        .order_by(Commitment.due_date, Commitment.id)
    ).all()
    days, share = at_risk_rule()
    lines = []
    for (id_, contract_id, reference, measure, theme, unit, description, target, pledged, returned, due, proxy,
         settlement) in rows:
        delivered = pledged + (returned or 0)
        lines.append(CommitmentLine(
            id=id_, contract_id=contract_id, contract_reference=reference, measure=measure, theme=theme, unit=unit,
            description=description, target_quantity=target, delivered_quantity=delivered, due_date=due,
            status=commitment_status(target, delivered, due, today, days, share),
            target_value_pence=None if proxy is None else target * proxy,
            delivered_value_pence=None if proxy is None else delivered * proxy,
            settlement=settlement, delivered_through_pledges=pledged, delivered_through_returns=returned or 0,
        ))
    return Scorecard(
        supplier, contracts, lines, ledger_totals(LedgerFilters(supplier=supplier.id)), delivery_split(supplier_id=supplier.id),
        confirmed_ratings(supplier.id),
    )


def public_suppliers_query() -> Select:
    """Verified suppliers, by name."""
    return (
        select(Organisation)
        .where(
            Organisation.kind == OrganisationKind.SUPPLIER.value,
            Organisation.status == OrganisationStatus.VERIFIED.value,
        )
        .order_by(Organisation.name, Organisation.id)
    )


def delivery_totals(supplier_ids: list[int]) -> dict[int, LedgerTotals]:
    """Each supplier's confirmed deliveries, counted and valued: its cell of the stored
    delivery totals (models.reporting.delivery_totals), one row a supplier, however many
    deliveries it made."""
    if not supplier_ids:
        return {}
    rows = db.session.execute(
        filter_totals(
            select(DeliveryTotal.supplier_id, DeliveryTotal.deliveries, DeliveryTotal.value_pence),
            LedgerFilters(), over=("supplier_id",),
        ).where(DeliveryTotal.supplier_id.in_(supplier_ids))
    ).all()
    found = {supplier_id: LedgerTotals(int(count), int(value)) for supplier_id, count, value in rows}
    return {supplier_id: found.get(supplier_id, LedgerTotals(0, 0)) for supplier_id in supplier_ids}
