"""Tenders, their bid-pack curation, and the sealed offers suppliers make for them.

A tender is open from when it is recorded until its closing date (the day included), unless
it is withdrawn or awarded. Its bid pack is assembled afresh from the platform's data
(models/tenders/pack.py); what officers change is kept here as curation rows, keyed by the
pack item's stable key ("need:12", "option:7", "measure:3"). An offer reserves quantities of
needs (reservations) and proposes commitments (offer lines); on award each line keeps the
commitment it became and each reservation the pledge it became, so one record runs from the
community's request through the bid to delivery."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db, utcnow
from models.contracts.tiers import Tier, tier_for_value

if TYPE_CHECKING:
    from models.contracts.models import Commitment, Contract
    from models.needs.models import Need
    from models.people.accounts import User
    from models.people.organisations import Organisation
    from models.places.themes import Measure, Theme
    from models.places.wards import Ward
    from models.pledges.models import Pledge


tender_wards = Table(
    "tender_wards",
    db.metadata,
    Column("tender_id", ForeignKey("tenders.id", ondelete="CASCADE"), primary_key=True),
    Column("ward_id", ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True),
)
tender_themes = Table(
    "tender_themes",
    db.metadata,
    Column("tender_id", ForeignKey("tenders.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)

TENDER_STATES = ("open", "awarded", "withdrawn")
OFFER_STATES = ("draft", "submitted", "awarded", "unsuccessful")
OFFER_LABELS = {"draft": "Draft", "submitted": "Submitted", "awarded": "Awarded", "unsuccessful": "Not successful"}


class Tender(db.Model):
    __tablename__ = "tenders"
    __table_args__ = (
        CheckConstraint("value_pence >= 0", name="value_not_negative"),
        CheckConstraint("state IN ('open', 'awarded', 'withdrawn')", name="state_known"),
        Index("ix_tenders_state_closing", "state", "closing_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(160), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    buyer_department: Mapped[str | None] = mapped_column(String(200))
    value_pence: Mapped[int] = mapped_column(BigInteger)
    closing_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="open")
    # A tender imported from OCDS keeps its release's ocid; the award's contract takes it.
    ocid: Mapped[str | None] = mapped_column(String(120), unique=True)
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual, ocds
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    awarded_at: Mapped[datetime | None]
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"))
    award_report: Mapped[dict | None] = mapped_column(JSON)
    # The bid pack's PDF: which version of the curation it shows (built by a job).
    pack_version: Mapped[int] = mapped_column(default=1)
    pack_pdf_version: Mapped[int | None]
    pack_pdf_built_at: Mapped[datetime | None]

    wards: Mapped[list["Ward"]] = relationship(secondary=tender_wards, order_by="Ward.name")
    themes: Mapped[list["Theme"]] = relationship(secondary=tender_themes, order_by="Theme.position")
    contract: Mapped["Contract | None"] = relationship()
    offers: Mapped[list["Offer"]] = relationship(back_populates="tender", order_by="Offer.id", cascade="all, delete-orphan")
    curation: Mapped[list["PackCuration"]] = relationship(cascade="all, delete-orphan")

    def tier(self) -> Tier:
        from models.contracts.models import council_thresholds

        return tier_for_value(self.value_pence, council_thresholds())

    def is_open(self, today: date) -> bool:
        """Taking offers: not withdrawn or awarded, and on or before its closing date."""
        return self.state == "open" and today <= self.closing_date

    def has_closed(self, today: date) -> bool:
        """Past its closing date, or awarded: officers may open the offers."""
        return self.state == "awarded" or (self.state == "open" and today > self.closing_date)

    def state_label(self, today: date) -> str:
        if self.state == "open":
            return "Open for offers" if self.is_open(today) else "Closed: offers to assess"
        return {"awarded": "Awarded", "withdrawn": "Withdrawn"}[self.state]


class PackCuration(db.Model):
    """An officer's change to a tender's bid pack: an item pinned to the top, removed, or
    added (a need or measure the assembly did not pick)."""

    __tablename__ = "tender_pack_curation"
    __table_args__ = (
        UniqueConstraint("tender_id", "item_key", name="uq_tender_pack_curation_item"),
        CheckConstraint("state IN ('pinned', 'removed', 'added')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Offer(db.Model):
    """A supplier's sealed social value offer for a tender (one per supplier and tender)."""

    __tablename__ = "tender_offers"
    __table_args__ = (
        UniqueConstraint("tender_id", "supplier_id", name="uq_tender_offers_supplier"),
        CheckConstraint("state IN ('draft', 'submitted', 'awarded', 'unsuccessful')", name="state_known"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    summary: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    # The officers' assessment, recorded after closing.
    score: Mapped[int | None]
    assessment_notes: Mapped[str | None] = mapped_column(Text)

    tender: Mapped[Tender] = relationship(back_populates="offers")
    supplier: Mapped["Organisation"] = relationship()
    submitted_by: Mapped["User | None"] = relationship(foreign_keys=[submitted_by_id])
    reservations: Mapped[list["Reservation"]] = relationship(
        back_populates="offer", order_by="Reservation.id", cascade="all, delete-orphan"
    )
    lines: Mapped[list["OfferLine"]] = relationship(back_populates="offer", order_by="OfferLine.id", cascade="all, delete-orphan")

    @property
    def state_label(self) -> str:
        return OFFER_LABELS[self.state]

    @property
    def is_draft(self) -> bool:
        return self.state == "draft"


class Reservation(db.Model):
    """A quantity of a need from the bid pack that the offer says it would give. Several
    offers may reserve the same need: nothing is taken from the need until the award."""

    __tablename__ = "tender_reservations"
    __table_args__ = (
        UniqueConstraint("offer_id", "need_id", name="uq_tender_reservations_need"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("outcome IS NULL OR outcome IN ('pledged', 'reported', 'released')", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("tender_offers.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    pack_key: Mapped[str] = mapped_column(String(40))
    # On award: the pledge it became, or why not (reported), or released (another offer won).
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id", ondelete="SET NULL"), unique=True)
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_note: Mapped[str | None] = mapped_column(Text)

    offer: Mapped[Offer] = relationship(back_populates="reservations")
    need: Mapped["Need"] = relationship()
    pledge: Mapped["Pledge | None"] = relationship()

    @property
    def value_pence(self) -> int:
        return self.need.value_pence * self.quantity // self.need.quantity if self.need.quantity else 0


class OfferLine(db.Model):
    """A commitment the offer proposes (measure, target, due date, wards), drawn from a bid
    pack item where it answers one; on award it becomes the contract's commitment."""

    __tablename__ = "tender_offer_lines"
    __table_args__ = (CheckConstraint("target_quantity > 0", name="target_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("tender_offers.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="RESTRICT"))
    target_quantity: Mapped[int] = mapped_column(BigInteger)
    due_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    ward_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    pack_key: Mapped[str | None] = mapped_column(String(40))
    pack_label: Mapped[str | None] = mapped_column(String(300))
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id", ondelete="SET NULL"), unique=True)

    offer: Mapped[Offer] = relationship(back_populates="lines")
    measure: Mapped["Measure"] = relationship()
    commitment: Mapped["Commitment | None"] = relationship()

    @property
    def value_pence(self) -> int | None:
        proxy = self.measure.proxy_value_pence
        return None if proxy is None else proxy * self.target_quantity
