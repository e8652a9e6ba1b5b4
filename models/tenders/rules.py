"""The rules that change tenders and offers: recording a tender (by hand or from an OCDS
tender-stage release), curating its bid pack, withdrawing it; a supplier's offer (reserve
needs, propose commitments, submit); who may read an offer (sealed until closing); the
officers' assessment; and the award, which turns the winning offer into a contract with
commitments and pledges through the contract and pledge rules (so the over-pledging rules
hold) in one transaction, closing the other offers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from models import DomainError, PermissionDenied, db, utcnow
from models.core.events import record_event
from models.core.outbox import enqueue_after_commit
from models.contracts.models import MAX_CONTRACT_VALUE_PENCE
from models.needs.models import Need, NeedStatus
from models.people.permissions import require_officer
from models.tenders.bid_pack import parse_key
from models.tenders.models import Offer, OfferLine, PackCuration, Reservation, Tender

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.people.organisations import Organisation

PDF_JOB = "workers.tenders.build_bid_pack_pdf"
NOT_A_MEMBER = "Only members of the supplier can do this"
NOT_VERIFIED = (
    "Your organisation must be verified by the council before an offer is accepted: "
    "you can keep working on the draft meanwhile"
)


# Tenders ---------------------------------------------------------------------------------


@dataclass
class TenderDetails:
    reference: str
    title: str
    buyer_department: str | None
    value_pence: int
    closing_date: date
    description: str = ""
    theme_ids: tuple[int, ...] = ()
    ward_ids: tuple[int, ...] = ()


def _validate_tender(details: TenderDetails, today: date, imported: bool = False) -> None:
    from models.places.themes import Theme
    from models.places.wards import Ward

    if not details.reference.strip():
        raise DomainError("Enter the tender reference", field="reference")
    if not details.title.strip():
        raise DomainError("Enter the tender title", field="title")
    if not 0 <= details.value_pence <= MAX_CONTRACT_VALUE_PENCE:
        raise DomainError("Enter an estimated value between £0 and £100bn", field="value")
    if not imported and details.closing_date < today:
        raise DomainError("The closing date must be today or later", field="closing_date")
    if db.session.scalar(select(func.count()).select_from(Tender).where(Tender.reference == details.reference.strip())):
        raise DomainError("A tender with this reference already exists", field="reference")
    for ids, model, name in ((details.ward_ids, Ward, "ward_ids"), (details.theme_ids, Theme, "theme_ids")):
        if ids and db.session.scalar(select(func.count()).select_from(model).where(model.id.in_(ids))) != len(set(ids)):
            raise DomainError("Choose from the list", field=name)


def record_tender(
    details: TenderDetails, officer: "User", today: date, *, ocid: str | None = None, source: str = "manual"
) -> Tender:
    from models.places.themes import Theme
    from models.places.wards import Ward

    require_officer(officer)
    _validate_tender(details, today, imported=source == "ocds")
    tender = Tender(
        reference=details.reference.strip(), title=details.title.strip(), description=details.description.strip(),
        buyer_department=(details.buyer_department or "").strip() or None, value_pence=details.value_pence,
        closing_date=details.closing_date, state="open", ocid=ocid, source=source, created_by_id=officer.id,
    )
    tender.wards = list(db.session.scalars(select(Ward).where(Ward.id.in_(details.ward_ids)))) if details.ward_ids else []
    tender.themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(details.theme_ids)))) if details.theme_ids else []
    db.session.add(tender)
    db.session.flush()
    record_event("tender.recorded", tender, actor=officer, to_state="open", detail={"source": source, "ocid": ocid})
    enqueue_after_commit(PDF_JOB, tender.id)
    return tender


def set_tender_places(tender: Tender, officer: "User", theme_ids: tuple[int, ...], ward_ids: tuple[int, ...]) -> None:
    """Which themes and wards an (imported) tender touches: they choose its bid pack."""
    from models.places.themes import Theme
    from models.places.wards import Ward

    require_officer(officer)
    if tender.state != "open":
        raise DomainError("Only an open tender's themes and wards can change")
    tender.wards = list(db.session.scalars(select(Ward).where(Ward.id.in_(ward_ids)))) if ward_ids else []
    tender.themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(theme_ids)))) if theme_ids else []
    _pack_changed(tender)
    record_event("tender.places_changed", tender, actor=officer, detail={"themes": list(theme_ids), "wards": list(ward_ids)})


def _pack_changed(tender: Tender) -> None:
    tender.pack_version += 1
    enqueue_after_commit(PDF_JOB, tender.id)


CURATION_ACTIONS = {"pin": "pinned", "remove": "removed", "add": "added", "reset": None}


def curate_pack(tender: Tender, officer: "User", key: str, action: str, today: date) -> None:
    """Pin, remove or add a bid-pack item (or undo that: reset), audited."""
    require_officer(officer)
    if not tender.is_open(today):
        raise DomainError("Only an open tender's bid pack can be changed")
    parsed = parse_key(key)
    if parsed is None or action not in CURATION_ACTIONS:
        raise DomainError("Choose an item of the bid pack", field="key")
    if action == "add":
        _require_addable(*parsed)
    row = db.session.scalar(select(PackCuration).where(PackCuration.tender_id == tender.id, PackCuration.item_key == key))
    old = row.state if row else None
    state = CURATION_ACTIONS[action]
    if state is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(PackCuration(tender_id=tender.id, item_key=key, state=state, created_by_id=officer.id))
    else:
        row.state, row.created_by_id = state, officer.id
    _pack_changed(tender)
    record_event("tender.pack_curated", tender, actor=officer, from_state=old, to_state=state or "assembled", detail={"item": key})


def _require_addable(kind: str, row_id: int) -> None:
    from models.places.themes import Measure

    if kind == "need":
        need = db.session.get(Need, row_id)
        if need is None or need.status != NeedStatus.PUBLISHED.value:
            raise DomainError("Choose an open need by its number", field="key")
    elif kind == "measure":
        measure = db.session.get(Measure, row_id)
        if measure is None or not measure.active:
            raise DomainError("Choose a measure in use", field="key")


def withdraw_tender(tender: Tender, officer: "User", reason: str) -> None:
    require_officer(officer)
    if tender.state != "open":
        raise DomainError(f"This tender is {tender.state}, so it cannot be withdrawn")
    if not reason.strip():
        raise DomainError("Say why the tender is withdrawn", field="reason")
    tender.state = "withdrawn"
    for offer in tender.offers:
        if offer.state in ("draft", "submitted"):
            offer.state = "unsuccessful"
            for reservation in offer.reservations:
                reservation.outcome, reservation.outcome_note = "released", "the tender was withdrawn"
    record_event("tender.withdrawn", tender, actor=officer, from_state="open", to_state="withdrawn", detail={"reason": reason.strip()})


# Offers ----------------------------------------------------------------------------------


def _require_member(supplier: "Organisation", user: "User") -> None:
    if supplier.kind != "supplier" or not supplier.is_member(user):
        raise PermissionDenied(NOT_A_MEMBER)


def _require_open(tender: Tender, today: date) -> None:
    if tender.state == "withdrawn":
        raise DomainError("This tender has been withdrawn, so it takes no offers")
    if not tender.is_open(today):
        raise DomainError("This tender has closed, so it takes no more offers")


def start_offer(tender: Tender, supplier: "Organisation", user: "User", today: date) -> Offer:
    """The supplier's offer for the tender (a new draft, or the one it has)."""
    _require_member(supplier, user)
    existing = db.session.scalar(select(Offer).where(Offer.tender_id == tender.id, Offer.supplier_id == supplier.id))
    if existing is not None:
        return existing
    _require_open(tender, today)
    offer = Offer(tender_id=tender.id, supplier_id=supplier.id, state="draft", created_by_id=user.id)
    db.session.add(offer)
    db.session.flush()
    record_event("offer.started", offer, actor=user, to_state="draft", detail={"tender_id": tender.id})
    return offer


def _require_draft(offer: Offer, user: "User", today: date) -> None:
    _require_member(offer.supplier, user)
    _require_open(offer.tender, today)
    if not offer.is_draft:
        raise DomainError("This offer has been submitted, so it cannot change")


def _pack_keys(tender: Tender, today: date) -> set[str]:
    from models.tenders.pack import bid_pack

    return bid_pack(tender, today).keys()


def _reservation_problem(need: Need | None, quantity: int) -> tuple[str, str] | None:
    if need is None or need.status != NeedStatus.PUBLISHED.value:
        state = need.status_label.lower() if need is not None else "gone"
        return f"This need is {state}, so it cannot be reserved", "need_id"
    if quantity < 1:
        return "Reserve at least 1", "quantity"
    if quantity > need.remaining_quantity:
        return f"Only {need.remaining_quantity:,} {need.unit} still needed: reserve that or less", "quantity"
    return None


def reserve_need(offer: Offer, user: "User", need_id: int, quantity: int, today: date) -> Reservation:
    """Reserve a quantity of a need from the bid pack (up to what it still needs)."""
    _require_draft(offer, user, today)
    key = f"need:{need_id}"
    if key not in _pack_keys(offer.tender, today):
        raise DomainError("Choose a need from this tender's bid pack", field="need_id")
    need = db.session.get(Need, need_id)
    if problem := _reservation_problem(need, quantity):
        raise DomainError(problem[0], field=problem[1])
    reservation = db.session.scalar(select(Reservation).where(Reservation.offer_id == offer.id, Reservation.need_id == need_id))
    if reservation is None:
        reservation = Reservation(offer_id=offer.id, need_id=need_id, quantity=quantity, pack_key=key)
        db.session.add(reservation)
    else:
        reservation.quantity = quantity
    db.session.flush()
    record_event("offer.need_reserved", offer, actor=user, detail={"need_id": need_id, "quantity": quantity})
    return reservation


@dataclass
class LineDetails:
    measure_id: int
    target_quantity: int
    due_date: date
    description: str = ""
    ward_ids: tuple[int, ...] = ()
    pack_key: str | None = None


def add_offer_line(offer: Offer, user: "User", details: LineDetails, today: date) -> OfferLine:
    """Propose a commitment (measure, target, due date, wards), answering a pack item if named."""
    from models.places.themes import Measure
    from models.places.wards import Ward

    _require_draft(offer, user, today)
    measure = db.session.get(Measure, details.measure_id)
    if measure is None or not measure.active:
        raise DomainError("Select a measure", field="measure_id")
    if not 1 <= details.target_quantity <= 10**12:
        raise DomainError("The target must be a whole number of at least 1", field="target_quantity")
    if details.due_date <= offer.tender.closing_date:
        raise DomainError("The due date must be after the tender closes", field="due_date")
    if details.ward_ids and db.session.scalar(
        select(func.count()).select_from(Ward).where(Ward.id.in_(details.ward_ids))
    ) != len(set(details.ward_ids)):
        raise DomainError("Select wards from the list", field="ward_ids")
    label = None
    if details.pack_key:
        item = None
        from models.tenders.pack import bid_pack

        item = bid_pack(offer.tender, today).item(details.pack_key)
        if item is None:
            raise DomainError("Choose an item of this tender's bid pack", field="pack_key")
        label = item.title[:300]
    line = OfferLine(
        offer_id=offer.id, measure_id=measure.id, target_quantity=details.target_quantity, due_date=details.due_date,
        description=details.description.strip(), ward_ids=sorted(set(details.ward_ids)), pack_key=details.pack_key or None,
        pack_label=label,
    )
    db.session.add(line)
    db.session.flush()
    record_event("offer.line_added", offer, actor=user, detail={"measure_id": measure.id, "target": details.target_quantity})
    return line


def remove_offer_item(offer: Offer, user: "User", kind: str, item_id: int, today: date) -> None:
    _require_draft(offer, user, today)
    model = Reservation if kind == "reservation" else OfferLine
    row = db.session.get(model, item_id)
    if row is None or row.offer_id != offer.id:
        raise DomainError("That is not part of this offer")
    db.session.delete(row)
    record_event("offer.item_removed", offer, actor=user, detail={"kind": kind, "id": item_id})


def submit_offer(offer: Offer, user: "User", summary: str, today: date) -> None:
    """Send the offer, sealed. Only a verified supplier's offer is accepted."""
    _require_draft(offer, user, today)
    if not offer.supplier.is_verified:
        raise DomainError(NOT_VERIFIED)
    if not offer.lines and not offer.reservations:
        raise DomainError("Add a commitment or reserve a need before you submit the offer")
    for reservation in offer.reservations:
        if problem := _reservation_problem(reservation.need, reservation.quantity):
            raise DomainError(f"“{reservation.need.title}”: {problem[0]}")
    offer.summary = summary.strip()
    offer.state, offer.submitted_at, offer.submitted_by_id = "submitted", utcnow(), user.id
    record_event("offer.submitted", offer, actor=user, from_state="draft", to_state="submitted")


def may_read_offer(offer: Offer, user: "User | None", today: date) -> bool:
    """Sealed: the bidder's own members always; officers once the tender has closed; no one
    else, ever (another bidder, a group, a resident, the public)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if offer.supplier.is_member(user):
        return True
    return user.is_officer and offer.tender.has_closed(today)


def assess_offer(offer: Offer, officer: "User", score: int | None, notes: str, today: date) -> None:
    require_officer(officer)
    if not offer.tender.has_closed(today):
        raise DomainError("Offers are assessed once the tender has closed")
    if offer.state == "draft":
        raise DomainError("This offer was never submitted")
    if score is not None and not 0 <= score <= 100:
        raise DomainError("Enter a score from 0 to 100", field="score")
    offer.score, offer.assessment_notes = score, notes.strip() or None
    record_event("offer.assessed", offer, actor=officer, detail={"score": score})


# The award -------------------------------------------------------------------------------


@dataclass
class AwardDetails:
    offer_id: int
    value_pence: int | None = None  # None: the tender's estimate
    start_date: date | None = None
    end_date: date | None = None


@dataclass
class AwardReport:
    contract_id: int
    commitments: int = 0
    pledged: list[dict[str, Any]] = field(default_factory=list)
    reported: list[dict[str, Any]] = field(default_factory=list)
    closed_offers: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"contract_id": self.contract_id, "commitments": self.commitments, "pledged": self.pledged,
                "reported": self.reported, "closed_offers": self.closed_offers}


def _pledger(offer: Offer) -> "User | None":
    """Who signs the award's pledges for the supplier: whoever submitted the offer, while a
    member; else an owner."""
    if offer.submitted_by is not None and offer.supplier.is_member(offer.submitted_by):
        return offer.submitted_by
    owners = offer.supplier.owners()
    return owners[0] if owners else None


def _pledge_reservation(reservation: Reservation, offer: Offer, contract, pledger: "User | None", today: date, report: AwardReport) -> None:
    from models.pledges.rules import commitment_fits, make_pledge

    need = db.session.get(Need, reservation.need_id)
    db.session.refresh(need)
    wanted = reservation.quantity
    note = None
    if pledger is None:
        note = "the supplier has no members to pledge for it"
    elif need.status != NeedStatus.PUBLISHED.value:
        note = f"the need is {need.status_label.lower()}"
    elif need.remaining_quantity < 1:
        note = "the need was fully pledged meanwhile"
    if note is None:
        quantity = min(wanted, need.remaining_quantity)
        fitting = [c for c in contract.commitments if c.state == "approved" and commitment_fits(c, need)]
        day = offer.submitted_at.date() if offer.submitted_at else today
        try:
            pledge = make_pledge(
                need, offer.supplier, pledger, quantity,
                f"Offered in the bid of {day.day} {day:%B %Y} for tender {offer.tender.reference}.",
                commitment_id=fitting[0].id if fitting else None, today=today,
            )
        except DomainError as error:  # the pledge rule said no: nothing was written
            note = error.message
        else:
            reservation.pledge_id, reservation.outcome = pledge.id, "pledged"
            if quantity < wanted:
                reservation.outcome_note = f"only {quantity:,} of {wanted:,} {need.unit} were still needed"
                report.reported.append({"need_id": need.id, "title": need.title, "reason": reservation.outcome_note})
            report.pledged.append({"need_id": need.id, "pledge_id": pledge.id, "quantity": quantity})
            return
    reservation.outcome, reservation.outcome_note = "reported", note
    report.reported.append({"need_id": need.id, "title": need.title, "reason": note})


def award_tender(tender: Tender, officer: "User", details: AwardDetails, today: date) -> AwardReport:
    """Award the tender to one submitted offer: a contract with the offer's commitments, its
    reservations offered as pledges to their groups (never past what a need still needs:
    what cannot be pledged is reported), the other offers closed, their reservations released."""
    from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract

    require_officer(officer)
    if tender.state != "open":
        raise DomainError(f"This tender is {tender.state}, so it cannot be awarded")
    if not tender.has_closed(today):
        raise DomainError("Award the tender once it has closed")
    offer = next((o for o in tender.offers if o.id == details.offer_id and o.state == "submitted"), None)
    if offer is None:
        raise DomainError("Choose one of the offers submitted for this tender: that supplier made no offer", field="offer_id")
    if not offer.supplier.is_verified:
        raise DomainError("The supplier is no longer verified, so it cannot be awarded the contract", field="offer_id")
    value = tender.value_pence if details.value_pence is None else details.value_pence
    contract = record_contract(
        ContractDetails(tender.reference, tender.title, tender.buyer_department, offer.supplier_id, value,
                        details.start_date, details.end_date),
        officer, ocid=tender.ocid, source="tender",
    )
    report = AwardReport(contract_id=contract.id)
    for line in offer.lines:
        commitment = add_commitment(contract, officer, CommitmentDetails(
            line.measure_id, line.target_quantity, line.due_date, line.description, tuple(line.ward_ids or ()),
        ))
        line.commitment_id = commitment.id
        report.commitments += 1
    db.session.refresh(contract)
    pledger = _pledger(offer)
    for reservation in offer.reservations:
        _pledge_reservation(reservation, offer, contract, pledger, today, report)
    offer.state = "awarded"
    record_event("offer.awarded", offer, actor=officer, from_state="submitted", to_state="awarded", detail={"contract_id": contract.id})
    for other in tender.offers:
        if other.id == offer.id or other.state not in ("draft", "submitted"):
            continue
        old, other.state = other.state, "unsuccessful"
        for reservation in other.reservations:
            reservation.outcome, reservation.outcome_note = "released", "another offer won the tender"
        record_event("offer.unsuccessful", other, actor=officer, from_state=old, to_state="unsuccessful")
        report.closed_offers.append(other.id)
    tender.state, tender.awarded_at, tender.contract_id = "awarded", utcnow(), contract.id
    tender.award_report = report.as_dict()
    record_event("tender.awarded", tender, actor=officer, from_state="open", to_state="awarded", detail=report.as_dict())
    return report


def tender_of_commitment(commitment_id: int) -> OfferLine | None:
    """The offer line a commitment came from, if it came from a bid (its line of descent)."""
    return db.session.scalar(select(OfferLine).where(OfferLine.commitment_id == commitment_id))
