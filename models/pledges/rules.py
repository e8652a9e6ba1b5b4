"""The rules that change a pledge: who may pledge to a need (`supplier_pledge_problem`,
`need_pledge_problem`, `may_pledge`, `pledge_choice`: decided here once, for `make_pledge`
and the pages that offer the pledge button), pledging (`make_pledge`), accept, decline,
withdraw, record and confirm delivery, and how a confirmed pledge is allocated to the
supplier's commitments: only to those it fits (`commitment_fits`: decided here once, for the
commitment a pledge names, the officer's allocation form and change, and the allocation job).
The invariants they keep are described in `models.pledges.models`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Callable, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from models import DomainError, PermissionDenied, db, utcnow
from models.people.permissions import require_officer
from models.core.events import record_event
from models.matching.scoring import measure_fits
from models.needs.models import Need, NeedStatus

if TYPE_CHECKING:
    from models.contracts.models import Commitment
    from models.people.accounts import User
    from models.people.organisations import Organisation
from models.pledges.models import Allocation, Pledge, PledgeStatus
from models.reporting.delivery_totals import count_pledge


def _lock(model, row_id: int):
    """Reload a row with a row lock (FOR UPDATE on PostgreSQL; SQLite serialises writers)."""
    return db.session.scalar(select(model).where(model.id == row_id).with_for_update().execution_options(populate_existing=True))


def _require_supplier_member(supplier: "Organisation", user: "User") -> None:
    if supplier.kind != "supplier" or not supplier.is_member(user):
        raise PermissionDenied(NOT_A_SUPPLIER_MEMBER)


def _require_group_member(need: Need, user: "User") -> None:
    if not need.organisation.is_member(user):
        raise PermissionDenied("Only members of the group that posted the need can do this")


def _refresh_need_status(need: Need) -> None:
    """Published ⇄ fully pledged as pledges come and go; delivered when all is confirmed."""
    old = need.status
    if need.status == NeedStatus.PUBLISHED.value and need.pledged_quantity >= need.quantity:
        need.status = NeedStatus.FULLY_PLEDGED.value
    elif need.status == NeedStatus.FULLY_PLEDGED.value and need.pledged_quantity < need.quantity:
        need.status = NeedStatus.PUBLISHED.value
    if need.status in ("published", "fully_pledged") and need.delivered_quantity >= need.quantity:
        need.status = NeedStatus.DELIVERED.value
    if need.status != old:
        record_event(f"need.{need.status}", need, actor=None, from_state=old, to_state=need.status)
    need.refresh_remaining_value()


def _change_need(need_id: int, pledged: int = 0, accepted: int = 0, delivered: int = 0, require_open: bool = False) -> bool:
    """Move a need's counters atomically; False when adding would pass what it asked for."""
    conditions = [Need.id == need_id, Need.pledged_quantity + pledged <= Need.quantity]
    if require_open:
        conditions.append(Need.status == NeedStatus.PUBLISHED.value)
    result = db.session.execute(
        update(Need)
        .where(*conditions)
        .values(
            pledged_quantity=Need.pledged_quantity + pledged,
            accepted_quantity=Need.accepted_quantity + accepted,
            delivered_quantity=Need.delivered_quantity + delivered,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


# ---------------------------------------------------------------- who may pledge
# "A supplier may pledge to this need" is decided here, once: make_pledge enforces it, and
# the pages ask the same functions whether to offer the pledge button.

NOT_A_SUPPLIER_MEMBER = "Only members of the supplier can do this"
NOT_VERIFIED = "Your organisation must be verified by the council before it can pledge"


def supplier_pledge_problem(supplier: "Organisation", user: "User") -> str | None:
    """Why this person cannot pledge for this organisation, in words; None when they can:
    they are a member of a supplier that the council has verified."""
    if supplier.kind != "supplier" or not supplier.is_member(user):
        return NOT_A_SUPPLIER_MEMBER
    if not supplier.can_act_publicly:
        return NOT_VERIFIED
    return None


def need_pledge_problem(need: Need, today: date) -> str | None:
    """Why this need is not taking pledges now, in words; None when it is."""
    if need.status != NeedStatus.PUBLISHED.value:
        return f"This need is {need.status_label.lower()}, so it is not taking pledges"
    if need.deadline < today:
        return "This need is past its deadline"
    return None


def may_pledge(need: Need, supplier: "Organisation", user: "User", today: date) -> bool:
    """Whether this person may pledge to this need for this supplier now (any quantity
    up to what is still needed)."""
    return supplier_pledge_problem(supplier, user) is None and need_pledge_problem(need, today) is None


def may_pledge_for(supplier: "Organisation", user: "User", today: date) -> Callable[[Need], bool]:
    """`may_pledge` for one supplier and many needs (a list of recommendations): the
    supplier's side is checked once."""
    supplier_may = supplier_pledge_problem(supplier, user) is None
    return lambda need: supplier_may and need_pledge_problem(need, today) is None


@dataclass(frozen=True)
class PledgeChoice:
    """A person's suppliers as the need page sees them."""

    suppliers: list["Organisation"]  # may pledge to the need now
    unverified: list["Organisation"]  # could, once the council verifies them


def pledge_choice(need: Need, user: "User | None", today: date) -> PledgeChoice:
    """Which of the person's supplier organisations may pledge to this need now, and which
    could once verified (none, when the need is not taking pledges)."""
    if user is None or not user.is_authenticated or need_pledge_problem(need, today) is not None:
        return PledgeChoice([], [])
    suppliers = [organisation for organisation in user.organisations() if organisation.kind == "supplier"]
    problems = {supplier.id: supplier_pledge_problem(supplier, user) for supplier in suppliers}
    return PledgeChoice(
        [supplier for supplier in suppliers if problems[supplier.id] is None],
        [supplier for supplier in suppliers if problems[supplier.id] == NOT_VERIFIED],
    )


# ---------------------------------------------------------------- which commitments a delivery fits
# What is given to a need counts only towards a commitment whose measure is met by the need's
# kind and counted in the need's unit (models.matching.scoring.measure_fits, the test the
# allocation job's proposal uses). Decided here once: make_pledge and _apply_allocations
# refuse the others, and the forms offer only those that fit.


def commitment_fits(commitment: "Commitment", need: Need) -> bool:
    measure = commitment.measure
    return measure_fits(measure.need_kind, measure.unit, need.kind, need.unit)


def fitting_commitments(need: Need, commitments: Iterable["Commitment"]) -> list["Commitment"]:
    """The commitments (in the order given) that a delivery to this need can count towards."""
    return [commitment for commitment in commitments if commitment_fits(commitment, need)]


def _measure_counts(commitment: "Commitment") -> str:
    measure = commitment.measure
    if not measure.need_kind:
        return f"“{measure.name}” is not met through community needs"
    return f"“{measure.name}” counts {measure.unit} of {measure.need_kind_label.lower()}"


def misfit_problem(commitment: "Commitment", need: Need, quantity: int | None = None) -> str:
    """Why a delivery to this need cannot count towards this commitment, in words."""
    given = f"{quantity:,} {need.unit}" if quantity is not None else need.unit
    return (
        f"{commitment.contract.reference}: {_measure_counts(commitment)}, and this delivery is {given} of "
        f"{need.kind_label.lower()}, so it cannot count towards that commitment. "
        "Count it only towards commitments that fit it"
    )


# ---------------------------------------------------------------- the pledge's moves


def make_pledge(
    need: Need, supplier: "Organisation", user: "User", quantity: int, message: str = "",
    commitment_id: int | None = None, today: date | None = None,
) -> Pledge:
    from models.contracts.models import Commitment, Contract

    today = today or date.today()
    if problem := supplier_pledge_problem(supplier, user):
        raise PermissionDenied(problem)
    if problem := need_pledge_problem(need, today):
        raise DomainError(problem)
    if quantity < 1:
        raise DomainError("Pledge at least 1", field="quantity")
    if commitment_id is not None:
        commitment = db.session.scalar(
            select(Commitment).join(Contract).where(Commitment.id == commitment_id, Contract.supplier_id == supplier.id)
        )
        if commitment is None or commitment.state != "approved":
            raise DomainError("Choose one of your organisation's approved commitments", field="commitment_id")
        if not commitment_fits(commitment, need):
            raise DomainError(
                f"Your {_measure_counts(commitment)}, and this need asks for {need.unit} of {need.kind_label.lower()}: "
                "choose a commitment that fits it, or no particular commitment",
                field="commitment_id",
            )
    if not _change_need(need.id, pledged=quantity, require_open=True):
        db.session.refresh(need)
        remaining = max(need.quantity - need.pledged_quantity, 0)
        if need.status != NeedStatus.PUBLISHED.value:
            raise DomainError(f"This need is {need.status_label.lower()}, so it is not taking pledges")
        raise DomainError(f"Only {remaining:,} {need.unit} still needed: pledge that or less", field="quantity")
    pledge = Pledge(
        need_id=need.id, supplier_id=supplier.id, commitment_id=commitment_id, created_by_id=user.id,
        quantity=quantity, message=message.strip(), status=PledgeStatus.OFFERED.value,
    )
    db.session.add(pledge)
    db.session.flush()
    db.session.refresh(need)
    _refresh_need_status(need)
    record_event("pledge.offered", pledge, actor=user, to_state="offered", detail={"quantity": quantity, "need_id": need.id})
    return pledge


def _move(pledge: Pledge, to: PledgeStatus, actor: "User", detail: dict | None = None) -> None:
    """Every change of a pledge's status, with its audit event; a pledge that starts or stops
    counting as delivered moves the delivery totals in the same transaction."""
    old = pledge.status
    pledge.status = to.value
    confirmed = PledgeStatus.CONFIRMED.value
    if (old == confirmed) != (to.value == confirmed):
        count_pledge(pledge, 1 if to.value == confirmed else -1)
    record_event(f"pledge.{to.value}", pledge, actor=actor, from_state=old, to_state=to.value, detail=detail)


def accept_pledge(pledge: Pledge, user: "User") -> None:
    pledge = _lock(Pledge, pledge.id)
    _require_group_member(pledge.need, user)
    if pledge.status != PledgeStatus.OFFERED.value:
        raise DomainError(f"This pledge is {pledge.status_label.lower()}, so it cannot be accepted")
    if pledge.need.status not in (NeedStatus.PUBLISHED.value, NeedStatus.FULLY_PLEDGED.value):
        raise DomainError(f"The need is {pledge.need.status_label.lower()}, so it cannot take this pledge")
    _change_need(pledge.need_id, accepted=pledge.quantity)
    _move(pledge, PledgeStatus.ACCEPTED, user)


def decline_pledge(pledge: Pledge, user: "User", reason: str) -> None:
    pledge = _lock(Pledge, pledge.id)
    _require_group_member(pledge.need, user)
    if not reason.strip():
        raise DomainError("Say why, so the supplier understands", field="reason")
    if pledge.status != PledgeStatus.OFFERED.value:
        raise DomainError(f"This pledge is {pledge.status_label.lower()}, so it cannot be declined")
    _change_need(pledge.need_id, pledged=-pledge.quantity)
    pledge.decline_reason = reason.strip()
    _move(pledge, PledgeStatus.DECLINED, user, {"reason": reason.strip()})
    db.session.refresh(pledge.need)
    _refresh_need_status(pledge.need)


def withdraw_pledge(pledge: Pledge, user: "User") -> None:
    pledge = _lock(Pledge, pledge.id)
    _require_supplier_member(pledge.supplier, user)
    if pledge.status not in (PledgeStatus.OFFERED.value, PledgeStatus.ACCEPTED.value):
        raise DomainError("Only a pledge that has not been delivered can be withdrawn")
    accepted = pledge.quantity if pledge.status == PledgeStatus.ACCEPTED.value else 0
    _change_need(pledge.need_id, pledged=-pledge.quantity, accepted=-accepted)
    _move(pledge, PledgeStatus.WITHDRAWN, user)
    db.session.refresh(pledge.need)
    _refresh_need_status(pledge.need)


def record_delivery(pledge: Pledge, user: "User", delivered_on: date, note: str, evidence_filename: str | None, today: date) -> None:
    pledge = _lock(Pledge, pledge.id)
    _require_supplier_member(pledge.supplier, user)
    if pledge.status != PledgeStatus.ACCEPTED.value:
        raise DomainError("Record delivery once the group has accepted the pledge")
    if delivered_on > today:
        raise DomainError("The delivery date cannot be in the future", field="delivered_on")
    if not note.strip():
        raise DomainError("Say what was delivered", field="note")
    pledge.delivered_on, pledge.delivery_note, pledge.evidence_filename = delivered_on, note.strip(), evidence_filename
    _move(pledge, PledgeStatus.DELIVERED, user)


def confirm_receipt(pledge: Pledge, user: "User") -> None:
    """The group says it received the delivery (the officer then confirms it counts)."""
    pledge = _lock(Pledge, pledge.id)
    _require_group_member(pledge.need, user)
    if pledge.status != PledgeStatus.DELIVERED.value:
        raise DomainError("Only a delivered pledge can be confirmed as received")
    if pledge.group_confirmed_at is not None:
        raise DomainError("You have already confirmed receiving this")
    pledge.group_confirmed_at = utcnow()
    pledge.group_confirmed_by_id = user.id
    record_event("pledge.received", pledge, actor=user, to_state="received")


def confirm_delivery(pledge: Pledge, officer: "User", allocations: list[tuple[int, int]] | None = None) -> None:
    """An officer confirms: only now does the pledge count as delivered, towards the
    need and (through allocations) the supplier's commitments. Without explicit
    allocations, a pledge that names a commitment it fits is allocated to it in full."""
    require_officer(officer, "Only council officers confirm deliveries")
    pledge = _lock(Pledge, pledge.id)
    if pledge.status == PledgeStatus.CONFIRMED.value:
        raise DomainError("This delivery has already been confirmed")
    if pledge.status != PledgeStatus.DELIVERED.value:
        raise DomainError("Only a delivered pledge can be confirmed")
    if pledge.group_confirmed_at is None:
        raise DomainError("Wait for the group to confirm it received the delivery")
    if pledge.supplier.is_member(officer):
        raise PermissionDenied("You cannot confirm a delivery made by your own organisation")
    _change_need(pledge.need_id, delivered=pledge.quantity)
    pledge.confirmed_at = utcnow()
    pledge.confirmed_by_id = officer.id
    pledge.confirmed_value_pence = pledge.need.value_pence * pledge.quantity // pledge.need.quantity
    _move(pledge, PledgeStatus.CONFIRMED, officer)
    if allocations is None and pledge.commitment is not None and commitment_fits(pledge.commitment, pledge.need):
        allocations = [(pledge.commitment_id, pledge.quantity)]
    set_allocations(pledge, officer, allocations or [])
    if needs_automatic_allocation(pledge):
        from models.matching.matches import allocate_after_commit

        allocate_after_commit(pledge.id)
    db.session.refresh(pledge.need)
    _refresh_need_status(pledge.need)


def dispute_delivery(pledge: Pledge, officer: "User", reason: str) -> None:
    require_officer(officer, "Only council officers can dispute deliveries")
    pledge = _lock(Pledge, pledge.id)
    if pledge.supplier.is_member(officer):
        raise PermissionDenied("You cannot judge a delivery made by your own organisation")
    if not reason.strip():
        raise DomainError("Say what is in dispute", field="reason")
    if pledge.status != PledgeStatus.DELIVERED.value:
        raise DomainError("Only a delivered pledge can be disputed")
    pledge.dispute_reason = reason.strip()
    _move(pledge, PledgeStatus.DISPUTED, officer, {"reason": reason.strip()})


def set_allocations(pledge: Pledge, officer: "User", allocations: list[tuple[int, int]]) -> None:
    """Replace a confirmed pledge's allocations; commitments' delivered quantities follow."""
    require_officer(officer, "Only council officers allocate deliveries")
    # Locked, so two officers changing one pledge's allocations at once apply them in turn,
    # each from the other's result (not both from the same stale allocations).
    pledge = _lock(Pledge, pledge.id)
    before = {allocation.commitment_id for allocation in pledge.allocations}
    wanted = _apply_allocations(pledge, officer, allocations)
    record_event("pledge.allocated", pledge, actor=officer, detail={"allocations": {str(k): v for k, v in wanted.items()}})
    # What these commitments have left changed: so do their best matches.
    from models.matching.matches import rematch_commitments_after_commit

    rematch_commitments_after_commit(*(before | set(wanted)))


def _apply_allocations(pledge: Pledge, actor: "User | None", allocations: list[tuple[int, int]]) -> dict[int, int]:
    """The rules every allocation keeps, whoever proposes it (an officer or the allocation job)."""
    from models.contracts.models import Commitment, Contract

    if pledge.status != PledgeStatus.CONFIRMED.value:
        raise DomainError("Only a confirmed delivery can be allocated to commitments")
    if pledge.from_fund and allocations:
        raise DomainError("Money from the Social Value Fund counts towards no commitment", field="allocations")
    wanted: dict[int, int] = {}
    for commitment_id, quantity in allocations:
        if quantity < 0:
            raise DomainError("Allocations cannot be negative", field="allocations")
        if quantity:
            wanted[commitment_id] = wanted.get(commitment_id, 0) + quantity
    if wanted:
        owned = db.session.scalars(
            select(Commitment).join(Contract).where(
                Commitment.id.in_(wanted), Contract.supplier_id == pledge.supplier_id, Commitment.state == "approved"
            ).options(joinedload(Commitment.measure), joinedload(Commitment.contract)).order_by(Commitment.id)
        ).all()
        if {commitment.id for commitment in owned} != set(wanted):
            raise DomainError("Allocate only to this supplier's approved commitments", field="allocations")
        for commitment in owned:
            if not commitment_fits(commitment, pledge.need):
                raise DomainError(misfit_problem(commitment, pledge.need, pledge.quantity), field="allocations")
    if sum(wanted.values()) > pledge.quantity:
        raise DomainError(
            f"You can allocate at most the {pledge.quantity:,} {pledge.need.unit} delivered", field="allocations"
        )
    current = {allocation.commitment_id: allocation for allocation in pledge.allocations}
    for commitment_id in sorted(set(current) | set(wanted)):  # a fixed order: no lock-order deadlocks
        before = current[commitment_id].quantity if commitment_id in current else 0
        after = wanted.get(commitment_id, 0)
        if before == after:
            continue
        db.session.execute(
            update(Commitment)
            .where(Commitment.id == commitment_id)
            .values(delivered_quantity=Commitment.delivered_quantity + (after - before))
            .execution_options(synchronize_session=False)
        )
        if after == 0:
            pledge.allocations.remove(current[commitment_id])
        elif before == 0:
            pledge.allocations.append(
                Allocation(commitment_id=commitment_id, quantity=after, created_by_id=actor.id if actor else None)
            )
        else:
            current[commitment_id].quantity = after
    db.session.flush()
    return wanted


def needs_automatic_allocation(pledge: Pledge) -> bool:
    """A confirmed delivery that names no commitment and that nobody has allocated yet."""
    return (
        pledge.status == PledgeStatus.CONFIRMED.value
        and not pledge.from_fund
        and pledge.commitment_id is None
        and not pledge.allocations
        and pledge.auto_allocated_at is None
    )


def allocate_automatically(pledge_id: int) -> list[tuple[int, int]] | None:
    """Allocate a confirmed delivery that names no commitment to the supplier's open
    commitments that fit (models.matching.scoring.propose_allocation), never beyond what each
    still needs. Returns what was allocated ([] when nothing fits: the delivery stays
    unallocated, and says so); None when there was nothing to do. Safe to run twice:
    it runs once per pledge, and never over an officer's allocation."""
    from models.contracts.models import Commitment, Contract
    from models.matching.scoring import OpenCommitment, propose_allocation
    from models.places.themes import Measure

    pledge = _lock(Pledge, pledge_id)
    if pledge is None or not needs_automatic_allocation(pledge):
        return None
    # The supplier's open commitments, locked in id order so concurrent allocations
    # each see what the other left.
    rows = db.session.execute(
        select(Commitment.id, Measure.need_kind, Measure.theme_id, Measure.unit,
               Commitment.target_quantity - Commitment.delivered_quantity, Commitment.due_date)
        .join(Contract, Contract.id == Commitment.contract_id)
        .join(Measure, Measure.id == Commitment.measure_id)
        .where(
            Contract.supplier_id == pledge.supplier_id,
            Commitment.state == "approved",
            Commitment.settlement.is_(None),
            Commitment.delivered_quantity < Commitment.target_quantity,
        )
        .order_by(Commitment.id)
        .with_for_update(of=Commitment)
    ).all()
    need = pledge.need
    proposal = propose_allocation(
        need.kind, need.theme_id, need.unit, pledge.quantity, [OpenCommitment(*row) for row in rows]
    )
    _apply_allocations(pledge, None, proposal)
    pledge.auto_allocated_at = utcnow()
    record_event(
        "pledge.allocated", pledge, actor=None, to_state="allocated" if proposal else "unallocated",
        detail={"allocations": {str(k): v for k, v in proposal}, "automatic": True},
    )
    return proposal


def commitment_delivered_from_allocations(commitment_id: int) -> int:
    """The ledger's truth: what the allocations add up to (used to check the kept sum)."""
    return db.session.scalar(
        select(func.coalesce(func.sum(Allocation.quantity), 0)).where(Allocation.commitment_id == commitment_id)
    )
