"""Delivering queued email: through SMTP when MAIL_SERVER is set, otherwise into
the outbox folder (instance/outbox/) that officers can read."""

from __future__ import annotations

import os
import smtplib
from datetime import datetime, timezone
from email.message import EmailMessage as MimeMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import select

from models import db, utcnow
from models.core.mail import EmailMessage
from models.core.mail_headers import OUTGOING, header_text, set_header
from workers.registry import enqueue, job

MAX_ATTEMPTS = 5


def build_mime(message: EmailMessage, sender: str) -> MimeMessage:
    """The message as sent (RFC 5322). Raises ValueError (or another error of the email
    package) for a message that cannot be written, such as an address with a line break."""
    mime = MimeMessage(policy=OUTGOING)
    mime["From"] = sender
    mime["To"] = message.to_address
    mime["Subject"] = header_text(message.subject)  # rows queued before subjects were kept on one line
    mime["Date"] = datetime.now(timezone.utc)  # written with +0000 (-0000 would mean "zone unknown")
    mime["Message-ID"] = make_msgid(idstring=f"m{message.id}")
    for name, value in (message.headers or {}).items():
        set_header(mime, name, value)
    mime.set_content(message.text_body)
    if message.html_body:
        mime.add_alternative(message.html_body, subtype="html")
    return mime


def _send_smtp(mime: MimeMessage) -> None:
    config = current_app.config
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(mime)


def _write_outbox(message: EmailMessage, mime: MimeMessage) -> None:
    folder = current_app.config["MAIL_OUTBOX_DIR"]
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{message.id:08d}.eml")
    with open(path, "wb") as handle:
        handle.write(bytes(mime))


@job("emails", timeout=60, retries=MAX_ATTEMPTS - 1, backoff=[30, 120, 600, 1800])
def deliver_email(message_id: int) -> str:
    """Send one queued message. Sending twice is prevented by a row lock on the message."""
    message = db.session.scalar(
        select(EmailMessage).where(EmailMessage.id == message_id).with_for_update()
    )
    if message is None:
        return "missing"
    if message.status == "sent":
        db.session.rollback()
        return "already sent"
    try:
        mime = build_mime(message, current_app.config["MAIL_DEFAULT_SENDER"])
    except Exception as error:  # noqa: BLE001 - building it again would fail again: say why, stop
        message.status = "failed"
        message.last_error = f"Could not build the message: {type(error).__name__}: {error}"[:2000]
        db.session.commit()
        current_app.logger.warning("Email %s cannot be built: %s", message_id, error)
        return "failed"
    message.attempts += 1
    try:
        if current_app.config["MAIL_SERVER"]:
            _send_smtp(mime)
        else:
            _write_outbox(message, mime)
    except (OSError, smtplib.SMTPException) as error:
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        message.status = "failed" if message.attempts >= MAX_ATTEMPTS else "queued"
        db.session.commit()
        raise
    message.status = "sent"
    message.sent_at = utcnow()
    message.last_error = None
    db.session.commit()
    return "sent"


@job("emails", timeout=300)
def requeue_stuck_email(older_than_minutes: int = 10) -> int:
    """Safety net, run on a schedule: queued messages whose delivery job was lost
    (Redis restarted, enqueue failed after commit) get a new one."""
    from datetime import timedelta

    from rq import get_current_job

    cutoff = utcnow() - timedelta(minutes=older_than_minutes)
    # Only messages never attempted: a message that failed is already waiting for
    # RQ's own retry, and enqueuing it again could send it twice.
    stuck = db.session.scalars(
        select(EmailMessage.id).where(
            EmailMessage.status == "queued", EmailMessage.attempts == 0, EmailMessage.created_at < cutoff
        )
    ).all()
    if not stuck:
        return 0
    current = get_current_job()
    if current is None:
        raise RuntimeError("requeue_stuck_email enqueues through Redis: run it as a job (the schedule does)")
    connection = current.connection
    for message_id in stuck:
        # As declared on deliver_email: its queue, timeout, retries and back-off.
        enqueue(connection, deliver_email, message_id)
    return len(stuck)
