"""The audit trail: every state change records who, when, what, from and to."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, and_, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from models import db, utcnow

if TYPE_CHECKING:
    from models.people.accounts import User


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_subject", "subject_type", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor: Mapped["User | None"] = relationship(foreign_keys=[actor_id])

    @property
    def actor_label(self) -> str:
        # A missing actor is the system (a scheduled job) or a deleted account.
        return self.actor.name if self.actor is not None else "System or deleted account"


def record_event(
    action: str,
    subject: Any,
    actor: "User | None" = None,
    from_state: str | None = None,
    to_state: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Event:
    """Add an audit event to the current transaction (it commits with the change)."""
    if subject.id is None:
        db.session.flush()
    event = Event(
        action=action,
        subject_type=subject.__tablename__,
        subject_id=str(subject.id),
        actor_id=actor.id if actor is not None else None,
        from_state=from_state,
        to_state=to_state,
        detail=detail,
    )
    db.session.add(event)
    return event


def events_for(*subjects: Any, limit: int = 50) -> list[Event]:
    """The audit trail of these subjects together, newest first, with who did each
    (one query): one subject's history, or a contract's with its commitments'."""
    ids: dict[str, list[str]] = {}
    for subject in subjects:
        ids.setdefault(subject.__tablename__, []).append(str(subject.id))
    if not ids:
        return []
    condition = or_(
        *(and_(Event.subject_type == table, Event.subject_id.in_(subject_ids)) for table, subject_ids in ids.items())
    )
    return list(
        db.session.scalars(
            select(Event).options(selectinload(Event.actor)).where(condition).order_by(Event.id.desc()).limit(limit)
        )
    )
