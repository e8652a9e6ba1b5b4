"""Periodic jobs, declared once. `flask worker` registers them with RQ's cron
scheduler at start (workers/cron.py: each runs once per scheduled time, however many
workers run the cron); every job here is safe to run twice all the same.

PERIODIC_SCHEDULE (the environment) can give any of them another time:
"match_all_commitments=0 1 * * *;optimise_database=45 3 * * *". A sixth field is
seconds ("* * * * * */5": every five seconds), which the tests use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from workers.digests import send_due_digests
from workers.ideas import send_vote_reminders
from workers.imports import remove_stale_uploads
from workers.mail import requeue_stuck_email
from workers.maintenance import optimise_database
from workers.matching import match_all_commitments
from workers.needs import expire_needs, remove_expired_pending_uploads
from workers.pending import enqueue_pending_jobs
from workers.returns import remind_returns
from workers.registry import job_options
from workers.rounds import close_due_rounds


@dataclass(frozen=True)
class Periodic:
    func: Callable[..., Any]
    cron: str  # crontab syntax, in the worker's local time (UTC on servers)
    description: str = ""

    @property
    def queue(self) -> str:
        return job_options(self.func).queue

    @property
    def name(self) -> str:
        return self.func.__name__


PERIODIC_JOBS = [
    Periodic(enqueue_pending_jobs, "* * * * *", "Enqueue jobs kept in the database while Redis was unreachable"),
    Periodic(requeue_stuck_email, "*/10 * * * *", "Give queued email whose delivery job was lost a new one"),
    Periodic(expire_needs, "5 * * * *", "Expire needs past their deadline and tell their groups"),
    Periodic(
        send_due_digests,
        "15 * * * *",
        "Send digests and the suppliers' newsletter to everyone due one (from 07:00 UTC on the first day of each "
        "week, month and quarter, catching up for a few days)",
    ),
    Periodic(optimise_database, "30 3 * * *", "Refresh the database's statistics (nightly)"),
    Periodic(close_due_rounds, "* * * * *", "Close ward votes whose time is up and count them"),
    Periodic(match_all_commitments, "0 2 * * *", "Rematch every commitment (deadlines and due dates move every day)"),
    Periodic(
        send_vote_reminders, "20 * * * *",
        "Remind residents who asked that their ward's vote is open, and two days before it closes (each once)",
    ),
    Periodic(remove_stale_uploads, "45 * * * *", "Remove uploaded files a day old (previews of imports nobody confirmed)"),
    Periodic(remind_returns, "0 8 * * *", "Open supplier returns for ended periods; remind suppliers before they are due and when overdue"),
    Periodic(
        remove_expired_pending_uploads,
        "50 * * * *",
        "Remove photos kept across a need's or story's preview that were never attached, a day on",
    ),
]


def parse_schedule(text: str | None) -> dict[str, str]:
    """PERIODIC_SCHEDULE: `name=cron` pairs separated by `;`. Raises ValueError naming
    what is wrong (a job that is not periodic, a time that is not crontab syntax)."""
    from croniter import croniter

    names = {periodic.name for periodic in PERIODIC_JOBS}
    schedule: dict[str, str] = {}
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        name, equals, cron = part.partition("=")
        name, cron = name.strip(), " ".join(cron.split())
        if not equals:
            raise ValueError(f"PERIODIC_SCHEDULE: {part.strip()!r} is not a job and a time, such as 'expire_needs=5 * * * *'")
        if name not in names:
            raise ValueError(f"PERIODIC_SCHEDULE: {name or part.strip()!r} is not a periodic job ({', '.join(sorted(names))})")
        if not croniter.is_valid(cron):
            raise ValueError(f"PERIODIC_SCHEDULE: {cron!r} for {name} is not a crontab time such as '15 * * * *'")
        schedule[name] = cron
    return schedule


def effective_jobs(text: str | None = None) -> list[Periodic]:
    """The periodic jobs with the times PERIODIC_SCHEDULE gives them."""
    schedule = parse_schedule(text)
    return [Periodic(periodic.func, schedule.get(periodic.name, periodic.cron), periodic.description) for periodic in PERIODIC_JOBS]


def register_periodic_jobs(scheduler, schedule: str | None = None) -> int:
    jobs = effective_jobs(schedule)
    for periodic in jobs:
        scheduler.register(
            periodic.func,
            queue_name=periodic.queue,
            cron=periodic.cron,
            job_timeout=job_options(periodic.func).timeout,
            name=periodic.name,
        )
    return len(jobs)
