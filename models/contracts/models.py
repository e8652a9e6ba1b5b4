"""Council contracts held by suppliers, and the social value commitments made
under them, with each commitment's ledger, status, remedial plan and settlement."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    case,
    false,
    literal,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db, utcnow
from models.contracts.tiers import Tier, TierThresholds, tier_for_value, tier_shortfalls

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.people.organisations import Organisation
    from models.places.wards import Ward
    from models.places.themes import Measure


AT_RISK_DAYS = 60
AT_RISK_SHARE = 0.75
MAX_CONTRACT_VALUE_PENCE = 100_000_000_000_00  # £100bn: beyond any council contract


class Contract(db.Model):
    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("value_pence >= 0", name="value_not_negative"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_in_order"),
        CheckConstraint(
            "kind IN ('contract', 'planning_obligation', 'grant', 'asset_transfer', 'employment', 'investment')",
            name="kind_known",
        ),
        CheckConstraint("return_months IS NULL OR return_months IN (3, 6, 12)", name="return_months_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(160), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    buyer_department: Mapped[str | None] = mapped_column(String(200))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    value_pence: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    # An imported contract keeps its release's own ocid, and is published under it.
    ocid: Mapped[str | None] = mapped_column(String(120), index=True)
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual, ocds
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The kind of agreement (models/contracts/agreements.py): a contract, or another source of
    # social value commitments. `buyer_department` is its responsible directorate; `supplier`
    # the supplier, developer, grant recipient or organisation taking the asset (the council
    # itself for its own employment); `value_pence` the contract value, grant or investment.
    kind: Mapped[str] = mapped_column(String(24), default="contract", server_default="contract", index=True)
    responsible_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    planning_reference: Mapped[str | None] = mapped_column(String(120), index=True)  # s106/s278
    site: Mapped[str | None] = mapped_column(String(300))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id", ondelete="SET NULL"))
    trigger: Mapped[str | None] = mapped_column(String(200))  # "on commencement", "before occupation"
    programme: Mapped[str | None] = mapped_column(String(200))  # a grant's programme
    asset: Mapped[str | None] = mapped_column(String(300))  # a community asset transfer's asset
    lease_terms: Mapped[str | None] = mapped_column(Text)
    # Its own reporting schedule for supplier returns (models/returns/schedule.py): every 3, 6
    # or 12 months, set by an officer with a reason; None follows its tier's setting.
    return_months: Mapped[int | None]
    return_months_reason: Mapped[str | None] = mapped_column(Text)

    supplier: Mapped["Organisation"] = relationship()
    responsible_officer: Mapped["User | None"] = relationship(foreign_keys=[responsible_officer_id])
    ward: Mapped["Ward | None"] = relationship()
    commitments: Mapped[list["Commitment"]] = relationship(
        back_populates="contract", order_by="Commitment.due_date, Commitment.id", cascade="all, delete-orphan"
    )

    def tier(self, thresholds: TierThresholds | None = None) -> Tier:
        return tier_for_value(self.value_pence, thresholds or council_thresholds())

    @property
    def kind_label(self) -> str:
        from models.contracts.agreements import kind_label

        return kind_label(self.kind)

    def shortfalls(self, thresholds: TierThresholds | None = None) -> list[str]:
        from models.contracts.agreements import TIERED

        if (self.kind or "contract") not in TIERED:
            return []  # the procurement tiers do not apply to grants, planning obligations...
        approved = [c.measure.theme_id for c in self.commitments if c.state == "approved"]
        return tier_shortfalls(self.tier(thresholds), approved)


def council_thresholds() -> TierThresholds:
    """The council's tier thresholds (admin settings), Brent's policy by default."""
    from models.core.settings import get_int_setting

    default = TierThresholds()
    return TierThresholds(
        basic_from_pence=get_int_setting("tier_basic_from_pence", default.basic_from_pence),
        kpi_from_pence=get_int_setting("tier_kpi_from_pence", default.kpi_from_pence),
        strategic_over_pence=get_int_setting("tier_strategic_over_pence", default.strategic_over_pence),
    )


def tier_case(thresholds: TierThresholds | None = None):
    """`tier_for_value` in SQL: a CASE over Contract.value_pence giving the tier's value
    ("none", "basic", "kpi", "strategic"), with the council's thresholds unless given. The
    one SQL copy of the rule: queries that label, group or filter contracts by tier use it
    (compare it with a Tier's value), and a test pins it to tier_for_value at every boundary."""
    thresholds = thresholds or council_thresholds()
    value = Contract.value_pence
    return case(
        (value < thresholds.basic_from_pence, literal(Tier.NONE.value)),
        (value < thresholds.kpi_from_pence, literal(Tier.BASIC.value)),
        (value <= thresholds.strategic_over_pence, literal(Tier.KPI.value)),
        else_=literal(Tier.STRATEGIC.value),
    )


def at_risk_rule() -> tuple[int, float]:
    """(days before the due date, share delivered) under which a commitment is at risk."""
    from models.core.settings import get_int_setting

    return get_int_setting("at_risk_days", AT_RISK_DAYS), get_int_setting("at_risk_percent", int(AT_RISK_SHARE * 100)) / 100


commitment_wards = Table(
    "commitment_wards",
    db.metadata,
    Column("commitment_id", ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True),
    Column("ward_id", ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True),
)


class CommitmentStatus(str, enum.Enum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    MET = "met"
    UNMET = "unmet"

    @property
    def label(self) -> str:
        return {"on_track": "On track", "at_risk": "At risk", "met": "Met", "unmet": "Unmet"}[self.value]


def commitment_status(
    target: int, delivered: int, due: date, today: date, at_risk_days: int = AT_RISK_DAYS, at_risk_share: float = AT_RISK_SHARE
) -> CommitmentStatus:
    """On track, at risk (due within 60 days and under 75% delivered, by default), met, or unmet (past due)."""
    if delivered >= target:
        return CommitmentStatus.MET
    if due < today:
        return CommitmentStatus.UNMET
    if due <= today + timedelta(days=at_risk_days) and delivered < target * at_risk_share:
        return CommitmentStatus.AT_RISK
    return CommitmentStatus.ON_TRACK


class Commitment(db.Model):
    __tablename__ = "commitments"
    __table_args__ = (
        CheckConstraint("target_quantity > 0", name="target_positive"),
        CheckConstraint("delivered_quantity >= 0", name="delivered_not_negative"),
        CheckConstraint("returned_quantity >= 0", name="returned_not_negative"),
        CheckConstraint("state IN ('proposed', 'approved', 'rejected')", name="state_known"),
        CheckConstraint(
            "settlement IS NULL OR settlement IN ('fund_payment', 'credit')", name="settlement_known"
        ),
        CheckConstraint("fund_payment_pence IS NULL OR fund_payment_pence > 0", name="fund_payment_positive"),
        Index("ix_commitments_state_due", "state", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="RESTRICT"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    target_quantity: Mapped[int] = mapped_column(BigInteger)
    due_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="approved")
    # The sum of this commitment's allocations, kept in the same transaction.
    delivered_quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    # The sum of its lines in accepted supplier returns (models/returns/), kept likewise.
    returned_quantity: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # A key performance indicator of its contract: rated every 12 months (models/returns/kpis.py).
    is_kpi: Mapped[bool] = mapped_column(default=False, server_default=false())
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Remedial plan for an unmet commitment.
    remedial_action: Mapped[str | None] = mapped_column(Text)
    remedial_due: Mapped[date | None] = mapped_column(Date)
    remedial_owner: Mapped[str | None] = mapped_column(String(160))
    # Settlement: a Social Value Fund payment in lieu, or an officer-approved credit.
    settlement: Mapped[str | None] = mapped_column(String(16))
    fund_payment_pence: Mapped[int | None] = mapped_column(BigInteger)
    credit_description: Mapped[str | None] = mapped_column(Text)
    settled_at: Mapped[datetime | None]
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    contract: Mapped[Contract] = relationship(back_populates="commitments")
    measure: Mapped["Measure"] = relationship()
    wards: Mapped[list["Ward"]] = relationship(secondary=commitment_wards)

    @hybrid_property
    def total_delivered(self) -> int:
        """Delivered by both sources: confirmed pledges and accepted supplier returns (in SQL,
        the same sum, so reports count what the pages show)."""
        return self.delivered_quantity + (self.returned_quantity or 0)

    @total_delivered.inplace.expression
    @classmethod
    def _total_delivered_expression(cls):
        return cls.delivered_quantity + cls.returned_quantity

    @property
    def remaining_quantity(self) -> int:
        return max(self.target_quantity - self.total_delivered, 0)

    def status(self, today: date | None = None) -> CommitmentStatus:
        days, share = at_risk_rule()
        return commitment_status(
            self.target_quantity, self.total_delivered, self.due_date, today or date.today(), days, share
        )

    @property
    def delivered_value_pence(self) -> int | None:
        proxy = self.measure.proxy_value_pence
        return None if proxy is None else self.total_delivered * proxy

    @property
    def target_value_pence(self) -> int | None:
        proxy = self.measure.proxy_value_pence
        return None if proxy is None else self.target_quantity * proxy


class ImportBatch(db.Model):
    """One import of contracts from a file: who, when, which file, what it did. It can be
    undone while nothing depends on it (models/contracts/import_batches.py)."""

    __tablename__ = "contract_import_batches"
    __table_args__ = (
        CheckConstraint("status IN ('applied', 'undone')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16), default="ocds")
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    # The preview the officer confirmed: one preview is applied at most once.
    preview_task_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(16), default="applied")
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    unchanged_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    suppliers_created_count: Mapped[int] = mapped_column(default=0)
    report: Mapped[dict | None] = mapped_column(JSON)
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])
    undone_by: Mapped["User | None"] = relationship(foreign_keys=[undone_by_id])
    changes: Mapped[list["ImportChange"]] = relationship(
        back_populates="batch", order_by="ImportChange.id", cascade="all, delete-orphan"
    )


class ImportChange(db.Model):
    """What an import batch did to one row: created a contract or a supplier, or updated a
    contract (with its values before and after, so that undoing can restore them)."""

    __tablename__ = "contract_import_changes"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('contract_created', 'contract_updated', 'supplier_created')", name="kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("contract_import_batches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    # The contract's reference or the supplier's name, kept when the row itself is gone.
    label: Mapped[str] = mapped_column(String(300), default="")
    ocid: Mapped[str | None] = mapped_column(String(120))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    batch: Mapped[ImportBatch] = relationship(back_populates="changes")
    contract: Mapped["Contract | None"] = relationship()
    organisation: Mapped["Organisation | None"] = relationship()

