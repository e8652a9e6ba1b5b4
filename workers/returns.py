"""Supplier returns falling due: open a draft for each ended period, and remind the
supplier before the due date and once overdue (once each: models/returns/reminders.py)."""

from __future__ import annotations

from datetime import date

from models import db
from models.returns.models import SupplierReturn
from models.returns.reminders import due_reminders, open_ended_periods
from workers.notify import external_url, send_templated
from workers.registry import job


@job("default", timeout=600)
def remind_returns() -> dict[str, int]:
    """Run daily; safe to run twice (a reminder's unique row is written with its emails)."""
    today = date.today()
    opened = open_ended_periods(today)
    reminders = due_reminders(today)
    for reminder in reminders:
        supplier_return = db.session.get(SupplierReturn, reminder.return_id)
        contract = supplier_return.contract
        words = "is overdue" if reminder.kind == "overdue" else "is due soon"
        for membership in contract.supplier.members():
            send_templated(
                membership.user.email, "return_reminder",
                f"Your return for {contract.reference}, {supplier_return.period_start:%B %Y}, {words}",
                kind=f"return_{reminder.kind}", user=membership.user, supplier_return=supplier_return,
                contract=contract, overdue=reminder.kind == "overdue",
                link=external_url("suppliers.supplier_return", return_id=supplier_return.id),
            )
    db.session.commit()
    return {"opened": opened, "reminders": len(reminders)}
