"""Supplier returns falling due: open a draft for each ended period, and remind the
supplier before the due date and once overdue (once each: models/returns/reminders.py)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from models import db
from models.returns.models import SupplierReturn
from models.returns.reminders import due_reminders, open_ended_periods
from workers.notify import external_url, month_year, send_templated
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

        def subject(overdue=reminder.kind == "overdue", contract=contract, supplier_return=supplier_return) -> str:
            words = dict(reference=contract.reference, month=month_year(supplier_return.period_start))
            if overdue:
                return _("Your return for %(reference)s, %(month)s, is overdue", **words)
            return _("Your return for %(reference)s, %(month)s, is due soon", **words)

        for membership in contract.supplier.members():
            send_templated(
                membership.user.email, "return_reminder", subject,
                kind=f"return_{reminder.kind}", user=membership.user, supplier_return=supplier_return,
                contract=contract, overdue=reminder.kind == "overdue",
                link=external_url("suppliers.supplier_return", return_id=supplier_return.id),
            )
    db.session.commit()
    return {"opened": opened, "reminders": len(reminders)}
