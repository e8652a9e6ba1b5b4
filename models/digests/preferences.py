"""Digests: each person's choice of how often and about which wards and themes,
and the dispatch records that make sending idempotent.

A person without saved preferences gets the default: monthly if they belong to
a verified community group or supplier, never for everyone else (residents opt
in). A dispatch row is unique per (person, kind, period): a retried or
restarted job finds it and does not send again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
    and_,
    exists,
    false,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import DomainError, db, utcnow
from models.digests.periods import CHOICES, FREQUENCIES
from models.core.events import record_event

if TYPE_CHECKING:
    from models.people.accounts import User
    from models.core.mail import EmailMessage
    from models.places.wards import Ward
    from models.places.themes import Theme

DEFAULT_FOR_MEMBERS = "monthly"
NEWSLETTER = "newsletter"
KINDS = (*(f"{frequency}_digest" for frequency in FREQUENCIES), NEWSLETTER)
REMINDERS = "reminders"
LISTS = ("digest", NEWSLETTER, REMINDERS)  # what an unsubscribe link can stop


def digest_kind(frequency: str) -> str:
    return f"{frequency}_digest"


digest_preference_wards = Table(
    "digest_preference_wards",
    db.metadata,
    Column("preference_id", ForeignKey("digest_preferences.id", ondelete="CASCADE"), primary_key=True),
    Column("ward_id", ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True),
)
digest_preference_themes = Table(
    "digest_preference_themes",
    db.metadata,
    Column("preference_id", ForeignKey("digest_preferences.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class DigestPreference(db.Model):
    __tablename__ = "digest_preferences"
    __table_args__ = (
        UniqueConstraint("user_id", name="uq_digest_preferences_user"),
        CheckConstraint("frequency IN ('weekly', 'monthly', 'quarterly', 'never')", name="frequency_known"),
        Index("ix_digest_preferences_frequency", "frequency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    frequency: Mapped[str] = mapped_column(String(16))
    newsletter: Mapped[bool] = mapped_column(default=True)  # suppliers' quarterly newsletter
    # Residents who asked to be reminded when their ward's vote opens and before it closes.
    vote_reminders: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    wards: Mapped[list["Ward"]] = relationship(secondary=digest_preference_wards, order_by="Ward.name")
    themes: Mapped[list["Theme"]] = relationship(secondary=digest_preference_themes, order_by="Theme.position")


class DigestDispatch(db.Model):
    """One digest or newsletter for one person for one period: sent once."""

    __tablename__ = "digest_dispatches"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "period_key", name="uq_digest_dispatches_user_kind_period"),
        CheckConstraint(
            "kind IN ('weekly_digest', 'monthly_digest', 'quarterly_digest', 'newsletter')", name="kind_known"
        ),
        CheckConstraint("status IN ('queued', 'empty')", name="status_known"),
        Index("ix_digest_dispatches_kind_period", "kind", "period_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    period_key: Mapped[str] = mapped_column(String(16))
    # queued: the message is in the outbox table; empty: nothing to say this time.
    status: Mapped[str] = mapped_column(String(8))
    email_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("email_messages.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    email_message: Mapped["EmailMessage | None"] = relationship()


# ---------------------------------------------------------------- preferences


@dataclass(frozen=True)
class Preferences:
    frequency: str
    ward_ids: tuple[int, ...]
    theme_ids: tuple[int, ...]
    newsletter: bool
    saved: bool  # False: the defaults, never chosen


def _verified_membership(kind: str | None = None):
    from models.people.accounts import User
    from models.people.organisations import Membership, Organisation

    conditions = [
        Membership.user_id == User.id,
        Organisation.id == Membership.organisation_id,
        Organisation.status == "verified",
    ]
    if kind is not None:
        conditions.append(Organisation.kind == kind)
    return exists().where(*conditions)


def belongs_to_verified_organisation(user: "User", kind: str | None = None) -> bool:
    from models.people.accounts import User

    return bool(db.session.scalar(select(_verified_membership(kind)).where(User.id == user.id)))


def default_frequency(is_member: bool) -> str:
    """Monthly for members of groups and suppliers; residents opt in."""
    return DEFAULT_FOR_MEMBERS if is_member else "never"


def preference_row(user_id: int) -> DigestPreference | None:
    return db.session.scalar(select(DigestPreference).where(DigestPreference.user_id == user_id))


def preferences_for(user: "User") -> Preferences:
    row = preference_row(user.id)
    if row is None:
        return Preferences(
            frequency=default_frequency(belongs_to_verified_organisation(user)),
            ward_ids=(),  # none chosen: the person's own ward
            theme_ids=(),
            newsletter=True,
            saved=False,
        )
    return Preferences(
        frequency=row.frequency,
        ward_ids=tuple(ward.id for ward in row.wards),
        theme_ids=tuple(theme.id for theme in row.themes),
        newsletter=row.newsletter,
        saved=True,
    )


def _row_for(user: "User") -> tuple[DigestPreference, Preferences]:
    """The person's preference row, made from the defaults the first time. Two
    requests at once (a double click, a mail provider's retried one-click) both
    try to make it: the unique constraint lets one, the other uses that row."""
    before = preferences_for(user)
    row = preference_row(user.id)
    if row is None:
        try:
            with db.session.begin_nested():
                row = DigestPreference(user_id=user.id, frequency=before.frequency, newsletter=before.newsletter)
                db.session.add(row)
        except IntegrityError:
            row = db.session.scalars(
                select(DigestPreference).where(DigestPreference.user_id == user.id).with_for_update()
            ).one()
    return row, before


def save_preferences(
    user: "User", frequency: str, ward_ids: Iterable[int], theme_ids: Iterable[int], newsletter: bool
) -> DigestPreference:
    from models.places.wards import Ward
    from models.places.themes import Theme

    if frequency not in CHOICES:
        raise DomainError("Choose how often you want an email", "frequency")
    wards = db.session.scalars(select(Ward).where(Ward.id.in_(set(ward_ids)))).all() if ward_ids else []
    themes = db.session.scalars(select(Theme).where(Theme.id.in_(set(theme_ids)))).all() if theme_ids else []
    if len(wards) != len(set(ward_ids)):
        raise DomainError("Choose wards from the list", "ward_ids")
    if len(themes) != len(set(theme_ids)):
        raise DomainError("Choose themes from the list", "theme_ids")
    row, before = _row_for(user)
    row.frequency = frequency
    row.newsletter = bool(newsletter)
    row.wards = list(wards)
    row.themes = list(themes)
    row.updated_at = utcnow()
    record_event(
        "digest.preferences_changed",
        row,
        actor=user,
        from_state=before.frequency,
        to_state=frequency,
        detail={"wards": len(wards), "themes": len(themes), "newsletter": row.newsletter},
    )
    return row


def unsubscribe(user: "User", list_name: str) -> bool:
    """Stop the digest or the newsletter (from a signed link). True if it changed anything."""
    if list_name not in LISTS:
        raise DomainError("That is not a list we send")
    row, before = _row_for(user)
    if list_name == REMINDERS:
        return set_vote_reminders(user, False)
    if list_name == NEWSLETTER:
        if not row.newsletter:
            return False
        row.newsletter = False
        record_event("newsletter.unsubscribed", row, actor=user, from_state="subscribed", to_state="unsubscribed")
        return True
    if row.frequency == "never":
        return False
    row.frequency = "never"
    record_event("digest.unsubscribed", row, actor=user, from_state=before.frequency, to_state="never")
    return True


def wants_vote_reminders(user: "User") -> bool:
    row = preference_row(user.id)
    return bool(row is not None and row.vote_reminders)


def set_vote_reminders(user: "User", wanted: bool) -> bool:
    """Opt in to (or out of) reminders to vote in your ward. True if it changed anything."""
    row, _ = _row_for(user)
    if row.vote_reminders == bool(wanted):
        return False
    row.vote_reminders = bool(wanted)
    record_event(
        "vote_reminders.opted_in" if wanted else "vote_reminders.opted_out", row, actor=user,
        from_state="off" if wanted else "on", to_state="on" if wanted else "off",
    )
    return True


# ---------------------------------------------------------------- who is due


def _not_sent(kind: str, key: str):
    from models.people.accounts import User

    return ~exists().where(
        DigestDispatch.user_id == User.id, DigestDispatch.kind == kind, DigestDispatch.period_key == key
    )


def due_recipients(frequency: str, key: str, after_id: int = 0, limit: int = 500) -> list[int]:
    """People (with confirmed addresses) who chose this frequency, or have it by
    default, and have no dispatch for this period yet; in id order, one page."""
    from models.people.accounts import User

    chose = DigestPreference.frequency == frequency
    if frequency == DEFAULT_FOR_MEMBERS:
        chose = or_(chose, and_(DigestPreference.id.is_(None), _verified_membership()))
    query = (
        select(User.id)
        .outerjoin(DigestPreference, DigestPreference.user_id == User.id)
        .where(User.email_verified_at.is_not(None), User.id > after_id, chose, _not_sent(digest_kind(frequency), key))
        .order_by(User.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def newsletter_recipients(key: str, after_id: int = 0, limit: int = 500) -> list[int]:
    """Members of verified suppliers who have not turned the newsletter off."""
    from models.people.accounts import User

    query = (
        select(User.id)
        .outerjoin(DigestPreference, DigestPreference.user_id == User.id)
        .where(
            User.email_verified_at.is_not(None),
            User.id > after_id,
            _verified_membership("supplier"),
            or_(DigestPreference.id.is_(None), DigestPreference.newsletter.is_(True)),
            _not_sent(NEWSLETTER, key),
        )
        .order_by(User.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def still_due(user_ids: Iterable[int], kind: str, key: str) -> list[int]:
    """Of these people, those with no dispatch for the period (after a concurrent run)."""
    ids = list(user_ids)
    sent = set(
        db.session.scalars(
            select(DigestDispatch.user_id).where(
                DigestDispatch.user_id.in_(ids), DigestDispatch.kind == kind, DigestDispatch.period_key == key
            )
        )
    )
    return [user_id for user_id in ids if user_id not in sent]
