"""Escalation: a commitment still failing after its remedial plan goes to a named governance
board on a date, then is resolved: delivered (its target met), settled by a Social Value
Fund payment, or by a credit naming the substitute delivery (a confirmed pledge) or accepted
return that earned it, never free text. Each step is an audit event; the views tell the
supplier."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Callable

from sqlalchemy import select

from models import DomainError, db, utcnow
from models.contracts.models import Commitment, CommitmentStatus, Contract
from models.core.events import record_event
from models.people.permissions import require_officer
from models.returns.models import Escalation, SupplierReturn

if TYPE_CHECKING:
    from models.people.accounts import User


def escalation_of(commitment: Commitment) -> Escalation | None:
    return db.session.scalar(select(Escalation).where(Escalation.commitment_id == commitment.id))


def escalate(commitment: Commitment, officer: "User", board: str, on: date, today: date) -> Escalation:
    require_officer(officer)
    if not commitment.remedial_action:
        raise DomainError("Escalation comes after a remedial plan: agree one first", field="board")
    if commitment.settlement is not None or commitment.status(today) != CommitmentStatus.UNMET:
        raise DomainError("Only a commitment still unmet (and not settled) can be escalated", field="board")
    if escalation_of(commitment) is not None:
        raise DomainError("This commitment has already been escalated", field="board")
    if not board.strip():
        raise DomainError("Enter the governance board it goes to", field="board")
    if on < today:
        raise DomainError("The board's date must be today or later", field="escalated_on")
    made = Escalation(commitment_id=commitment.id, board=board.strip(), escalated_on=on, escalated_by_id=officer.id)
    db.session.add(made)
    db.session.flush()
    record_event("commitment.escalated", commitment, actor=officer, from_state="remedial_plan", to_state="escalated",
                 detail={"board": made.board, "on": on.isoformat()})
    return made


def _english_label(kind: str, **values) -> str:
    """A substitute's label as the credit's description keeps it (English)."""
    if kind == "return":
        return (f"Return for {values['reference']}, {values['start']:%d %B %Y} to {values['end']:%d %B %Y} "
                f"(version {values['version']})")
    return f"Delivery to “{values['title']}”: {values['quantity']:,} {values['unit']}"


def _return_values(found: SupplierReturn) -> dict:
    return {"reference": found.contract.reference, "start": found.period_start, "end": found.period_end,
            "version": found.version}


def substitutes(commitment: Commitment, label: Callable[..., str] = _english_label) -> list[tuple[str, str]]:
    """What can earn a credit: the supplier's accepted returns and confirmed pledges, as
    (value, label) choices: "return-ID" or "pledge-ID". `label(kind, **values)` words each
    one ("return": reference, start, end, version; "pledge": title, quantity, unit); the
    pages pass one in the reader's language."""
    from models.needs.models import Need
    from models.pledges.models import Pledge

    supplier_id = commitment.contract.supplier_id
    choices = [
        (f"return-{r.id}", label("return", **_return_values(r)))
        for r in db.session.scalars(
            select(SupplierReturn).join(Contract, Contract.id == SupplierReturn.contract_id)
            .where(Contract.supplier_id == supplier_id, SupplierReturn.state == "accepted").order_by(SupplierReturn.id)
        )
    ]
    choices += [
        (f"pledge-{pledge_id}", label("pledge", title=title, quantity=quantity, unit=unit))
        for pledge_id, title, quantity, unit in db.session.execute(
            select(Pledge.id, Need.title, Pledge.quantity, Need.unit).join(Need, Need.id == Pledge.need_id)
            .where(Pledge.supplier_id == supplier_id, Pledge.status == "confirmed").order_by(Pledge.id)
        )
    ]
    return choices


def credit_substitute(commitment: Commitment) -> tuple[str, dict] | None:
    """What earned the credit an escalation settled this commitment with, as `substitutes`
    gives it to its label: ("return", values) or ("pledge", values); None for no such credit
    (the stored `credit_description` is its English wording, kept for the audit trail)."""
    from models.pledges.models import Pledge

    escalation = escalation_of(commitment)
    if escalation is None or escalation.resolution != "credit":
        return None
    if escalation.credit_return_id is not None:
        return "return", _return_values(db.session.get(SupplierReturn, escalation.credit_return_id))
    pledge = db.session.get(Pledge, escalation.credit_pledge_id)
    return "pledge", {"title": pledge.need.title, "quantity": pledge.quantity, "unit": pledge.need.unit}


def resolve(commitment: Commitment, officer: "User", kind: str, today: date,
            fund_payment_pence: int | None = None, substitute: str = "") -> Escalation:
    require_officer(officer)
    escalation = escalation_of(commitment)
    if escalation is None:
        raise DomainError("Only an escalated commitment can be resolved this way", field="kind")
    if escalation.resolution is not None:
        raise DomainError("This escalation has already been resolved", field="kind")
    if kind == "delivered":
        if commitment.total_delivered < commitment.target_quantity:
            raise DomainError(f"Only {commitment.total_delivered:,} of {commitment.target_quantity:,} has been delivered",
                              field="kind")
        detail = {}
    elif kind == "fund_payment":
        if not fund_payment_pence or fund_payment_pence <= 0:
            raise DomainError("Enter the amount paid into the Social Value Fund", field="amount")
        escalation.fund_payment_pence = fund_payment_pence
        commitment.settlement, commitment.fund_payment_pence = "fund_payment", fund_payment_pence
        detail = {"fund_payment_pence": fund_payment_pence}
        from models.fund.ledger import pay_in_lieu

        pay_in_lieu(commitment, fund_payment_pence, officer)  # into the Social Value Fund's balance
    elif kind == "credit":
        labels = dict(substitutes(commitment))
        if substitute not in labels:
            raise DomainError("Choose the return or delivery that earned the credit", field="substitute")
        what, _, number = substitute.partition("-")
        if what == "return":
            escalation.credit_return_id = int(number)
        else:
            escalation.credit_pledge_id = int(number)
        commitment.settlement, commitment.credit_description = "credit", f"Substitute: {labels[substitute]}"
        detail = {"substitute": substitute}
    else:
        raise DomainError("Choose how the escalation is resolved", field="kind")
    if kind != "delivered":
        commitment.settled_at, commitment.settled_by_id = utcnow(), officer.id
    escalation.resolution, escalation.resolved_at, escalation.resolved_by_id = kind, utcnow(), officer.id
    record_event("commitment.escalation_resolved", commitment, actor=officer, from_state="escalated", to_state=kind,
                 detail=detail)
    return escalation
