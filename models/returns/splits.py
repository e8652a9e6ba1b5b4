"""One benefit, counted once, for returns too: a line of an accepted supplier return counts
towards the commitment it was filed against, unless an officer splits it between that
commitment and commitments of the same organisation's other agreements (a contract's and a
grant's, say), as a pledge's delivery can be split (models/pledges/rules.py). A split never
adds up to more than the line delivered: the line's row is locked while its split is
checked and replaced, so two officers splitting one line at once apply theirs in turn.

Commitment.returned_quantity follows the split; an accepted return that a correction
supersedes takes back exactly what its lines counted (`counted_parts`)."""

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
    supplier_return = db.session.get(SupplierReturn, line.return_id)
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
    record_event("return_line.split", line, actor=officer, detail={
        "return": supplier_return.id, "delivered": line.quantity,
        "before": {str(k): v for k, v in before.items()}, "after": {str(k): v for k, v in after.items()},
    })
    return line
