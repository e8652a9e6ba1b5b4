"""Needs past their deadline expire, and their groups are told."""

from __future__ import annotations

import os
from datetime import date

from flask import current_app

from models import Need, db, utcnow
from models.core.uploads import expired_pending_uploads
from models.needs.rules import expire_due_needs
from workers.notify import send_need_decision
from workers.registry import job


@job("default", timeout=600)
def expire_needs() -> int:
    """Run on a schedule; safe to run twice (an expired need is not published any more)."""
    expired = expire_due_needs(date.today())
    for need_id in expired:
        send_need_decision(db.session.get(Need, need_id))
    db.session.commit()
    return len(expired)


@job("low", timeout=600)
def remove_expired_pending_uploads() -> int:
    """Photos kept across a form's round trip (models/core/uploads.py) that were never
    attached, a day on: the row and its file go. Safe to run twice (a file already
    gone is no matter, and a removed row is not found again)."""
    folder = os.path.join(current_app.config["UPLOAD_DIR"], "photos")
    removed = 0
    for upload in expired_pending_uploads(utcnow()):
        name = upload.stored_name
        db.session.delete(upload)
        db.session.commit()  # the row first: a file is never removed while a row still offers it
        removed += 1
        if name and "/" not in name and "\\" not in name:
            try:
                os.remove(os.path.join(folder, name))
            except OSError:
                pass  # gone already
    return removed
