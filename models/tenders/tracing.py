"""Promised at tender against delivered: for contracts awarded from a tender, what the
winning offer promised (its commitments and the needs it reserved) beside what has been
delivered (the commitments' confirmed deliveries, the reservations' pledges once confirmed).
Read for the officers' contract page and the public supplier scorecard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import db
from models.tenders.models import Offer, OfferLine, Reservation, Tender


@dataclass
class PromiseRow:
    label: str
    unit: str
    promised: int
    delivered: int
    promised_value_pence: int | None
    delivered_value_pence: int | None
    note: str = ""


@dataclass
class Promised:
    tender_reference: str
    tender_title: str
    offered_at: datetime | None
    rows: list[PromiseRow] = field(default_factory=list)

    @property
    def promised_value_pence(self) -> int:
        return sum(row.promised_value_pence or 0 for row in self.rows)

    @property
    def delivered_value_pence(self) -> int:
        return sum(row.delivered_value_pence or 0 for row in self.rows)


def promised_at_tender(contract_ids: list[int]) -> dict[int, Promised]:
    """For each of these contracts that came from a tender, what its bid promised and what
    has been delivered against it (a few queries, whatever the number of contracts)."""
    if not contract_ids:
        return {}
    offers = db.session.execute(
        select(Tender, Offer)
        .join(Offer, (Offer.tender_id == Tender.id) & (Offer.state == "awarded"))
        .where(Tender.contract_id.in_(contract_ids))
        .options(
            selectinload(Offer.lines).selectinload(OfferLine.commitment),
            selectinload(Offer.lines).selectinload(OfferLine.measure),
            selectinload(Offer.reservations).selectinload(Reservation.need),
            selectinload(Offer.reservations).selectinload(Reservation.pledge),
        )
    ).all()
    result: dict[int, Promised] = {}
    for tender, offer in offers:
        promised = Promised(tender.reference, tender.title, offer.submitted_at)
        for line in offer.lines:
            delivered = line.commitment.delivered_quantity if line.commitment is not None else 0
            proxy = line.measure.proxy_value_pence
            promised.rows.append(PromiseRow(
                line.measure.name, line.measure.unit, line.target_quantity, delivered,
                None if proxy is None else proxy * line.target_quantity, None if proxy is None else proxy * delivered,
            ))
        for reservation in offer.reservations:
            need, pledge = reservation.need, reservation.pledge
            confirmed = pledge.quantity if pledge is not None and pledge.status == "confirmed" else 0
            note = {"pledged": f"pledged: {pledge.status_label.lower()}" if pledge is not None else "pledged",
                    "reported": f"not pledged: {reservation.outcome_note}"}.get(reservation.outcome or "", "")
            promised.rows.append(PromiseRow(
                f"{need.title} ({need.organisation.name})", need.unit, reservation.quantity, confirmed,
                reservation.value_pence, need.value_pence * confirmed // need.quantity if need.quantity else 0, note,
            ))
        result[tender.contract_id] = promised
    return result
