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

from sqlalchemy import delete, func, select

from models import DomainErrors, db, utcnow
from models.contracts.models import Commitment, Contract, ImportBatch, ImportChange
from models.contracts.ocds_import import CONTRACT_FIELDS, contract_values, snapshot
from models.core.events import record_event

if TYPE_CHECKING:
    from models.people.accounts import User


CHUNK = 500


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def _counts_by(column, ids: list[int]) -> dict[int, int]:
    """{id: how many rows} of the table `column` belongs to, grouped by `column`, for these ids."""
    found: dict[int, int] = {}
    for chunk in _chunks(ids):
        query = select(column, func.count()).where(column.in_(chunk)).group_by(column)
        found.update({key: int(count) for key, count in db.session.execute(query).all()})
    return found


def _restore(value: Any, name: str) -> Any:
    if name in ("start_date", "end_date") and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def _contracts(ids: list[int]) -> dict[int, Contract]:
    return {
        contract.id: contract
        for chunk in _chunks(ids)
        for contract in db.session.scalars(select(Contract).where(Contract.id.in_(chunk)))
    }


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
    contracts = _contracts([change.contract_id for change in created + updated if change.contract_id])
    created_ids = [change.contract_id for change in created if change.contract_id in contracts]
    commitments = _counts_by(Commitment.contract_id, created_ids)
    for change in created + updated:
        contract = contracts.get(change.contract_id) if change.contract_id else None
        if contract is None:
            if change.kind == "contract_updated":
                reasons.append(f"Contract {change.label} is no longer here, so it cannot be restored.")
            continue
        if change.kind == "contract_created" and commitments.get(contract.id):
            pledges = db.session.scalar(
                select(func.count()).select_from(Pledge).join(Commitment, Commitment.id == Pledge.commitment_id)
                .where(Commitment.contract_id == contract.id)
            )
            allocations = db.session.scalar(
                select(func.count()).select_from(Allocation).join(Commitment, Commitment.id == Allocation.commitment_id)
                .where(Commitment.contract_id == contract.id)
            )
            parts = [_plural(commitments[contract.id], "commitment")]
            parts += [_plural(pledges, "pledge")] if pledges else []
            parts += [_plural(allocations, "allocated delivery", "allocated deliveries")] if allocations else []
            reasons.append(f"Contract {contract.reference} now has {', '.join(parts)}.")
        if snapshot(contract_values(contract)) != change.after:
            reasons.append(f"Contract {contract.reference} has changed since this import (by a later import).")

    supplier_ids = [change.organisation_id for change in batch.changes if change.kind == "supplier_created" and change.organisation_id]
    if not supplier_ids:
        return reasons
    suppliers = {
        supplier.id: supplier
        for chunk in _chunks(supplier_ids)
        for supplier in db.session.scalars(select(Organisation).where(Organisation.id.in_(chunk)))
    }
    members = _counts_by(Membership.organisation_id, supplier_ids)
    invited = _counts_by(Invitation.organisation_id, supplier_ids)
    pledged = _counts_by(Pledge.supplier_id, supplier_ids)
    stories = _counts_by(Story.organisation_id, supplier_ids)
    # Where each contract's supplier will be once the batch is undone.
    removed = {change.contract_id for change in created if change.contract_id}
    restored = {change.contract_id: (change.before or {}).get("supplier_id") for change in updated if change.contract_id}
    holding: dict[int, list[int]] = {}
    for chunk in _chunks(supplier_ids):
        for contract_id, supplier_id in db.session.execute(
            select(Contract.id, Contract.supplier_id).where(Contract.supplier_id.in_(chunk))
        ).all():
            holding.setdefault(supplier_id, []).append(contract_id)
    for supplier_id in supplier_ids:
        supplier = suppliers.get(supplier_id)
        if supplier is None:
            continue
        if supplier.status == "verified":
            reasons.append(f"Supplier {supplier.name} has since been verified by an officer.")
        elif supplier.status != "pending":
            reasons.append(f"Supplier {supplier.name} has since been rejected by an officer.")
        if members.get(supplier.id) or invited.get(supplier.id):
            reasons.append(f"Supplier {supplier.name} has members or invitations now.")
        if pledged.get(supplier.id) or stories.get(supplier.id):
            reasons.append(f"Supplier {supplier.name} has pledges or stories now.")
        others = [
            contract_id for contract_id in holding.get(supplier.id, [])
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
    db.session.refresh(batch)
    contract_ids = [change.contract_id for change in batch.changes if change.contract_id]
    supplier_ids = [change.organisation_id for change in batch.changes if change.organisation_id]
    for chunk in _chunks(contract_ids):
        db.session.scalars(select(Contract.id).where(Contract.id.in_(chunk)).with_for_update()).all()
    for chunk in _chunks(supplier_ids):
        db.session.scalars(select(Organisation.id).where(Organisation.id.in_(chunk)).with_for_update()).all()


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
        # Each reason its own message, so each is shown (and translated) whole.
        raise DomainErrors([f"This import cannot be undone: {reason}" for reason in reasons])
    done = {"contracts_removed": 0, "contracts_restored": 0, "suppliers_removed": 0}
    updated = [change for change in batch.changes if change.kind == "contract_updated"]
    contracts = _contracts([change.contract_id for change in batch.changes if change.contract_id])
    for change in updated:
        contract = contracts[change.contract_id]
        before, after = change.before or {}, change.after or {}
        fields = [name for name in CONTRACT_FIELDS if before.get(name) != after.get(name)]
        for name in fields:
            setattr(contract, name, _restore(before.get(name), name))
        record_event("contract.restored", contract, actor=officer, detail={"import": batch.id, "fields": fields})
        done["contracts_restored"] += 1
    db.session.flush()
    # Removed in bulk (none has commitments: undo_blockers said so, under the lock), each
    # with its event; the batch's change rows keep their references (contract_id goes null).
    removed = [contracts[change.contract_id] for change in batch.changes
               if change.kind == "contract_created" and change.contract_id in contracts]
    for contract in removed:
        record_event("contract.removed", contract, actor=officer, from_state="recorded", to_state="removed",
                     detail={"import": batch.id, "reference": contract.reference})
    references = [contract.reference for contract in removed]
    supplier_ids = [change.organisation_id for change in batch.changes
                    if change.kind == "supplier_created" and change.organisation_id]
    suppliers = [
        supplier
        for chunk in _chunks(supplier_ids)
        for supplier in db.session.scalars(select(Organisation).where(Organisation.id.in_(chunk)))
    ]
    for supplier in suppliers:
        record_event("organisation.removed", supplier, actor=officer, from_state=supplier.status, to_state="removed",
                     detail={"import": batch.id, "name": supplier.name})
    db.session.flush()
    for chunk in _chunks([contract.id for contract in removed]):
        db.session.execute(delete(Contract).where(Contract.id.in_(chunk)), execution_options={"synchronize_session": False})
    for chunk in _chunks([supplier.id for supplier in suppliers]):
        db.session.execute(
            delete(Organisation).where(Organisation.id.in_(chunk)), execution_options={"synchronize_session": False}
        )
    for row in [*removed, *suppliers]:
        db.session.expunge(row)
    done["contracts_removed"], done["suppliers_removed"] = len(removed), len(suppliers)
    batch.status, batch.undone_at, batch.undone_by_id = "undone", utcnow(), officer.id if officer else None
    record_event("contract_import.undone", batch, actor=officer, from_state="applied", to_state="undone",
                 detail={**done, "file": batch.file_name, "references": references[:200]})
    db.session.flush()
    for change in batch.changes:
        db.session.expire(change)  # their contract_id and organisation_id are null now
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
