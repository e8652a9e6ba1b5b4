"""The rules that change contracts and commitments: recording and validating a contract,
adding, approving and settling commitments, remedial plans. The tables are in
`models.contracts.models`; the pure tier rule in `models.contracts.tiers`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import (
    func,
    select,
)

from models import DomainError, PermissionDenied, db, utcnow
from models.people.permissions import require_officer
from models.core.events import record_event
from models.matching.matches import rematch_commitments_after_commit

if TYPE_CHECKING:
    from models.people.accounts import User
from models.contracts.models import Commitment, CommitmentStatus, Contract, MAX_CONTRACT_VALUE_PENCE


KIND_FIELDS = ("planning_reference", "site", "ward_id", "trigger", "programme", "asset", "lease_terms")


@dataclass
class ContractDetails:
    reference: str
    title: str
    buyer_department: str | None
    supplier_id: int
    value_pence: int
    start_date: date | None
    end_date: date | None
    kind: str = "contract"
    responsible_officer_id: int | None = None
    planning_reference: str | None = None
    site: str | None = None
    ward_id: int | None = None
    trigger: str | None = None
    programme: str | None = None
    asset: str | None = None
    lease_terms: str | None = None

    def kind_fields(self) -> dict:
        """The agreement kind's own fields, blanks as None (models/contracts/agreements.py);
        another kind's fields are None too (left in a form whose kind was changed)."""
        from models.contracts.agreements import KINDS

        own = KINDS[self.kind].required if self.kind in KINDS else ()
        values = {name: getattr(self, name) if name in own else None for name in KIND_FIELDS}
        return {name: (value.strip() or None) if isinstance(value, str) else (value or None) for name, value in values.items()}


def validate_contract(details: ContractDetails, except_id: int | None = None) -> None:
    from models.people.organisations import Organisation

    if not details.reference.strip():
        raise DomainError("Enter the contract reference", field="reference")
    if not details.title.strip():
        raise DomainError("Enter the contract title", field="title")
    if details.value_pence < 0:
        raise DomainError("The contract value cannot be negative", field="value")
    if details.value_pence > MAX_CONTRACT_VALUE_PENCE:
        raise DomainError("The contract value is too large", field="value")
    if details.start_date and details.end_date and details.end_date < details.start_date:
        raise DomainError("The end date must be on or after the start date", field="end_date")
    from models.contracts.agreements import CONTRACT, KINDS, missing_fields
    from models.people.accounts import User
    from models.places.wards import Ward

    for name, message in missing_fields(details.kind, details.kind_fields()):
        raise DomainError(message, field=name)
    supplier = db.session.get(Organisation, details.supplier_id)
    if supplier is None or (details.kind == CONTRACT and supplier.kind != "supplier"):
        raise DomainError(f"Select the {KINDS[details.kind].counterparty.lower()}", field="supplier_id")
    if details.ward_id is not None and db.session.get(Ward, details.ward_id) is None:
        # Only this council's wards are in the table: a site elsewhere is another council's.
        raise DomainError("Select one of the council's wards: the site must be in the borough", field="ward_id")
    if details.responsible_officer_id is not None:
        officer = db.session.get(User, details.responsible_officer_id)
        if officer is None or not officer.is_officer:
            raise DomainError("Select the responsible officer", field="responsible_officer_id")
    query = select(func.count()).select_from(Contract).where(Contract.reference == details.reference.strip())
    if except_id is not None:
        query = query.where(Contract.id != except_id)
    if db.session.scalar(query):
        raise DomainError("A contract with this reference already exists", field="reference")


def council_employer() -> "Organisation":
    """The council itself, as the organisation holding its own employment commitments:
    created (verified) the first time an officer records one."""
    from models.core.settings import get_setting
    from models.people.organisations import Organisation

    name = (get_setting("council_name") or "The council")[:160]
    employer = db.session.scalar(
        select(Organisation).where(Organisation.name == name, Organisation.legal_form == "council")
    )
    if employer is None:
        employer = Organisation(kind="supplier", name=name, legal_form="council", status="verified", based_in_borough=True)
        db.session.add(employer)
        db.session.flush()
    return employer


def record_contract(details: ContractDetails, officer: "User", ocid: str | None = None, source: str = "manual") -> Contract:
    from models.contracts.agreements import EMPLOYMENT

    require_officer(officer)
    if details.kind == EMPLOYMENT and not details.supplier_id:
        details.supplier_id = council_employer().id
    validate_contract(details)
    contract = Contract(
        reference=details.reference.strip(),
        title=details.title.strip(),
        buyer_department=(details.buyer_department or "").strip() or None,
        supplier_id=details.supplier_id,
        value_pence=details.value_pence,
        start_date=details.start_date,
        end_date=details.end_date,
        ocid=ocid,
        source=source,
        created_by_id=officer.id,
        kind=details.kind,
        responsible_officer_id=details.responsible_officer_id,
        **details.kind_fields(),
    )
    db.session.add(contract)
    db.session.flush()
    record_event(
        "contract.recorded", contract, actor=officer, to_state="recorded", detail={"source": source, "kind": details.kind}
    )
    return contract


def change_agreement(contract: Contract, details: ContractDetails, officer: "User") -> Contract:
    """An officer changes an agreement of any kind: the checks of recording one, and the
    organisation stays while the agreement has commitments (their pledges, allocations and
    returns are that organisation's), and its dates keep its commitments' due dates inside
    them. Audited with each changed field's before and after."""
    from models.contracts.agreements import EMPLOYMENT

    require_officer(officer)
    if details.kind == EMPLOYMENT and not details.supplier_id:
        details.supplier_id = council_employer().id
    validate_contract(details, except_id=contract.id)
    wanted = {
        "kind": details.kind, "reference": details.reference.strip(), "title": details.title.strip(),
        "buyer_department": (details.buyer_department or "").strip() or None, "supplier_id": details.supplier_id,
        "value_pence": details.value_pence, "start_date": details.start_date, "end_date": details.end_date,
        "responsible_officer_id": details.responsible_officer_id, **details.kind_fields(),
    }
    if wanted["supplier_id"] != contract.supplier_id and contract.commitments:
        raise DomainError("The organisation cannot change once the agreement has commitments: they, and what was "
                          "delivered against them, are its organisation's", field="supplier_id")
    for commitment in contract.commitments:
        if commitment.state == "rejected":
            continue
        if wanted["start_date"] is not None and commitment.due_date < wanted["start_date"]:
            raise DomainError(f"A commitment is due on {_day(commitment.due_date)}, before this start date",
                              field="start_date")
        if wanted["end_date"] is not None and commitment.due_date > wanted["end_date"]:
            raise DomainError(f"A commitment is due on {_day(commitment.due_date)}, after this end date", field="end_date")
    changed = {name: value for name, value in wanted.items() if getattr(contract, name) != value}
    if not changed:
        return contract
    detail = {name: [_plain(getattr(contract, name)), _plain(value)] for name, value in changed.items()}
    for name, value in changed.items():
        setattr(contract, name, value)
    db.session.flush()
    record_event("contract.changed", contract, actor=officer, detail=detail)
    return contract


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


@dataclass
class CommitmentDetails:
    measure_id: int
    target_quantity: int
    due_date: date
    description: str = ""
    ward_ids: tuple[int, ...] = ()


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def due_date_problem(contract: Contract, due_date: date) -> str | None:
    """Why a commitment cannot be due on this day under this contract, in words; None when
    it can. A commitment is part of what the supplier delivers under the contract, so it is
    due while the contract runs: not before it starts, nor after it ends (when it has an end
    date). A remedial plan for a missed commitment has its own date, outside this rule."""
    if contract.start_date is not None and due_date < contract.start_date:
        return f"The due date must be on or after {_day(contract.start_date)}, when the contract starts"
    if contract.end_date is not None and due_date > contract.end_date:
        return f"The due date must be on or before {_day(contract.end_date)}, when the contract ends"
    return None


def _validate_commitment(contract: Contract, details: CommitmentDetails) -> None:
    from models.places.wards import Ward
    from models.places.themes import Measure

    measure = db.session.get(Measure, details.measure_id)
    if measure is None or not measure.active:
        raise DomainError("Select a measure", field="measure_id")
    if not 1 <= details.target_quantity <= 10**12:
        raise DomainError("The target must be a whole number of at least 1", field="target_quantity")
    if problem := due_date_problem(contract, details.due_date):
        raise DomainError(problem, field="due_date")
    if details.ward_ids:
        found = db.session.scalar(select(func.count()).select_from(Ward).where(Ward.id.in_(details.ward_ids)))
        if found != len(set(details.ward_ids)):
            raise DomainError("Select wards from the list", field="ward_ids")


def add_commitment(contract: Contract, user: "User", details: CommitmentDetails) -> Commitment:
    """Officers add approved commitments; a member of the supplier proposes one for approval."""
    from models.places.wards import Ward

    if user.is_officer:
        state = "approved"
    elif contract.supplier.is_member(user) and contract.supplier.is_verified:
        state = "proposed"
    else:
        raise PermissionDenied("Only council officers or the contract's supplier can add commitments")
    _validate_commitment(contract, details)
    commitment = Commitment(
        contract_id=contract.id,
        measure_id=details.measure_id,
        description=details.description.strip(),
        target_quantity=details.target_quantity,
        due_date=details.due_date,
        state=state,
        delivered_quantity=0,
        proposed_by_id=user.id,
        approved_by_id=user.id if state == "approved" else None,
    )
    commitment.wards = list(db.session.scalars(select(Ward).where(Ward.id.in_(details.ward_ids)))) if details.ward_ids else []
    db.session.add(commitment)
    db.session.flush()
    record_event(f"commitment.{state}" if state == "proposed" else "commitment.added", commitment, actor=user, to_state=state)
    if state == "approved":
        rematch_commitments_after_commit(commitment.id)
    return commitment


def decide_commitment(commitment: Commitment, officer: "User", approve: bool) -> None:
    require_officer(officer)
    if commitment.state != "proposed":
        raise DomainError("Only a proposed commitment can be approved or rejected")
    commitment.state = "approved" if approve else "rejected"
    commitment.approved_by_id = officer.id if approve else None
    record_event("commitment.approved" if approve else "commitment.rejected", commitment, actor=officer,
                 from_state="proposed", to_state=commitment.state)
    if approve:
        rematch_commitments_after_commit(commitment.id)


def set_remedial_plan(commitment: Commitment, officer: "User", action: str, new_date: date, owner: str, today: date) -> None:
    require_officer(officer)
    if commitment.status(today) != CommitmentStatus.UNMET:
        raise DomainError("A remedial plan is for a commitment that is unmet at its due date")
    if not action.strip():
        raise DomainError("Say what the supplier will do", field="action")
    if not owner.strip():
        raise DomainError("Say who owns the plan", field="owner")
    if new_date <= today:
        raise DomainError("The new date must be in the future", field="new_date")
    commitment.remedial_action, commitment.remedial_due, commitment.remedial_owner = action.strip(), new_date, owner.strip()
    record_event("commitment.remedial_plan", commitment, actor=officer, to_state="remedial_plan",
                 detail={"action": action.strip(), "new_date": new_date.isoformat(), "owner": owner.strip()})


def settle_commitment(
    commitment: Commitment, officer: "User", kind: str, today: date,
    fund_payment_pence: int | None = None, credit_description: str = "",
) -> None:
    """Settle an unmet commitment by a Social Value Fund payment in lieu or an approved credit."""
    require_officer(officer)
    if commitment.settlement is not None:
        raise DomainError("This commitment has already been settled")
    if commitment.status(today) != CommitmentStatus.UNMET:
        raise DomainError("Only an unmet commitment can be settled")
    if kind == "fund_payment":
        if not fund_payment_pence or fund_payment_pence <= 0:
            raise DomainError("Enter the amount paid into the Social Value Fund", field="amount")
        commitment.fund_payment_pence = fund_payment_pence
    elif kind == "credit":
        if not credit_description.strip():
            raise DomainError("Describe the substitute delivery the credit is for", field="credit_description")
        commitment.credit_description = credit_description.strip()
    else:
        raise DomainError("Choose how the commitment is settled", field="kind")
    commitment.settlement = kind
    commitment.settled_at = utcnow()
    commitment.settled_by_id = officer.id
    record_event("commitment.settled", commitment, actor=officer, from_state="unmet", to_state=kind,
                 detail={"fund_payment_pence": fund_payment_pence} if kind == "fund_payment" else {"credit": credit_description.strip()})
    if kind == "fund_payment":
        from models.fund.ledger import pay_in_lieu

        pay_in_lieu(commitment, fund_payment_pence, officer)  # into the Social Value Fund's balance
    rematch_commitments_after_commit(commitment.id)  # settled: its suggestions go
