"""Supplier returns: one row per version of a contract's return for a reporting period, a
line per commitment, the wards a line's beneficiaries live in, and its evidence files.

Invariants held by the database:
- one version number per contract and period (a unique constraint);
- at most one open version (draft, submitted or queried) and at most one accepted version
  per contract and period (partial unique indexes): a correction is a new version, and the
  accepted version it corrects stops counting only when the correction is accepted;
- quantities and beneficiaries are never negative, and those living in the borough never
  outnumber the beneficiaries (CHECK constraints)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db, utcnow

if TYPE_CHECKING:
    from models.contracts.models import Commitment, Contract
    from models.people.accounts import User
    from models.places.wards import Ward


class ReturnState(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    QUERIED = "queried"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft", "submitted": "Waiting for the council", "queried": "Question from the council",
            "accepted": "Accepted", "rejected": "Rejected", "superseded": "Corrected by a later version",
        }[self.value]


OPEN_STATES = ("draft", "submitted", "queried")
STATES_SQL = "', '".join(state.value for state in ReturnState)


class SupplierReturn(db.Model):
    __tablename__ = "supplier_returns"
    __table_args__ = (
        UniqueConstraint("contract_id", "period_start", "version", name="uq_supplier_returns_version"),
        CheckConstraint(f"state IN ('{STATES_SQL}')", name="state_known"),
        CheckConstraint("period_end >= period_start", name="period_in_order"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index(
            "uq_supplier_returns_one_open", "contract_id", "period_start", unique=True,
            sqlite_where=text("state IN ('draft', 'submitted', 'queried')"),
            postgresql_where=text("state IN ('draft', 'submitted', 'queried')"),
        ),
        Index(
            "uq_supplier_returns_one_accepted", "contract_id", "period_start", unique=True,
            sqlite_where=text("state = 'accepted'"), postgresql_where=text("state = 'accepted'"),
        ),
        Index("ix_supplier_returns_state_due", "state", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(16), default=ReturnState.DRAFT.value)
    # How it was filed: on the web, or in a CSV of all a supplier's returns for a period.
    source: Mapped[str] = mapped_column(String(8), default="web")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    question: Mapped[str | None] = mapped_column(Text)  # the officer's query
    answer: Mapped[str | None] = mapped_column(Text)  # the supplier's answer to it
    reject_reason: Mapped[str | None] = mapped_column(Text)

    contract: Mapped["Contract"] = relationship()
    lines: Mapped[list["ReturnLine"]] = relationship(
        back_populates="supplier_return", order_by="ReturnLine.commitment_id", cascade="all, delete-orphan"
    )
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped["User | None"] = relationship(foreign_keys=[decided_by_id])

    @property
    def state_label(self) -> str:
        return ReturnState(self.state).label

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def editable(self) -> bool:
        """The supplier may change its lines: while a draft, or to answer a question."""
        return self.state in ("draft", "queried")

    def line_for(self, commitment_id: int) -> "ReturnLine | None":
        return next((line for line in self.lines if line.commitment_id == commitment_id), None)


return_line_wards = Table(
    "return_line_wards",
    db.metadata,
    Column("line_id", ForeignKey("return_lines.id", ondelete="CASCADE"), primary_key=True),
    Column("ward_id", ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True),
)

SPEND_SIZES = ("micro", "small", "medium", "large")


class ReturnLine(db.Model):
    """What was delivered towards one commitment in the return's period."""

    __tablename__ = "return_lines"
    __table_args__ = (
        UniqueConstraint("return_id", "commitment_id", name="uq_return_lines_commitment"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("beneficiaries >= 0", name="beneficiaries_not_negative"),
        CheckConstraint("beneficiaries_in_borough >= 0 AND beneficiaries_in_borough <= beneficiaries",
                        name="in_borough_within_beneficiaries"),
        CheckConstraint("pledged_in_period >= 0", name="pledged_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("supplier_returns.id", ondelete="CASCADE"), index=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    beneficiaries: Mapped[int] = mapped_column(default=0)
    beneficiaries_in_borough: Mapped[int] = mapped_column(default=0)
    # What confirmed pledges already counted towards the commitment in the period, when the
    # line was saved: the line's quantity is delivery besides it, never including it.
    pledged_in_period: Mapped[int] = mapped_column(BigInteger, default=0)
    # Spend measures: the amount by the type of supplier it was spent with (the measure's unit).
    spend_micro: Mapped[int | None] = mapped_column(BigInteger)
    spend_small: Mapped[int | None] = mapped_column(BigInteger)
    spend_medium: Mapped[int | None] = mapped_column(BigInteger)
    spend_large: Mapped[int | None] = mapped_column(BigInteger)
    spend_vcse: Mapped[int | None] = mapped_column(BigInteger)
    spend_in_borough: Mapped[int | None] = mapped_column(BigInteger)

    supplier_return: Mapped[SupplierReturn] = relationship(back_populates="lines")
    commitment: Mapped["Commitment"] = relationship()
    wards: Mapped[list["Ward"]] = relationship(secondary=return_line_wards)
    evidence: Mapped[list["ReturnEvidence"]] = relationship(
        back_populates="line", order_by="ReturnEvidence.id", cascade="all, delete-orphan"
    )


class ReturnEvidence(db.Model):
    """A file (PDF or image, checked by content) backing a return line."""

    __tablename__ = "return_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("return_lines.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(80))  # the stored, random name
    original_name: Mapped[str] = mapped_column(String(255), default="")
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    line: Mapped[ReturnLine] = relationship(back_populates="evidence")


class ReturnReminder(db.Model):
    """A reminder sent about a contract's return for a period: one per kind (due soon,
    overdue), written in the same transaction as its emails, so a rerun never sends twice."""

    __tablename__ = "return_reminders"
    __table_args__ = (
        UniqueConstraint("contract_id", "period_start", "kind", name="uq_return_reminders_period_kind"),
        CheckConstraint("kind IN ('due_soon', 'overdue')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class KpiRating(db.Model):
    """An officer's rating of a KPI for a 12-month year of its contract: the proposed rating
    and the figures behind it as they were, and the rating given (an override needs a reason)."""

    __tablename__ = "kpi_ratings"
    __table_args__ = (
        UniqueConstraint("commitment_id", "year_start", name="uq_kpi_ratings_commitment_year"),
        CheckConstraint(
            "rating IN ('good', 'approaching_target', 'requires_improvement', 'inadequate', 'other')", name="rating_known"
        ),
        CheckConstraint("rating = proposed OR length(reason) > 0", name="override_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), index=True)
    year_start: Mapped[date] = mapped_column(Date)
    year_end: Mapped[date] = mapped_column(Date)
    delivered: Mapped[int] = mapped_column(BigInteger)
    pro_rata_target: Mapped[int] = mapped_column(BigInteger)
    proposed: Mapped[str] = mapped_column(String(24))
    rating: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime] = mapped_column(default=utcnow)
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    rated_by: Mapped["User | None"] = relationship()


class Escalation(db.Model):
    """A commitment still failing after its remedial plan, escalated to a named governance
    board on a date, then resolved: delivered, settled by a Social Value Fund payment, or by a
    credit that names the substitute delivery (a confirmed pledge) or accepted return."""

    __tablename__ = "commitment_escalations"
    __table_args__ = (
        CheckConstraint("resolution IS NULL OR resolution IN ('delivered', 'fund_payment', 'credit')",
                        name="resolution_known"),
        CheckConstraint("resolution != 'credit' OR (credit_return_id IS NOT NULL) != (credit_pledge_id IS NOT NULL)",
                        name="credit_names_one_substitute"),
        CheckConstraint("resolution != 'fund_payment' OR fund_payment_pence > 0", name="fund_payment_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), unique=True)
    board: Mapped[str] = mapped_column(String(200))
    escalated_on: Mapped[date] = mapped_column(Date)
    escalated_at: Mapped[datetime] = mapped_column(default=utcnow)
    escalated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(String(16))
    fund_payment_pence: Mapped[int | None] = mapped_column(BigInteger)
    credit_return_id: Mapped[int | None] = mapped_column(ForeignKey("supplier_returns.id", ondelete="RESTRICT"))
    credit_pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id", ondelete="RESTRICT"))
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    commitment: Mapped["Commitment"] = relationship()
    credit_return: Mapped["SupplierReturn | None"] = relationship()
