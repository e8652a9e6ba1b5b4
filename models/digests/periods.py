"""When digests go out and what each one covers. Pure: no Flask, no session (date rules only, no database).

A digest belongs to the calendar period it is sent in (its key: "2026-W48",
"2026-12", "2026-Q4"): one per person per period, whatever happens to the job.
It covers everything since the start of the previous period, so the one sent
on 1 December covers November. The hourly job sends from 07:00 UTC on the first
day of a period and keeps catching up for a few days after an outage; after
that, people still due wait for the next period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

FREQUENCIES = ("weekly", "monthly", "quarterly")
CHOICES = (*FREQUENCIES, "never")
LABELS = {
    "weekly": "Every week",
    "monthly": "Every month",
    "quarterly": "Every three months",
    "never": "Never",
}
SEND_HOUR = 7  # UTC
CATCH_UP_DAYS = {"weekly": 2, "monthly": 7, "quarterly": 14}


@dataclass(frozen=True)
class Period:
    frequency: str  # weekly, monthly, quarterly (newsletters are quarterly)
    key: str
    starts: datetime  # the start of the calendar period it is sent in
    since: datetime  # the start of the previous period: what it covers

    @property
    def label(self) -> str:
        """The issue, in words: "week of 23 November 2026", "December 2026", "October 2026"."""
        start = self.starts
        if self.frequency == "weekly":
            return f"week of {start.day} {start:%B %Y}"
        return f"{start:%B %Y}"

    @property
    def since_label(self) -> str:
        return f"{self.since.day} {self.since:%B %Y}"


def period_start(frequency: str, at: datetime) -> datetime:
    day = at.date()
    if frequency == "weekly":
        day = day - timedelta(days=day.weekday())
    elif frequency == "monthly":
        day = day.replace(day=1)
    elif frequency == "quarterly":
        day = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    else:
        raise ValueError(f"not a digest frequency: {frequency!r}")
    return datetime(day.year, day.month, day.day)


def previous_start(frequency: str, start: datetime) -> datetime:
    return period_start(frequency, start - timedelta(days=1))


def period_key(frequency: str, start: datetime) -> str:
    if frequency == "weekly":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if frequency == "monthly":
        return f"{start:%Y-%m}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def period_for(frequency: str, at: datetime) -> Period:
    start = period_start(frequency, at)
    return Period(frequency, period_key(frequency, start), start, previous_start(frequency, start))


def send_window_open(frequency: str, at: datetime) -> bool:
    """Scheduled sending: from 07:00 UTC on the period's first day, for a few days."""
    start = period_start(frequency, at) + timedelta(hours=SEND_HOUR)
    return start <= at < start + timedelta(days=CATCH_UP_DAYS[frequency])
