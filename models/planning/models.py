"""The planning obligations register, as the planning data standard has it: developer
agreements, their contributions (purpose, amount or units) and the contributions'
transactions (secured, received, allocated, transferred, spent). A developer agreement can
be linked to the planning obligation an officer records as an agreement (a Contract of kind
planning_obligation), which carries the commitments."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db, utcnow
from models.planning.parsing import PURPOSES, SOCIAL_PURPOSES

if TYPE_CHECKING:
    from models.contracts.models import Contract


class DeveloperAgreement(db.Model):
    __tablename__ = "developer_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(160), unique=True)
    organisation: Mapped[str] = mapped_column(String(120), default="")
    agreement_type: Mapped[str] = mapped_column(String(40), default="section-106")
    planning_application: Mapped[str | None] = mapped_column(String(120), index=True)
    document_url: Mapped[str | None] = mapped_column(String(500))
    entry_date: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    # The planning obligation (an agreement) that carries its commitments, once recorded.
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agreement: Mapped["Contract | None"] = relationship()
    contributions: Mapped[list["DeveloperContribution"]] = relationship(
        back_populates="developer_agreement", order_by="DeveloperContribution.id", cascade="all, delete-orphan"
    )


class DeveloperContribution(db.Model):
    __tablename__ = "developer_contributions"
    __table_args__ = (
        CheckConstraint("amount_pence IS NULL OR amount_pence >= 0", name="amount_not_negative"),
        CheckConstraint("units IS NULL OR units >= 0", name="units_not_negative"),
        UniqueConstraint("developer_agreement_id", "reference", "purpose_text", "amount_pence", "units", name="uq_developer_contributions_one_line"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    developer_agreement_id: Mapped[int] = mapped_column(ForeignKey("developer_agreements.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(160), index=True)
    purpose: Mapped[str] = mapped_column(String(60))  # the code-list purpose
    purpose_text: Mapped[str] = mapped_column(String(200), default="")  # as the council wrote it
    amount_pence: Mapped[int | None] = mapped_column(BigInteger)
    units: Mapped[int | None] = mapped_column(BigInteger)
    entry_date: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    developer_agreement: Mapped[DeveloperAgreement] = relationship(back_populates="contributions")
    transactions: Mapped[list["DeveloperTransaction"]] = relationship(
        back_populates="contribution", order_by="DeveloperTransaction.id", cascade="all, delete-orphan"
    )

    @property
    def is_social(self) -> bool:
        return self.purpose in SOCIAL_PURPOSES

    @property
    def purpose_label(self) -> str:
        return PURPOSES.get(self.purpose, self.purpose)


class DeveloperTransaction(db.Model):
    __tablename__ = "developer_transactions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('secured', 'received', 'allocated', 'transferred', 'spent')", name="status_known"
        ),
        CheckConstraint("amount_pence IS NULL OR amount_pence >= 0", name="amount_not_negative"),
        UniqueConstraint("contribution_id", "status", "amount_pence", "units", "transaction_date", name="uq_developer_transactions_one_transaction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("developer_contributions.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(60), default="")  # the file's own line id
    status: Mapped[str] = mapped_column(String(16))
    amount_pence: Mapped[int | None] = mapped_column(BigInteger)
    units: Mapped[int | None] = mapped_column(BigInteger)
    transaction_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contribution: Mapped[DeveloperContribution] = relationship(back_populates="transactions")
