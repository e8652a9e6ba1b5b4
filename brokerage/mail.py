"""Email: after a commit that queued messages, enqueue their delivery."""

from __future__ import annotations

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from models.core.mail import EmailMessage

_listening = False


def _collect(session: Session, flush_context) -> None:
    for obj in session.new:
        if isinstance(obj, EmailMessage):
            session.info.setdefault("emails_to_deliver", []).append(obj.id)


def _deliver_after_commit(session: Session) -> None:
    ids = session.info.pop("emails_to_deliver", [])
    if not ids or not has_app_context() or "rq" not in current_app.extensions:
        return
    from brokerage.extensions import rq
    from workers.mail import deliver_email

    try:
        rq.enqueue_many(deliver_email, [(message_id,) for message_id in ids])
    except Exception:  # noqa: BLE001 - the rows are saved; requeue_stuck_email retries them
        current_app.logger.exception("Could not enqueue delivery of emails %s", ids)


def _forget(session: Session, *args) -> None:
    session.info.pop("emails_to_deliver", None)


def init_mail(app: Flask) -> None:
    global _listening
    if not _listening:
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _deliver_after_commit)
        event.listen(Session, "after_rollback", _forget)
        _listening = True
