"""Outgoing email as rows: written in the same transaction as the change that
causes it (nothing is lost if the process dies), delivered by a job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models import db, utcnow
from models.core.mail_headers import header_text


class EmailMessage(db.Model):
    __tablename__ = "email_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(48), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)  # queued, sent, failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]


def queue_email(
    to_address: str,
    subject: str,
    text_body: str,
    html_body: str | None = None,
    kind: str = "notification",
    headers: dict[str, Any] | None = None,
) -> EmailMessage:
    """Add a message to the current transaction; after commit a job delivers it.
    The subject and header values are kept on one line (a need's title with a line
    break in it must not break the email, nor add a header to it)."""
    message = EmailMessage(
        to_address=to_address,
        subject=header_text(subject)[:255],
        text_body=text_body,
        html_body=html_body,
        kind=kind,
        headers={name: header_text(value) for name, value in headers.items()} if headers else headers,
    )
    db.session.add(message)
    return message
