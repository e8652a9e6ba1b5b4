"""Returns that fall due: each ended period gets a draft return to fill in (so an overdue
one shows on the officers' work queue), and its supplier a reminder before it is due and
another once it is overdue: each once per return and kind, held by a unique row
(ReturnReminder) written in the same transaction as the emails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from models import db
from models.contracts.models import Commitment, Contract
from models.core.events import record_event
from models.core.settings import get_int_setting
from models.places.themes import Measure
from models.returns.models import ReturnReminder, SupplierReturn
from models.returns.schedule import contract_periods

REMIND_DAYS = 14  # before the due date, unless the council's settings say otherwise
REMIND_DAYS_KEY = "return_remind_days"


def remind_days() -> int:
    return get_int_setting(REMIND_DAYS_KEY, REMIND_DAYS)


def contracts_with_returns():
    """Contracts with a start date and an approved commitment delivered through returns."""
    return select(Contract).where(
        Contract.start_date.is_not(None),
        exists().where(
            Commitment.contract_id == Contract.id, Commitment.state == "approved", Measure.id == Commitment.measure_id,
            Measure.delivered_through != "needs",
        ),
    ).order_by(Contract.id)


def open_ended_periods(today: date) -> int:
    """A draft return for each ended period that has none yet. Returns how many were opened."""
    opened = 0
    for contract in db.session.scalars(contracts_with_returns()):
        started = set(db.session.scalars(select(SupplierReturn.period_start).where(SupplierReturn.contract_id == contract.id)))
        for period in contract_periods(contract, today):
            if period.ended(today) and period.start not in started:
                made = SupplierReturn(contract_id=contract.id, period_start=period.start, period_end=period.end,
                                      due_date=period.due, version=1, state="draft")
                db.session.add(made)
                db.session.flush()
                record_event("return.opened", made, to_state="draft", detail={"due": period.due.isoformat()})
                opened += 1
    return opened


@dataclass(frozen=True)
class Reminder:
    return_id: int
    kind: str  # due_soon, overdue


def due_reminders(today: date) -> list[Reminder]:
    """Claim the reminders due today: each open return due within the reminder window
    (due_soon) or past its due date (overdue) whose reminder of that kind was not sent. The
    claim is a unique row; a return already reminded is skipped."""
    claimed: list[Reminder] = []
    rows = db.session.scalars(
        select(SupplierReturn).where(
            SupplierReturn.state.in_(("draft", "queried")),
            SupplierReturn.due_date <= today + timedelta(days=remind_days()),
        ).order_by(SupplierReturn.due_date, SupplierReturn.id)
    ).all()
    for supplier_return in rows:
        kind = "overdue" if supplier_return.due_date < today else "due_soon"
        try:
            with db.session.begin_nested():
                db.session.add(ReturnReminder(contract_id=supplier_return.contract_id,
                                              period_start=supplier_return.period_start, kind=kind))
        except IntegrityError:
            continue
        record_event("return.reminder", supplier_return, to_state=supplier_return.state, detail={"kind": kind})
        claimed.append(Reminder(supplier_return.id, kind))
    return claimed
