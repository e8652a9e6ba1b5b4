"""The rules that move a supplier return: draft, submit, then an officer accepts it (it
counts), queries it (the supplier answers and submits again) or rejects it (with a reason).
A return is corrected only by a new version; every step is an audit event. The tables are
in models/returns/models.py, the periods in models/returns/periods.py (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from models import DomainError, PermissionDenied, db, utcnow
from models.contracts.models import Commitment, Contract
from models.core.events import record_event
from models.people.permissions import require_officer
from models.returns.models import OPEN_STATES, ReturnEvidence, ReturnLine, SupplierReturn
from models.returns.periods import Period, period_starting
from models.returns.schedule import contract_periods

if TYPE_CHECKING:
    from models.people.accounts import User

MAX_QUANTITY = 10**9
MAX_BENEFICIARIES = 10**7
TARGET_MULTIPLE = 10  # a period's quantity above ten times the whole target is taken for a wrong unit
NOT_YOUR_CONTRACT = "Only members of the contract's supplier can file its returns"


def require_supplier_member(contract: Contract, user: "User") -> None:
    if not contract.supplier.is_member(user):
        raise PermissionDenied(NOT_YOUR_CONTRACT)
    if not contract.supplier.is_verified:
        raise PermissionDenied("Your organisation must be verified by the council before it files returns")


def returnable_commitments(contract: Contract) -> list[Commitment]:
    """The contract's approved commitments whose measure is delivered through returns (or both)."""
    return [c for c in contract.commitments if c.state == "approved" and c.measure.takes_returns]


def period_problem(contract: Contract, start: date, today: date) -> tuple[Period | None, str | None]:
    period = period_starting(contract_periods(contract, today), start)
    if period is None:
        return None, "There is no reporting period of this contract starting on that day"
    if not period.ended(today):
        return period, f"This period ends on {period.end.day} {period.end:%B %Y}: file its return after that"
    return period, None


def returns_for(contract_id: int, period_start: date) -> list[SupplierReturn]:
    """Every version of a contract's return for a period, newest first."""
    return list(db.session.scalars(
        select(SupplierReturn)
        .where(SupplierReturn.contract_id == contract_id, SupplierReturn.period_start == period_start)
        .order_by(SupplierReturn.version.desc())
    ))


def start_return(contract: Contract, user: "User", period_start: date, today: date, source: str = "web") -> SupplierReturn:
    """The open version of the period's return, or a new draft. A period whose return was
    accepted is corrected only through `start_correction`."""
    require_supplier_member(contract, user)
    period, problem = period_problem(contract, period_start, today)
    if problem:
        raise DomainError(problem, field="period")
    versions = returns_for(contract.id, period_start)
    if versions and versions[0].is_open:
        return versions[0]
    if any(version.state == "accepted" for version in versions):
        raise DomainError("The return for this period has been accepted. To change it, start a correction.", field="period")
    made = SupplierReturn(
        contract_id=contract.id, period_start=period.start, period_end=period.end, due_date=period.due,
        version=(versions[0].version + 1) if versions else 1, state="draft", source=source, created_by_id=user.id,
    )
    db.session.add(made)
    db.session.flush()
    record_event("return.started", made, actor=user, to_state="draft",
                 detail={"contract": contract.reference, "period_start": period.start.isoformat(), "version": made.version})
    return made


def start_correction(supplier_return: SupplierReturn, user: "User") -> SupplierReturn:
    """A new version of an accepted or rejected return, its lines copied to be changed. The
    accepted version keeps counting until the correction is accepted."""
    require_supplier_member(supplier_return.contract, user)
    if supplier_return.state not in ("accepted", "rejected"):
        raise DomainError("Only an accepted or rejected return can be corrected")
    latest = returns_for(supplier_return.contract_id, supplier_return.period_start)[0]
    if latest.id != supplier_return.id:
        raise DomainError("A later version of this return exists: correct that one")
    made = SupplierReturn(
        contract_id=supplier_return.contract_id, period_start=supplier_return.period_start,
        period_end=supplier_return.period_end, due_date=supplier_return.due_date, version=supplier_return.version + 1,
        state="draft", source="web", created_by_id=user.id,
    )
    db.session.add(made)
    for line in supplier_return.lines:
        copy = ReturnLine(**{column: getattr(line, column) for column in LINE_COPIED})
        copy.wards = list(line.wards)
        copy.evidence = [ReturnEvidence(filename=e.filename, original_name=e.original_name, uploaded_by_id=e.uploaded_by_id)
                         for e in line.evidence]
        made.lines.append(copy)
    db.session.flush()
    record_event("return.correction_started", made, actor=user, to_state="draft",
                 detail={"corrects": supplier_return.id, "version": made.version})
    return made


LINE_COPIED = (
    "commitment_id", "quantity", "description", "beneficiaries", "beneficiaries_in_borough", "pledged_in_period",
    "spend_micro", "spend_small", "spend_medium", "spend_large", "spend_vcse", "spend_in_borough",
)


def pledged_in_period(commitment_id: int, start: date, end: date) -> int:
    """What confirmed pledges counted towards the commitment in the period (by the day the
    officer confirmed them)."""
    from models.pledges.models import Allocation, Pledge

    return int(db.session.scalar(
        select(func.coalesce(func.sum(Allocation.quantity), 0))
        .join(Pledge, Pledge.id == Allocation.pledge_id)
        .where(
            Allocation.commitment_id == commitment_id, Pledge.status == "confirmed",
            Pledge.confirmed_at >= datetime.combine(start, time.min),
            Pledge.confirmed_at < datetime.combine(end + timedelta(days=1), time.min),
        )
    ) or 0)


@dataclass
class LineDetails:
    quantity: int
    description: str
    beneficiaries: int = 0
    beneficiaries_in_borough: int = 0
    ward_ids: tuple[int, ...] = ()
    spend: dict[str, int | None] = field(default_factory=dict)  # micro, small, medium, large, vcse, in_borough


def line_problem(commitment: Commitment, details: LineDetails) -> tuple[str, str] | None:
    """(field, message) for the first thing wrong with a line, or None."""
    unit = commitment.measure.unit
    if details.quantity < 0:
        return "quantity", "The quantity cannot be negative"
    if details.quantity > MAX_QUANTITY or details.quantity > commitment.target_quantity * TARGET_MULTIPLE:
        return "quantity", (f"{details.quantity:,} {unit} is more than ten times the whole commitment "
                            f"({commitment.target_quantity:,} {unit}): check it is in {unit}")
    if not details.description.strip():
        return "description", "Describe what was delivered in the period"
    if not 0 <= details.beneficiaries <= MAX_BENEFICIARIES:
        return "beneficiaries", "Enter the number of people who benefited, from 0 to 10,000,000"
    if not 0 <= details.beneficiaries_in_borough <= details.beneficiaries:
        return "beneficiaries_in_borough", "Those living in the borough cannot be more than the people who benefited"
    if commitment.measure.is_spend and details.quantity > 0:
        sizes = [details.spend.get(size) for size in ("micro", "small", "medium", "large")]
        if any(amount is None for amount in sizes):
            return "spend_micro", "Split the spend by the size of supplier: micro, small, medium and large (0 where none)"
        if any(amount < 0 for amount in sizes if amount is not None):
            return "spend_micro", "Spend cannot be negative"
        if sum(sizes) != details.quantity:
            return "spend_micro", (f"The spend by size of supplier adds up to {sum(sizes):,}, "
                                   f"not the {details.quantity:,} {unit} delivered")
        for part, words in (("vcse", "with VCSEs"), ("in_borough", "with suppliers based in the borough")):
            amount = details.spend.get(part) or 0
            if not 0 <= amount <= details.quantity:
                return f"spend_{part}", f"Spend {words} must be between 0 and the {details.quantity:,} {unit} delivered"
    return None


def save_line(supplier_return: SupplierReturn, commitment: Commitment, user: "User", details: LineDetails) -> ReturnLine:
    """Record what was delivered towards one commitment in the period (a draft or a queried
    return). The quantity is what returns add: what confirmed pledges counted in the period
    is noted beside it and never counted again."""
    from models.places.wards import Ward

    require_supplier_member(supplier_return.contract, user)
    if not supplier_return.editable:
        raise DomainError(f"This return is {supplier_return.state_label.lower()}: it cannot be changed")
    if commitment.contract_id != supplier_return.contract_id or commitment.state != "approved":
        raise DomainError("That commitment is not part of this contract", field="commitment")
    if not commitment.measure.takes_returns:
        raise DomainError(f"{commitment.measure.name} is delivered through community needs: pledge against a need instead",
                          field="commitment")
    if problem := line_problem(commitment, details):
        raise DomainError(problem[1], field=problem[0])
    wards = list(db.session.scalars(select(Ward).where(Ward.id.in_(details.ward_ids)))) if details.ward_ids else []
    if len(wards) != len(set(details.ward_ids)):
        raise DomainError("Select wards from the list", field="ward_ids")
    line = supplier_return.line_for(commitment.id)
    if line is None:
        line = ReturnLine(commitment_id=commitment.id)
        supplier_return.lines.append(line)
    line.quantity, line.description = details.quantity, details.description.strip()
    line.beneficiaries, line.beneficiaries_in_borough = details.beneficiaries, details.beneficiaries_in_borough
    line.wards = wards
    line.pledged_in_period = pledged_in_period(commitment.id, supplier_return.period_start, supplier_return.period_end)
    spend = details.spend if commitment.measure.is_spend else {}
    for part in ("micro", "small", "medium", "large", "vcse", "in_borough"):
        setattr(line, f"spend_{part}", spend.get(part))
    db.session.flush()
    record_event("return.line_saved", supplier_return, actor=user, to_state=supplier_return.state,
                 detail={"commitment": commitment.id, "quantity": details.quantity})
    return line


def add_evidence(line: ReturnLine, user: "User", stored_name: str, original_name: str) -> ReturnEvidence:
    require_supplier_member(line.supplier_return.contract, user)
    if not line.supplier_return.editable:
        raise DomainError("This return cannot be changed", field="evidence")
    evidence = ReturnEvidence(filename=stored_name, original_name=original_name[:255], uploaded_by_id=user.id)
    line.evidence.append(evidence)
    db.session.flush()
    record_event("return.evidence_added", line.supplier_return, actor=user, detail={"commitment": line.commitment_id})
    return evidence


def submit_return(supplier_return: SupplierReturn, user: "User", answer: str = "") -> None:
    """Send a draft for an officer's decision; a queried return goes back with the answer."""
    require_supplier_member(supplier_return.contract, user)
    before = supplier_return.state
    if before not in ("draft", "queried"):
        raise DomainError(f"This return is {supplier_return.state_label.lower()}: it cannot be submitted")
    if not supplier_return.lines:
        raise DomainError("Add what was delivered towards at least one commitment before submitting", field="answer")
    if before == "queried":
        if not answer.strip():
            raise DomainError("Answer the council's question", field="answer")
        supplier_return.answer = answer.strip()
    supplier_return.state = "submitted"
    supplier_return.submitted_at, supplier_return.submitted_by_id = utcnow(), user.id
    record_event("return.submitted", supplier_return, actor=user, from_state=before, to_state="submitted",
                 detail={"answer": supplier_return.answer} if before == "queried" else None)


def _add_to_commitments(supplier_return: SupplierReturn, sign: int) -> None:
    """The return starts or stops counting: in its commitments' returned quantities (a line an
    officer split counts as split, models/returns/splits.py) and in the delivery totals
    (models/returns/totals.py), in this transaction."""
    from models.returns.splits import counted_parts
    from models.returns.totals import count_return

    count_return(supplier_return, sign)
    for commitment_id, quantity in counted_parts(supplier_return.lines):
        db.session.execute(
            update(Commitment).where(Commitment.id == commitment_id)
            .values(returned_quantity=Commitment.returned_quantity + sign * quantity)
        )


def _locked_submitted(return_id: int, officer: "User") -> SupplierReturn:
    """The return, its row locked (PostgreSQL: FOR UPDATE; a second officer waits, then
    sees the first one's decision), refused unless it waits for a decision."""
    require_officer(officer)
    locked = db.session.scalar(
        select(SupplierReturn).where(SupplierReturn.id == return_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise DomainError("There is no such return")
    if locked.state != "submitted":
        raise DomainError(f"This return is already {locked.state_label.lower()}: nothing was changed")
    return locked


def _decide(supplier_return: SupplierReturn, officer: "User", state: str) -> None:
    # The conditional update is the guard where row locks are not (SQLite serialises writers).
    changed = db.session.execute(
        update(SupplierReturn).where(SupplierReturn.id == supplier_return.id, SupplierReturn.state == "submitted")
        .values(state=state, decided_at=utcnow(), decided_by_id=officer.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise DomainError("This return has already been decided: nothing was changed")
    db.session.refresh(supplier_return)


def accept_return(return_id: int, officer: "User") -> SupplierReturn:
    """It counts: its quantities are added to the commitments' returned quantities; an
    accepted earlier version of the same period stops counting (superseded), and its lines'
    splits carry over to this version's lines (`carry_splits`)."""
    from models.returns.splits import carry_splits, lock_lines

    supplier_return = _locked_submitted(return_id, officer)
    superseded = []
    for earlier in returns_for(supplier_return.contract_id, supplier_return.period_start):
        if earlier.state == "accepted":
            lock_lines(earlier.id)
            superseded.append(earlier)
            earlier.state = "superseded"
            _add_to_commitments(earlier, -1)
            record_event("return.superseded", earlier, actor=officer, from_state="accepted", to_state="superseded",
                         detail={"by": supplier_return.id})
    db.session.flush()
    _decide(supplier_return, officer, "accepted")
    for earlier in superseded:  # the correction keeps the splits an officer made (models/returns/splits.py)
        carry_splits(earlier, supplier_return, officer)
    _add_to_commitments(supplier_return, +1)
    db.session.expire_all()
    record_event("return.accepted", supplier_return, actor=officer, from_state="submitted", to_state="accepted",
                 detail={"lines": {line.commitment_id: line.quantity for line in supplier_return.lines}})
    return supplier_return


def query_return(return_id: int, officer: "User", question: str) -> SupplierReturn:
    if not question.strip():
        require_officer(officer)
        raise DomainError("Enter the question for the supplier", field="question")
    supplier_return = _locked_submitted(return_id, officer)
    _decide(supplier_return, officer, "queried")
    supplier_return.question, supplier_return.answer = question.strip(), None
    record_event("return.queried", supplier_return, actor=officer, from_state="submitted", to_state="queried",
                 detail={"question": question.strip()})
    return supplier_return


def reject_return(return_id: int, officer: "User", reason: str) -> SupplierReturn:
    if not reason.strip():
        require_officer(officer)
        raise DomainError("Enter the reason for rejecting the return", field="reason")
    supplier_return = _locked_submitted(return_id, officer)
    _decide(supplier_return, officer, "rejected")
    supplier_return.reject_reason = reason.strip()
    record_event("return.rejected", supplier_return, actor=officer, from_state="submitted", to_state="rejected",
                 detail={"reason": reason.strip()})
    return supplier_return


def period_rows(contract: Contract, today: date) -> list[tuple[Period, SupplierReturn | None]]:
    """Each reporting period so far with its latest return version (or None), newest first."""
    periods = contract_periods(contract, today)
    latest: dict[date, SupplierReturn] = {}
    for found in db.session.scalars(
        select(SupplierReturn).where(SupplierReturn.contract_id == contract.id).order_by(SupplierReturn.version)
    ):
        latest[found.period_start] = found
    return [(period, latest.get(period.start)) for period in reversed(periods)]


__all__ = ["OPEN_STATES"]
