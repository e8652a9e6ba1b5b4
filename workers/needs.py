"""Needs past their deadline expire, and their groups are told."""

from __future__ import annotations

from datetime import date

from models import Need, db
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
