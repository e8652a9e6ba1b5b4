"""Council contracts held by suppliers, and the social value commitments made
under them, with each commitment's ledger, status, remedial plan and settlement."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import DomainError, PermissionDenied, db, utcnow
from models.events import record_event
from models.tiers import Tier, TierThresholds, tier_for_value, tier_shortfalls

if TYPE_CHECKING:
    from models.accounts import User
    from models.organisations import Organisation
    from models.places import Ward
    from models.themes import Measure

AT_RISK_DAYS = 60
AT_RISK_SHARE = 0.75
MAX_CONTRACT_VALUE_PENCE = 100_000_000_000_00  # £100bn: beyond any council contract


class Contract(db.Model):
    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("value_pence >= 0", name="value_not_negative"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(160), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    buyer_department: Mapped[str | None] = mapped_column(String(200))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    value_pence: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    ocid: Mapped[str | None] = mapped_column(String(120), index=True)
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual, ocds
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    supplier: Mapped["Organisation"] = relationship()
    commitments: Mapped[list["Commitment"]] = relationship(
        back_populates="contract", order_by="Commitment.due_date, Commitment.id", cascade="all, delete-orphan"
    )

    def tier(self, thresholds: TierThresholds | None = None) -> Tier:
        return tier_for_value(self.value_pence, thresholds or council_thresholds())

    def shortfalls(self, thresholds: TierThresholds | None = None) -> list[str]:
        approved = [c.measure.theme_id for c in self.commitments if c.state == "approved"]
        return tier_shortfalls(self.tier(thresholds), approved)


def council_thresholds() -> TierThresholds:
    """The council's tier thresholds (admin settings), Brent's policy by default."""
    from models.settings import get_int_setting

    default = TierThresholds()
    return TierThresholds(
        basic_from_pence=get_int_setting("tier_basic_from_pence", default.basic_from_pence),
        kpi_from_pence=get_int_setting("tier_kpi_from_pence", default.kpi_from_pence),
        strategic_over_pence=get_int_setting("tier_strategic_over_pence", default.strategic_over_pence),
    )


def at_risk_rule() -> tuple[int, float]:
    """(days before the due date, share delivered) under which a commitment is at risk."""
    from models.settings import get_int_setting

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

    @property
    def remaining_quantity(self) -> int:
        return max(self.target_quantity - self.delivered_quantity, 0)

    def status(self, today: date | None = None) -> CommitmentStatus:
        days, share = at_risk_rule()
        return commitment_status(
            self.target_quantity, self.delivered_quantity, self.due_date, today or date.today(), days, share
        )

    @property
    def delivered_value_pence(self) -> int | None:
        proxy = self.measure.proxy_value_pence
        return None if proxy is None else self.delivered_quantity * proxy

    @property
    def target_value_pence(self) -> int | None:
        proxy = self.measure.proxy_value_pence
        return None if proxy is None else self.target_quantity * proxy


@dataclass
class ContractDetails:
    reference: str
    title: str
    buyer_department: str | None
    supplier_id: int
    value_pence: int
    start_date: date | None
    end_date: date | None


def _require_officer(user: "User") -> None:
    if not user.is_officer:
        raise PermissionDenied("Only council officers can do this")


def validate_contract(details: ContractDetails, except_id: int | None = None) -> None:
    from models.organisations import Organisation

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
    supplier = db.session.get(Organisation, details.supplier_id)
    if supplier is None or supplier.kind != "supplier":
        raise DomainError("Select the supplier", field="supplier_id")
    query = select(func.count()).select_from(Contract).where(Contract.reference == details.reference.strip())
    if except_id is not None:
        query = query.where(Contract.id != except_id)
    if db.session.scalar(query):
        raise DomainError("A contract with this reference already exists", field="reference")


def record_contract(details: ContractDetails, officer: "User", ocid: str | None = None, source: str = "manual") -> Contract:
    _require_officer(officer)
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
    )
    db.session.add(contract)
    db.session.flush()
    record_event("contract.recorded", contract, actor=officer, to_state="recorded", detail={"source": source})
    return contract


@dataclass
class CommitmentDetails:
    measure_id: int
    target_quantity: int
    due_date: date
    description: str = ""
    ward_ids: tuple[int, ...] = ()


def _validate_commitment(details: CommitmentDetails) -> None:
    from models.places import Ward
    from models.themes import Measure

    measure = db.session.get(Measure, details.measure_id)
    if measure is None or not measure.active:
        raise DomainError("Select a measure", field="measure_id")
    if not 1 <= details.target_quantity <= 10**12:
        raise DomainError("The target must be a whole number of at least 1", field="target_quantity")
    if details.ward_ids:
        found = db.session.scalar(select(func.count()).select_from(Ward).where(Ward.id.in_(details.ward_ids)))
        if found != len(set(details.ward_ids)):
            raise DomainError("Select wards from the list", field="ward_ids")


def add_commitment(contract: Contract, user: "User", details: CommitmentDetails) -> Commitment:
    """Officers add approved commitments; a member of the supplier proposes one for approval."""
    from models.places import Ward

    if user.is_officer:
        state = "approved"
    elif contract.supplier.is_member(user) and contract.supplier.is_verified:
        state = "proposed"
    else:
        raise PermissionDenied("Only council officers or the contract's supplier can add commitments")
    _validate_commitment(details)
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
    return commitment


def decide_commitment(commitment: Commitment, officer: "User", approve: bool) -> None:
    _require_officer(officer)
    if commitment.state != "proposed":
        raise DomainError("Only a proposed commitment can be approved or rejected")
    commitment.state = "approved" if approve else "rejected"
    commitment.approved_by_id = officer.id if approve else None
    record_event("commitment.approved" if approve else "commitment.rejected", commitment, actor=officer,
                 from_state="proposed", to_state=commitment.state)


def set_remedial_plan(commitment: Commitment, officer: "User", action: str, new_date: date, owner: str, today: date) -> None:
    _require_officer(officer)
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
    _require_officer(officer)
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
