"""One benefit, counted once, for returns too: a line of an accepted supplier return counts
towards the commitment it was filed against, unless an officer splits it between that
commitment and commitments of the same organisation's other agreements (a contract's and a
grant's, say), as a pledge's delivery can be split (models/pledges/rules.py). A split never
adds up to more than the line delivered: the line's row is locked while its split is
checked and replaced, so two officers splitting one line at once apply theirs in turn.

Commitment.returned_quantity and the returns' delivery totals (models/returns/totals.py)
follow the split, changed in the same transaction; an accepted return that a correction
supersedes takes back exactly what its lines counted (`counted_parts`), and the correction,
once an officer accepts it, keeps its lines' splits (`carry_splits`): whole while the corrected
line still delivers at least what was split, scaled down when it delivers less, dropped when
the line is gone, delivers nothing or its other commitment is no longer approved; each change
explained in an audit event."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, UniqueConstraint, func, select, update
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from models import DomainError, PermissionDenied, db, utcnow
from models.contracts.models import Commitment, Contract
from models.core.events import record_event
from models.people.permissions import require_officer
from models.places.themes import Measure
from models.returns.models import ReturnLine, SupplierReturn

if TYPE_CHECKING:
    from models.people.accounts import User


class ReturnLineSplit(db.Model):
    __tablename__ = "return_line_splits"
    __table_args__ = (
        UniqueConstraint("line_id", "commitment_id", name="uq_return_line_splits_line_commitment"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("return_lines.id", ondelete="CASCADE"), index=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    commitment: Mapped[Commitment] = relationship()


def counted_parts(lines: Iterable[ReturnLine]) -> list[tuple[int, int]]:
    """(commitment id, quantity) that the lines count towards: a split line as split, any
    other line wholly towards its own commitment. One query for all the lines."""
    lines = list(lines)
    splits: dict[int, list[tuple[int, int]]] = {}
    if lines:
        for line_id, commitment_id, quantity in db.session.execute(
            select(ReturnLineSplit.line_id, ReturnLineSplit.commitment_id, ReturnLineSplit.quantity)
            .where(ReturnLineSplit.line_id.in_([line.id for line in lines]))
            .order_by(ReturnLineSplit.commitment_id)
        ):
            splits.setdefault(line_id, []).append((commitment_id, int(quantity)))
    parts = []
    for line in lines:
        if line.id in splits:
            parts.extend(splits[line.id])
        elif line.quantity:
            parts.append((line.commitment_id, line.quantity))
    return parts


def returned_by(commitment_id: int, day: date) -> int:
    """What accepted returns for periods ended by `day` counted towards the commitment: its
    own lines that are not split, and its parts of split lines (its own or other commitments')."""
    counted = (SupplierReturn.state == "accepted", SupplierReturn.period_end <= day)
    unsplit = db.session.scalar(
        select(func.coalesce(func.sum(ReturnLine.quantity), 0)).join(SupplierReturn, SupplierReturn.id == ReturnLine.return_id)
        .where(ReturnLine.commitment_id == commitment_id, *counted,
               ~select(ReturnLineSplit.id).where(ReturnLineSplit.line_id == ReturnLine.id).exists())
    )
    split = db.session.scalar(
        select(func.coalesce(func.sum(ReturnLineSplit.quantity), 0))
        .join(ReturnLine, ReturnLine.id == ReturnLineSplit.line_id)
        .join(SupplierReturn, SupplierReturn.id == ReturnLine.return_id)
        .where(ReturnLineSplit.commitment_id == commitment_id, *counted)
    )
    return int(unsplit or 0) + int(split or 0)


def split_targets(line: ReturnLine) -> list[Commitment]:
    """The commitments a line can count towards: its own, and the same organisation's other
    approved commitments counted in the same unit (of any agreement)."""
    own = line.commitment
    return list(db.session.scalars(
        select(Commitment).join(Contract, Contract.id == Commitment.contract_id).join(Measure, Measure.id == Commitment.measure_id)
        .where(Contract.supplier_id == own.contract.supplier_id, Measure.unit == own.measure.unit,
               (Commitment.state == "approved") | (Commitment.id == own.id))
        .options(joinedload(Commitment.contract), joinedload(Commitment.measure))
        .order_by((Commitment.id != own.id), Contract.reference, Commitment.id)
    ))


def line_splits(line_id: int) -> dict[int, int]:
    return dict(db.session.execute(
        select(ReturnLineSplit.commitment_id, ReturnLineSplit.quantity).where(ReturnLineSplit.line_id == line_id)
    ).all())


def split_line(line_id: int, officer: "User", parts: list[tuple[int, int]]) -> ReturnLine:
    """Replace how an accepted return's line counts. Giving the whole line to its own
    commitment removes the split."""
    require_officer(officer, "Only council officers split what a return delivered")
    # Locked (PostgreSQL: FOR UPDATE): a second officer splitting this line waits, then
    # reads the first one's split, so the commitments' returned quantities stay the sums.
    line = db.session.scalar(
        select(ReturnLine).where(ReturnLine.id == line_id).with_for_update().execution_options(populate_existing=True)
    )
    if line is None:
        raise DomainError("There is no such return line")
    # Read afresh (populate_existing): an officer accepting a correction at the same moment
    # locks this line first, and once it commits this return is superseded.
    supplier_return = db.session.scalar(
        select(SupplierReturn).where(SupplierReturn.id == line.return_id).execution_options(populate_existing=True)
    )
    if supplier_return.contract.supplier.is_member(officer):
        raise PermissionDenied("You cannot split a return made by your own organisation")
    if supplier_return.state != "accepted":
        raise DomainError("Only a line of an accepted return can be split: it counts only once accepted")
    wanted: dict[int, int] = {}
    for commitment_id, quantity in parts:
        if quantity < 0:
            raise DomainError("Enter 0 or more for each commitment", field="parts")
        if quantity:
            wanted[commitment_id] = wanted.get(commitment_id, 0) + quantity
    if not set(wanted) <= {commitment.id for commitment in split_targets(line)}:
        raise DomainError("Split only between this organisation's approved commitments counted in the same unit",
                          field="parts")
    if sum(wanted.values()) > line.quantity:
        raise DomainError(f"The split can add up to at most the {line.quantity:,} {line.commitment.measure.unit} "
                          f"delivered, not {sum(wanted.values()):,}", field="parts")
    before = dict(counted_parts([line]))
    from models.returns.totals import count_return

    count_return(supplier_return, -1)  # recounted below as split now, in this transaction
    if wanted == {line.commitment_id: line.quantity}:
        wanted_rows: dict[int, int] = {}  # back to the line's own commitment: no split
    else:
        wanted_rows = wanted
    current = {split.commitment_id: split for split in db.session.scalars(
        select(ReturnLineSplit).where(ReturnLineSplit.line_id == line.id))}
    for commitment_id, split in current.items():
        if commitment_id not in wanted_rows:
            db.session.delete(split)
        else:
            split.quantity = wanted_rows[commitment_id]
    for commitment_id, quantity in wanted_rows.items():
        if commitment_id not in current:
            db.session.add(ReturnLineSplit(line_id=line.id, commitment_id=commitment_id, quantity=quantity,
                                           created_by_id=officer.id))
    after = wanted_rows or ({line.commitment_id: line.quantity} if line.quantity else {})
    for commitment_id in sorted(set(before) | set(after)):  # a fixed order: no lock-order deadlocks
        change = after.get(commitment_id, 0) - before.get(commitment_id, 0)
        if change:
            db.session.execute(
                update(Commitment).where(Commitment.id == commitment_id)
                .values(returned_quantity=Commitment.returned_quantity + change)
                .execution_options(synchronize_session=False)
            )
    db.session.flush()
    count_return(supplier_return, +1)
    record_event("return_line.split", line, actor=officer, detail={
        "return": supplier_return.id, "delivered": line.quantity,
        "before": {str(k): v for k, v in before.items()}, "after": {str(k): v for k, v in after.items()},
    })
    return line


def scaled_parts(parts: dict[int, int], quantity: int) -> dict[int, int]:
    """The parts scaled down to add up to `quantity` (less than their sum): each rounded down,
    the units left over given to the largest remainders (ties to the lowest commitment id);
    parts that come to nothing are dropped."""
    whole = sum(parts.values())
    scaled = {commitment_id: part * quantity // whole for commitment_id, part in parts.items()}
    left = quantity - sum(scaled.values())
    by_remainder = sorted(parts, key=lambda commitment_id: (-(parts[commitment_id] * quantity % whole), commitment_id))
    for commitment_id in by_remainder[:left]:
        scaled[commitment_id] += 1
    return {commitment_id: part for commitment_id, part in scaled.items() if part}


def _carried(line: ReturnLine | None, old: ReturnLine, parts: dict[int, int]) -> tuple[dict[int, int], str]:
    """How a corrected line counts, given the split of the line it corrects, and why."""
    if line is None:
        return {}, "The correction has no line for this commitment: the split is dropped"
    if not line.quantity:
        return {}, "The corrected line delivered nothing: the split is dropped"
    own = line.commitment_id
    targets = {commitment.id for commitment in split_targets(line)}
    kept = {commitment_id: part for commitment_id, part in parts.items() if commitment_id in targets}
    reasons = []
    if kept != parts:
        gone = sorted(set(parts) - set(kept))
        kept[own] = kept.get(own, 0) + sum(parts[commitment_id] for commitment_id in gone)
        reasons.append("Commitments no longer approved (" + ", ".join(str(c) for c in gone) +
                       ") gave their parts back to the line's own commitment")
    split = sum(kept.values())
    if line.quantity < split:
        kept = scaled_parts(kept, line.quantity)
        reasons.append(f"The corrected line delivered {line.quantity:,}, less than the {split:,} split: "
                       "each part was scaled down in proportion")
    elif line.quantity > old.quantity:
        kept[own] = kept.get(own, 0) + line.quantity - old.quantity
        reasons.append(f"The corrected line delivered {line.quantity - old.quantity:,} more: "
                       "the extra counts towards its own commitment")
    else:
        reasons.append("The corrected line delivered at least what was split: the split is kept")
    return kept, "; ".join(reasons)


def lock_lines(return_id: int) -> None:
    """Lock the return's lines (PostgreSQL: FOR UPDATE; in id order) before it stops counting,
    so an officer splitting one of them at the same moment waits, then finds it superseded."""
    db.session.execute(select(ReturnLine.id).where(ReturnLine.return_id == return_id).order_by(ReturnLine.id)
                       .with_for_update())


def carry_splits(earlier: SupplierReturn, correction: SupplierReturn, officer: "User") -> None:
    """The correction an officer is accepting keeps the splits of the accepted version it
    supersedes (see the module's note), in the caller's transaction, before it starts
    counting (the earlier version's lines locked by `lock_lines`)."""
    old_lines = list(db.session.scalars(
        select(ReturnLine).where(ReturnLine.return_id == earlier.id,
                                 select(ReturnLineSplit.id).where(ReturnLineSplit.line_id == ReturnLine.id).exists())
        .order_by(ReturnLine.id)
    ))
    if not old_lines:
        return
    old_parts: dict[int, dict[int, int]] = {}
    for line_id, commitment_id, quantity in db.session.execute(
        select(ReturnLineSplit.line_id, ReturnLineSplit.commitment_id, ReturnLineSplit.quantity)
        .where(ReturnLineSplit.line_id.in_([line.id for line in old_lines]))
    ):
        old_parts.setdefault(line_id, {})[commitment_id] = int(quantity)
    new_lines = {line.commitment_id: line for line in correction.lines}
    for old in old_lines:
        line = new_lines.get(old.commitment_id)
        parts, reason = _carried(line, old, old_parts[old.id])
        if line is not None and parts and parts != {line.commitment_id: line.quantity}:
            for commitment_id, quantity in sorted(parts.items()):
                db.session.add(ReturnLineSplit(line_id=line.id, commitment_id=commitment_id, quantity=quantity,
                                               created_by_id=officer.id))
        else:
            parts = {line.commitment_id: line.quantity} if line is not None and line.quantity else {}
        db.session.flush()
        record_event("return_line.split_carried", line or old, actor=officer, detail={
            "from_line": old.id, "from_return": earlier.id, "return": correction.id,
            "delivered": line.quantity if line is not None else 0,
            "before": {str(k): v for k, v in old_parts[old.id].items()},
            "after": {str(k): v for k, v in parts.items()}, "reason": reason,
        })
