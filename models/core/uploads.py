"""Photos chosen on a form that went round again (a preview, a mistake to correct):
kept as a pending upload owned by the person, so the photo is not lost, and attached
when the form is finally sent. Only its owner can use one; the periodic job
workers/needs.remove_expired_pending_uploads removes those left behind."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from models import db, utcnow

if TYPE_CHECKING:
    from models.people.accounts import User

PENDING_UPLOAD_HOURS = 24


class PendingUpload(db.Model):
    __tablename__ = "pending_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64))  # the checked, re-encoded file under uploads/photos
    original_name: Mapped[str] = mapped_column(String(255))  # as the person's computer called it
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def keep_pending_upload(user: "User", stored_name: str, original_name: str) -> PendingUpload:
    name = (original_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "photo"
    upload = PendingUpload(user_id=user.id, stored_name=stored_name, original_name=name)
    db.session.add(upload)
    db.session.flush()
    return upload


def pending_upload_for(user: "User", upload_id: object) -> PendingUpload | None:
    """The pending upload with this id (as the form's hidden field sent it), if it is this
    person's own; anyone else's, or nonsense, is None."""
    text = str(upload_id or "").strip()
    if not text.isdigit() or len(text) > 12 or not getattr(user, "is_authenticated", False):
        return None
    upload = db.session.get(PendingUpload, int(text))
    return upload if upload is not None and upload.user_id == user.id else None


def claim_pending_upload(upload: PendingUpload) -> str:
    """The file now belongs to what it is attached to: the row goes, the file stays."""
    db.session.delete(upload)
    return upload.stored_name


def expired_pending_uploads(now: datetime, max_age_hours: int = PENDING_UPLOAD_HOURS) -> list[PendingUpload]:
    return list(
        db.session.scalars(
            select(PendingUpload).where(PendingUpload.created_at < now - timedelta(hours=max_age_hours)).limit(1000)
        )
    )
