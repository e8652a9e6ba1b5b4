"""Reporting periods of a contract. Pure: no Flask, no session.

A contract reports every 3, 6 or 12 months, from its start date: the first period starts
on the start date, each next one the same day of the month (or the month's last day) 3, 6
or 12 months later, and the last one is cut at the contract's end date. A return for a
period is due a number of days after the period ends."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

EVERY_MONTHS = (3, 6, 12)
LABELS = {3: "Quarterly", 6: "Half-yearly", 12: "Yearly"}
DUE_DAYS = 30  # after the period ends, by default


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # the last day in the period (inclusive)
    due: date  # the day the return is due

    @property
    def key(self) -> str:
        return self.start.isoformat()

    def ended(self, today: date) -> bool:
        return self.end < today

    def overdue(self, today: date) -> bool:
        return self.due < today

    @property
    def label(self) -> str:
        return f"{self.start.day} {self.start:%B %Y} to {self.end.day} {self.end:%B %Y}"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reporting_periods(start: date, end: date | None, every_months: int, until: date, due_days: int = DUE_DAYS) -> list[Period]:
    """The contract's periods that have started by `until` (all of them, when the contract
    ends first). Each period counts from the start date, never from the last period's end, so
    a start on the 31st stays on months' last days rather than drifting."""
    if every_months not in EVERY_MONTHS:
        raise ValueError(f"a contract reports every 3, 6 or 12 months, not {every_months}")
    periods: list[Period] = []
    index = 0
    while True:
        period_start = add_months(start, index * every_months)
        if period_start > until or (end is not None and period_start > end):
            return periods
        period_end = add_months(start, (index + 1) * every_months) - timedelta(days=1)
        if end is not None and period_end > end:
            period_end = end
        periods.append(Period(period_start, period_end, period_end + timedelta(days=due_days)))
        index += 1


def period_starting(periods: list[Period], start: date) -> Period | None:
    return next((period for period in periods if period.start == start), None)


def twelve_month_years(start: date, end: date | None, until: date) -> list[tuple[date, date]]:
    """The contract's 12-month years (start, last day) that have started by `until`: the
    periods a KPI is rated for and a performance assessment covers."""
    return [(period.start, period.end) for period in reporting_periods(start, end, 12, until, 0)]
