"""One benefit, counted once: a confirmed delivery or an accepted return's line counts towards
one agreement's commitment unless an officer splits it between several (models/pledges/rules.py
and models/returns/splits.py keep any split within what was delivered). This lists the
deliveries and return lines whose splits reach commitments of more than one agreement (a
contract and a grant, say), for an officer to check that each source claims only its own part."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from models import db
from models.contracts.models import Commitment, Contract
from models.pledges.models import Allocation, Pledge


@dataclass(frozen=True)
class SharedBenefit:
    pledge_id: int | None  # a confirmed delivery's, or None for a return line
    delivered: int
    allocated: int
    agreements: tuple[tuple[str, str, int], ...]  # (kind's label, reference, quantity): ("Grant", "GRANT-1", 600), ...
    line_id: int | None = None  # an accepted return's line
    return_id: int | None = None


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
        found.setdefault(pledge_id, (int(delivered), []))[1].append((kind_label(kind), reference, int(quantity)))
    return [
        SharedBenefit(pledge_id, delivered, sum(q for _, _, q in parts), tuple(parts))
        for pledge_id, (delivered, parts) in found.items()
    ] + _return_lines_claimed_by_several_sources(limit)


def _return_lines_claimed_by_several_sources(limit: int) -> list[SharedBenefit]:
    """Lines of accepted returns whose split reaches commitments of more than one agreement."""
    from models.contracts.agreements import kind_label
    from models.returns.models import ReturnLine, SupplierReturn
    from models.returns.splits import ReturnLineSplit

    shared = (
        select(ReturnLineSplit.line_id)
        .join(Commitment, Commitment.id == ReturnLineSplit.commitment_id)
        .group_by(ReturnLineSplit.line_id)
        .having(func.count(func.distinct(Commitment.contract_id)) > 1)
        .order_by(ReturnLineSplit.line_id)
        .limit(limit)
    )
    rows = db.session.execute(
        select(ReturnLineSplit.line_id, ReturnLine.return_id, ReturnLine.quantity, Contract.kind, Contract.reference,
               func.sum(ReturnLineSplit.quantity))
        .join(ReturnLine, ReturnLine.id == ReturnLineSplit.line_id)
        .join(SupplierReturn, SupplierReturn.id == ReturnLine.return_id)
        .join(Commitment, Commitment.id == ReturnLineSplit.commitment_id)
        .join(Contract, Contract.id == Commitment.contract_id)
        .where(ReturnLineSplit.line_id.in_(shared), SupplierReturn.state == "accepted")
        .group_by(ReturnLineSplit.line_id, ReturnLine.return_id, ReturnLine.quantity, Contract.kind, Contract.reference)
        .order_by(ReturnLineSplit.line_id, Contract.reference)
    ).all()
    found: dict[int, tuple[int, int, list[tuple[str, int]]]] = {}
    for line_id, return_id, delivered, kind, reference, quantity in rows:
        found.setdefault(line_id, (return_id, int(delivered), []))[2].append((kind_label(kind), reference, int(quantity)))
    return [
        SharedBenefit(None, delivered, sum(q for _, _, q in parts), tuple(parts),
                      line_id=line_id, return_id=return_id)
        for line_id, (return_id, delivered, parts) in found.items()
    ]
