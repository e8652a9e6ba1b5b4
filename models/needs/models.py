"""Community needs: what a group asks for, and the rules that move a need
through draft → submitted → published (or changes requested, or rejected) →
fully pledged → delivered → closed; a published need past its deadline expires."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db, utcnow
from models.core.translations import TranslationColumns
from models.places.themes import NeedKind

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.people.organisations import Organisation
    from models.places.wards import Ward
    from models.places.themes import Theme


class NeedStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    PUBLISHED = "published"
    FULLY_PLEDGED = "fully_pledged"
    DELIVERED = "delivered"
    CLOSED = "closed"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.value]


STATUS_LABELS = {
    "draft": "Draft",
    "submitted": "Waiting for review",
    "changes_requested": "Changes requested",
    "rejected": "Rejected",
    "published": "Open",
    "fully_pledged": "Fully pledged",
    "delivered": "Delivered",
    "closed": "Closed",
    "expired": "Expired",
    "withdrawn": "Withdrawn",
}
STATUS_TAGS = {
    "draft": "govuk-tag--grey",
    "submitted": "govuk-tag--yellow",
    "changes_requested": "govuk-tag--orange",
    "rejected": "govuk-tag--red",
    "published": "govuk-tag--green",
    "fully_pledged": "govuk-tag--blue",
    "delivered": "govuk-tag--purple",
    "closed": "govuk-tag--grey",
    "expired": "govuk-tag--grey",
    "withdrawn": "govuk-tag--grey",
}
# Seen by the public once published; never drafts, reviews or rejections.
PUBLIC_STATUSES = ("published", "fully_pledged", "delivered", "closed", "expired")
# Count towards a group's cap on live needs.
LIVE_STATUSES = ("submitted", "changes_requested", "published", "fully_pledged")
EDITABLE_STATUSES = ("draft", "changes_requested")

MAX_QUANTITY = 1_000_000_000
MAX_VALUE_PENCE = 10_000_000_00  # £10m: more than any community need, and fits a 32-bit column
MAX_BENEFICIARIES = 10_000_000
DEFAULT_LIVE_NEED_CAP = 5


# The columns of the indexes that count public needs (Need.__table_args__; built by the
# migration d5e1a7c3f902).
_OPEN = ("status", "deadline", "pledged_quantity", "quantity")
PUBLIC_COUNT_INDEXES = {
    "ward": ("ward_id", *_OPEN, "theme_id", "kind"),
    "theme": ("theme_id", *_OPEN, "kind"),
    "kind": ("kind", *_OPEN),
    "status": _OPEN,
}


class Need(db.Model):
    __tablename__ = "needs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'submitted', 'changes_requested', 'rejected', 'published', "
            "'fully_pledged', 'delivered', 'closed', 'expired', 'withdrawn')",
            name="status_known",
        ),
        CheckConstraint("kind IN ('cash', 'goods', 'volunteering', 'skills', 'space')", name="kind_known"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("value_pence >= 0", name="value_not_negative"),
        CheckConstraint("beneficiaries >= 0", name="beneficiaries_not_negative"),
        CheckConstraint(
            "pledged_quantity >= 0 AND delivered_quantity >= 0 AND delivered_quantity <= pledged_quantity",
            name="progress_consistent",
        ),
        # The invariant pledges must keep, however many arrive at once.
        CheckConstraint("pledged_quantity <= quantity", name="not_over_pledged"),
        CheckConstraint(
            "accepted_quantity >= 0 AND accepted_quantity <= pledged_quantity AND delivered_quantity <= accepted_quantity",
            name="accepted_consistent",
        ),
        # Public lists filter by a few statuses and sort; these let both SQLite and
        # PostgreSQL walk an index in order instead of sorting every row.
        Index("ix_needs_status_published", "status", "published_at"),
        Index("ix_needs_published_at", "published_at", "id"),
        # Newest first over public needs only: the list never walks past drafts (NULLs).
        Index("ix_needs_public_newest", "published_at", "id",
              sqlite_where=text("published_at IS NOT NULL"), postgresql_where=text("published_at IS NOT NULL")),
        # and a ward's public needs newest first (the ward filter, and each ward's page)
        Index("ix_needs_public_ward_newest", "ward_id", "published_at", "id",
              sqlite_where=text("published_at IS NOT NULL"), postgresql_where=text("published_at IS NOT NULL")),
        # and a ward's needs of one status newest first (a ward's page: its open needs)
        Index("ix_needs_public_ward_status_newest", "ward_id", "status", "published_at", "id",
              sqlite_where=text("published_at IS NOT NULL"), postgresql_where=text("published_at IS NOT NULL")),
        # and a ward's needs of one theme and kind newest first, with their status: the list's
        # narrowest filter pages and counts (index-only) just its own needs, not the ward's
        # (migration f4b8d2e6a913).
        Index("ix_needs_public_ward_theme_kind_newest", "ward_id", "theme_id", "kind", "published_at", "id", "status",
              sqlite_where=text("published_at IS NOT NULL"), postgresql_where=text("published_at IS NOT NULL")),
        # Counting public needs (the lists' capped counts) from the index alone, never the rows:
        # each holds every column a filter of public_needs_query reads, led by the ward, the
        # theme, the kind or the status (still open: status, deadline, pledged_quantity, quantity).
        *(Index(f"ix_needs_public_{name}_counts", *columns, "published_at",
                sqlite_where=text("published_at IS NOT NULL"), postgresql_where=text("published_at IS NOT NULL"))
          for name, columns in PUBLIC_COUNT_INDEXES.items()),
        Index("ix_needs_deadline", "deadline", "id"),
        Index("ix_needs_remaining", "remaining_value_pence", "id"),
        Index("ix_needs_status_deadline", "status", "deadline", "pledged_quantity", "quantity"),
        Index("ix_needs_status_ward", "status", "ward_id", "deadline"),
        Index("ix_needs_status_theme", "status", "theme_id"),
        Index("ix_needs_status_kind", "status", "kind"),
        Index("ix_needs_status_remaining", "status", "remaining_value_pence"),
        Index("ix_needs_organisation_status", "organisation_id", "status"),
        # A group's needs published in a year (the annual report's diversity: engaged or not).
        Index("ix_needs_organisation_published", "organisation_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # The language the text above is in; empty: the council's default (models/core/translations.py).
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(String(40))
    value_pence: Mapped[int]
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id", ondelete="SET NULL"))  # None: borough-wide
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="RESTRICT"))
    beneficiaries: Mapped[int] = mapped_column(default=0)
    deadline: Mapped[date] = mapped_column(Date)
    photo_filename: Mapped[str | None] = mapped_column(String(64))
    photo_alt: Mapped[str | None] = mapped_column(String(250))
    status: Mapped[str] = mapped_column(String(20), default=NeedStatus.DRAFT.value)
    moderation_comment: Mapped[str | None] = mapped_column(Text)
    # Maintained by the pledge rules (accepted and confirmed quantities).
    pledged_quantity: Mapped[int] = mapped_column(default=0)
    accepted_quantity: Mapped[int] = mapped_column(default=0)
    delivered_quantity: Mapped[int] = mapped_column(default=0)
    # The value still needed, for "most still needed" across units (hours, £, items).
    remaining_value_pence: Mapped[int] = mapped_column(default=0)
    # A random token from the form: a double submit of "create" makes one need.
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    organisation: Mapped["Organisation"] = relationship()
    ward: Mapped["Ward | None"] = relationship()
    theme: Mapped["Theme"] = relationship()
    # Loaded with the needs in one query per batch: lists show each need in the reader's language.
    translations: Mapped[list["NeedTranslation"]] = relationship(
        back_populates="need", cascade="all, delete-orphan", lazy="selectin", order_by="NeedTranslation.locale"
    )

    @property
    def translation_class(self) -> type["NeedTranslation"]:
        return NeedTranslation

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS[self.status]

    @property
    def kind_label(self) -> str:
        return NeedKind(self.kind).label

    @property
    def remaining_quantity(self) -> int:
        return max(self.quantity - self.pledged_quantity, 0)

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def refresh_remaining_value(self) -> None:
        self.remaining_value_pence = self.value_pence * self.remaining_quantity // self.quantity if self.quantity else 0

    def percent(self, amount: int) -> int:
        return min(100, round(amount * 100 / self.quantity)) if self.quantity else 0

    def can_view(self, user: "User | None") -> bool:
        if self.is_public:
            return True
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return user.is_officer or self.organisation.is_member(user)

    def can_manage(self, user: "User | None") -> bool:
        """Members of the group that owns the need may change it."""
        return user is not None and getattr(user, "is_authenticated", False) and self.organisation.is_member(user)




class NeedTranslation(TranslationColumns, db.Model):
    """A need's title, summary and description in another of the council's languages."""

    __tablename__ = "need_translations"
    __table_args__ = (UniqueConstraint("need_id", "locale", name="uq_need_translations_locale"),)

    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"))
    need: Mapped[Need] = relationship(back_populates="translations")
