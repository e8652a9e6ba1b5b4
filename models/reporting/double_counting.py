"""One benefit, counted once: a confirmed delivery counts towards one agreement's commitment
unless an officer splits it between several (models/pledges/rules.py keeps any split within
what was delivered). This lists the deliveries whose allocations reach commitments of more
than one agreement (a contract and a grant, say), for an officer to check that each source
claims only its own part."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from models import db
from models.contracts.models import Commitment, Contract
from models.pledges.models import Allocation, Pledge


@dataclass(frozen=True)
class SharedBenefit:
    pledge_id: int
    delivered: int
    allocated: int
    agreements: tuple[str, ...]  # "Grant GRANT-1: 600", ...


def claimed_by_several_sources(limit: int = 500) -> list[SharedBenefit]:
    shared = (
        select(Allocation.pledge_id)
        .join(Commitment, Commitment.id == Allocation.commitment_id)
        .group_by(Allocation.pledge_id)
        .having(func.count(func.distinct(Commitment.contract_id)) > 1)
        .order_by(Allocation.pledge_id)
        .limit(limit)
    )
    rows = db.session.execute(
        select(Allocation.pledge_id, Pledge.quantity, Contract.kind, Contract.reference, func.sum(Allocation.quantity))
        .join(Pledge, Pledge.id == Allocation.pledge_id)
        .join(Commitment, Commitment.id == Allocation.commitment_id)
        .join(Contract, Contract.id == Commitment.contract_id)
        .where(Allocation.pledge_id.in_(shared))
        .group_by(Allocation.pledge_id, Pledge.quantity, Contract.kind, Contract.reference)
        .order_by(Allocation.pledge_id, Contract.reference)
    ).all()
    from models.contracts.agreements import kind_label

    found: dict[int, tuple[int, list[tuple[str, int]]]] = {}
    for pledge_id, delivered, kind, reference, quantity in rows:
        found.setdefault(pledge_id, (int(delivered), []))[1].append((f"{kind_label(kind)} {reference}", int(quantity)))
    return [
        SharedBenefit(pledge_id, delivered, sum(q for _, q in parts), tuple(f"{name}: {q:,}" for name, q in parts))
        for pledge_id, (delivered, parts) in found.items()
    ]
