"""Public supplier scorecards: a verified supplier's contracts, its approved social
value commitments (measure, target, delivered, status, value in pounds where the
measure has a proxy) and its confirmed deliveries, with how the deliveries' value
(at the needs' estimated values) becomes the commitments' value in pounds
(models.reporting.reconciliation), for the organisation page and the API. A handful of
queries whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from models import db
from models.contracts.models import Commitment, CommitmentStatus, Contract, at_risk_rule, commitment_status
from models.reporting.delivery_totals import DeliveryTotal
from models.reporting.ledger import LedgerFilters, LedgerTotals, filter_totals, ledger_totals
from models.reporting.reconciliation import DeliverySplit, delivery_split
from models.people.organisations import Organisation, OrganisationKind, OrganisationStatus
from models.places.themes import Measure

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
class Scorecard:
    supplier: Organisation
    contracts: list[Contract]
    commitments: list[CommitmentLine]
    deliveries: LedgerTotals  # every confirmed delivery, allocated to a commitment or not
    # The same deliveries split by what they count towards, and why their value differs
    # from what the commitments show as delivered in pounds.
    split: DeliverySplit

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
    commitments = db.session.scalars(
        select(Commitment)
        .join(Contract, Contract.id == Commitment.contract_id)
        .where(Contract.supplier_id == supplier.id, Commitment.state == "approved")
        .options(joinedload(Commitment.contract), joinedload(Commitment.measure).joinedload(Measure.theme))
        .order_by(Commitment.due_date, Commitment.id)
    ).all()
    days, share = at_risk_rule()
    lines = [
        CommitmentLine(
            id=commitment.id,
            contract_id=commitment.contract_id,
            contract_reference=commitment.contract.reference,
            measure=commitment.measure.name,
            theme=commitment.measure.theme.name,
            unit=commitment.measure.unit,
            description=commitment.description,
            target_quantity=commitment.target_quantity,
            delivered_quantity=commitment.total_delivered,
            due_date=commitment.due_date,
            status=commitment_status(
                commitment.target_quantity, commitment.total_delivered, commitment.due_date, today, days, share
            ),
            target_value_pence=commitment.target_value_pence,
            delivered_value_pence=commitment.delivered_value_pence,
            settlement=commitment.settlement,
            delivered_through_pledges=commitment.delivered_quantity,
            delivered_through_returns=commitment.returned_quantity,
        )
        for commitment in commitments
    ]
    return Scorecard(
        supplier, contracts, lines, ledger_totals(LedgerFilters(supplier=supplier.id)), delivery_split(supplier_id=supplier.id)
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
