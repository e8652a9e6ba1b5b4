"""Pledges: a supplier's offer against a need, through acceptance, delivery and
confirmation, and the allocations that count a confirmed pledge towards the
supplier's commitments.

Invariants, held in the database transaction so they survive concurrent
requests (on PostgreSQL as on SQLite):
- a need's pledged quantity (offered + accepted + delivered + confirmed) never
  exceeds what it asked for: a conditional UPDATE adds to it only while it fits,
  and a CHECK constraint backs it up;
- a commitment's delivered quantity is the sum of its allocations;
- a pledge's allocations never add up to more than it delivered, and a pledge is
  allocated to a commitment at most once (a unique constraint)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db, utcnow
from models.needs.models import Need

if TYPE_CHECKING:
    from models.contracts.models import Commitment
    from models.people.organisations import Organisation


class PledgeStatus(str, enum.Enum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DELIVERED = "delivered"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "offered": "Offered", "accepted": "Accepted", "declined": "Declined", "delivered": "Delivered",
            "confirmed": "Confirmed", "disputed": "Disputed", "withdrawn": "Withdrawn",
        }[self.value]


# Statuses that hold part of the need (count in its pledged quantity).
HOLDING = ("offered", "accepted", "delivered", "confirmed", "disputed")
# Statuses the group has accepted (count in its accepted quantity).
ACCEPTED = ("accepted", "delivered", "confirmed", "disputed")


FUND_SOURCE = "fund"
FUNDED_BY_THE_FUND = "Funded by the council's Social Value Fund"


class Pledge(db.Model):
    __tablename__ = "pledges"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "status IN ('offered', 'accepted', 'declined', 'delivered', 'confirmed', 'disputed', 'withdrawn')",
            name="status_known",
        ),
        # A pledge from the council's Social Value Fund counts towards no commitment: the Fund is
        # money paid in lieu of commitments, so counting it again would count one benefit twice.
        CheckConstraint("source IN ('supplier', 'fund')", name="source_known"),
        CheckConstraint("source = 'supplier' OR commitment_id IS NULL", name="fund_counts_towards_no_commitment"),
        Index("ix_pledges_need_status", "need_id", "status"),
        Index("ix_pledges_supplier_status", "supplier_id", "status"),
        # The ledger newest first: with the id, a page and an OFFSET are read from the index
        # alone, in order (migration 9e2c4a7b5d13); on PostgreSQL so is a filter by the theme
        # or kind a delivery counted in, and the need to join (migration 3b7d9e1f4a62).
        Index("ix_pledges_status_confirmed", "status", "confirmed_at", "id",
              postgresql_include=["need_id", "confirmed_ward_id", "confirmed_theme_id", "confirmed_kind"]),
        # A ward's deliveries newest first (the ledger by ward, by ward and year, a ward's page):
        # one range of one index, however many other wards' deliveries there are.
        Index("ix_pledges_confirmed_ward", "status", "confirmed_ward_id", "confirmed_at", "id"),
        # A supplier's pledges made in a year (the annual report's diversity: engaged or not).
        Index("ix_pledges_supplier_created", "supplier_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    quantity: Mapped[int]
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=PledgeStatus.OFFERED.value)
    # 'supplier': a supplier's offer; 'fund': the council funding the need from its Social Value
    # Fund (models.fund.ledger.fund_need), given by the council's own organisation, confirmed at once.
    source: Mapped[str] = mapped_column(String(8), default="supplier", server_default="supplier")
    decline_reason: Mapped[str | None] = mapped_column(Text)
    delivered_on: Mapped[date | None] = mapped_column(Date)
    delivery_note: Mapped[str | None] = mapped_column(Text)
    evidence_filename: Mapped[str | None] = mapped_column(String(80))
    group_confirmed_at: Mapped[datetime | None]
    group_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Its share of the need's value, stored when an officer confirms it (what the ledger counts).
    confirmed_value_pence: Mapped[int | None] = mapped_column(BigInteger)
    # The delivery totals' cell it counts in: its need's ward (None: borough-wide), theme and
    # kind, stored when it starts counting as delivered (models.reporting.delivery_totals.
    # count_pledge), so the ledger filters deliveries by them without looking up each need. A
    # need can change them only while it is a draft or sent back, before it can take a pledge;
    # `rebuild_delivery_totals` files them afresh after a direct edit. None until confirmed.
    confirmed_ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id", ondelete="SET NULL"))
    confirmed_theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="RESTRICT"))
    confirmed_kind: Mapped[str | None] = mapped_column(String(16))
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    # When the allocation job proposed how this delivery counts (it runs once per pledge).
    auto_allocated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    need: Mapped[Need] = relationship()
    supplier: Mapped["Organisation"] = relationship()
    commitment: Mapped["Commitment | None"] = relationship()
    allocations: Mapped[list["Allocation"]] = relationship(back_populates="pledge", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return PledgeStatus(self.status).label

    @property
    def from_fund(self) -> bool:
        return self.source == FUND_SOURCE

    @property
    def giver_name(self) -> str:
        """Who gave it, as a label ("Funded by the council's Social Value Fund", or the supplier)."""
        return FUNDED_BY_THE_FUND if self.from_fund else self.supplier.name

    @property
    def source_name(self) -> str:
        """Who gave it, in a sentence ("… from the council's Social Value Fund", or the supplier)."""
        return "the council's Social Value Fund" if self.from_fund else self.supplier.name

    @property
    def value_pence(self) -> int:
        """This pledge's share of the need's estimated value (as stored when it was confirmed)."""
        if self.confirmed_value_pence is not None:
            return self.confirmed_value_pence
        return self.need.value_pence * self.quantity // self.need.quantity

    @property
    def allocated_quantity(self) -> int:
        return sum(allocation.quantity for allocation in self.allocations)


class Allocation(db.Model):
    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint("pledge_id", "commitment_id", name="uq_allocations_pledge_commitment"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"), index=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    pledge: Mapped[Pledge] = relationship(back_populates="allocations")
    commitment: Mapped["Commitment"] = relationship()


