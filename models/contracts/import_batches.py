"""Import batches: the record of each import of contracts (who, when, which file, what it
did), and undoing one.

A batch can be undone while nothing depends on it: none of the contracts it created has
commitments (so no pledges or allocations either), no contract it created or updated has
changed since, and none of the suppliers it created has since been verified (or rejected),
gained members or invitations, pledged, or come to hold another contract. Undoing removes
the contracts and suppliers it created and restores the contracts it updated to their
values before it, in one transaction, with an audit event; otherwise it is refused with
every reason."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from models import DomainError, db, utcnow
from models.contracts.models import Commitment, Contract, ImportBatch, ImportChange
from models.contracts.ocds_import import CONTRACT_FIELDS, contract_values, snapshot
from models.core.events import record_event

if TYPE_CHECKING:
    from models.people.accounts import User


def _count(query) -> int:
    return int(db.session.scalar(query) or 0)


def _restore(value: Any, name: str) -> Any:
    if name in ("start_date", "end_date") and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def undo_blockers(batch: ImportBatch) -> list[str]:
    """Why this batch cannot be undone now, in words for the officer (empty: it can be)."""
    from models.people.organisations import Invitation, Membership, Organisation
    from models.pledges.models import Allocation, Pledge
    from models.stories.stories import Story

    if batch.status == "undone":
        return ["This import has already been undone."]
    if not batch.changes:
        return ["This import changed nothing, so there is nothing to undo."]
    reasons: list[str] = []
    created = [change for change in batch.changes if change.kind == "contract_created"]
    updated = [change for change in batch.changes if change.kind == "contract_updated"]
    for change in created + updated:
        contract = db.session.get(Contract, change.contract_id) if change.contract_id else None
        if contract is None:
            if change.kind == "contract_updated":
                reasons.append(f"Contract {change.label} is no longer here, so it cannot be restored.")
            continue
        if change.kind == "contract_created":
            commitments = _count(select(func.count()).select_from(Commitment).where(Commitment.contract_id == contract.id))
            if commitments:
                pledges = _count(
                    select(func.count()).select_from(Pledge)
                    .join(Commitment, Commitment.id == Pledge.commitment_id)
                    .where(Commitment.contract_id == contract.id)
                )
                allocations = _count(
                    select(func.count()).select_from(Allocation)
                    .join(Commitment, Commitment.id == Allocation.commitment_id)
                    .where(Commitment.contract_id == contract.id)
                )
                parts = [_plural(commitments, "commitment")]
                parts += [_plural(pledges, "pledge")] if pledges else []
                parts += [_plural(allocations, "allocated delivery") if allocations == 1 else f"{allocations} allocated deliveries"] if allocations else []
                reasons.append(f"Contract {contract.reference} now has {', '.join(parts)}.")
        if snapshot(contract_values(contract)) != change.after:
            reasons.append(f"Contract {contract.reference} has changed since this import (by a later import).")
    # Where each contract's supplier will be once the batch is undone.
    removed = {change.contract_id for change in created if change.contract_id}
    restored = {change.contract_id: (change.before or {}).get("supplier_id") for change in updated if change.contract_id}
    for change in batch.changes:
        if change.kind != "supplier_created" or change.organisation_id is None:
            continue
        supplier = db.session.get(Organisation, change.organisation_id)
        if supplier is None:
            continue
        if supplier.status != "pending":
            reasons.append(f"Supplier {supplier.name} has since been {supplier.status} by an officer.")
        members = _count(select(func.count()).select_from(Membership).where(Membership.organisation_id == supplier.id))
        invited = _count(select(func.count()).select_from(Invitation).where(Invitation.organisation_id == supplier.id))
        if members or invited:
            reasons.append(f"Supplier {supplier.name} has members or invitations now.")
        pledges = _count(select(func.count()).select_from(Pledge).where(Pledge.supplier_id == supplier.id))
        stories = _count(select(func.count()).select_from(Story).where(Story.organisation_id == supplier.id))
        if pledges or stories:
            reasons.append(f"Supplier {supplier.name} has pledges or stories now.")
        holding = db.session.scalars(select(Contract.id).where(Contract.supplier_id == supplier.id)).all()
        others = [
            contract_id for contract_id in holding
            if contract_id not in removed and (contract_id not in restored or restored[contract_id] == supplier.id)
        ]
        if others:
            reasons.append(
                f"Supplier {supplier.name} holds {_plural(len(others), 'contract')} from another import or recorded by hand."
            )
    return reasons


def _lock(batch: ImportBatch) -> None:
    """Lock the batch and every row it would change (PostgreSQL; SQLite has one writer):
    a commitment added to one of its contracts meanwhile either comes first, and is seen,
    or waits for the undo and fails."""
    from models.people.organisations import Organisation

    db.session.scalar(select(ImportBatch.id).where(ImportBatch.id == batch.id).with_for_update())
    contract_ids = [change.contract_id for change in batch.changes if change.contract_id]
    supplier_ids = [change.organisation_id for change in batch.changes if change.organisation_id]
    if contract_ids:
        db.session.scalars(select(Contract.id).where(Contract.id.in_(contract_ids)).with_for_update()).all()
    if supplier_ids:
        db.session.scalars(select(Organisation.id).where(Organisation.id.in_(supplier_ids)).with_for_update()).all()
    db.session.refresh(batch)


def undo_import(batch: ImportBatch, officer: "User | None") -> dict[str, int]:
    """Undo the batch, or raise a DomainError with every reason it cannot be. `officer` is
    None only from the command line. The caller commits."""
    from models.people.organisations import Organisation
    from models.people.permissions import require_officer

    if officer is not None:
        require_officer(officer)
    _lock(batch)
    reasons = undo_blockers(batch)
    if reasons:
        raise DomainError("This import cannot be undone: " + " ".join(reasons))
    done = {"contracts_removed": 0, "contracts_restored": 0, "suppliers_removed": 0}
    for change in batch.changes:
        if change.kind != "contract_updated":
            continue
        contract = db.session.get(Contract, change.contract_id)
        before = change.before or {}
        fields = [name for name in CONTRACT_FIELDS if before.get(name) != (change.after or {}).get(name)]
        for name in fields:
            setattr(contract, name, _restore(before.get(name), name))
        record_event("contract.restored", contract, actor=officer, detail={"import": batch.id, "fields": fields})
        done["contracts_restored"] += 1
    db.session.flush()
    references = []
    for change in batch.changes:
        if change.kind == "contract_created" and change.contract_id:
            contract = db.session.get(Contract, change.contract_id)
            if contract is None:
                continue
            record_event("contract.removed", contract, actor=officer, from_state="recorded", to_state="removed",
                         detail={"import": batch.id, "reference": contract.reference})
            references.append(contract.reference)
            db.session.delete(contract)
            done["contracts_removed"] += 1
    db.session.flush()
    for change in batch.changes:
        if change.kind == "supplier_created" and change.organisation_id:
            supplier = db.session.get(Organisation, change.organisation_id)
            if supplier is None:
                continue
            record_event("organisation.removed", supplier, actor=officer, from_state=supplier.status, to_state="removed",
                         detail={"import": batch.id, "name": supplier.name})
            db.session.delete(supplier)
            done["suppliers_removed"] += 1
    db.session.flush()
    batch.status, batch.undone_at, batch.undone_by_id = "undone", utcnow(), officer.id if officer else None
    record_event("contract_import.undone", batch, actor=officer, from_state="applied", to_state="undone",
                 detail={**done, "file": batch.file_name, "references": references[:200]})
    return done


def batch_that_created(contract: Contract) -> ImportBatch | None:
    """The import that created this contract, if one did."""
    return db.session.scalar(
        select(ImportBatch)
        .join(ImportChange, ImportChange.batch_id == ImportBatch.id)
        .where(ImportChange.contract_id == contract.id, ImportChange.kind == "contract_created")
    )


def batch_changes(batch: ImportBatch, kind: str) -> list[ImportChange]:
    return [change for change in batch.changes if change.kind == kind]
