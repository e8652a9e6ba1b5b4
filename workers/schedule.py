"""Periodic jobs, declared once. `flask worker` registers them with RQ's cron
scheduler at start; every job here is safe to run twice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from workers.digests import send_due_digests
from workers.imports import remove_stale_uploads
from workers.mail import requeue_stuck_email
from workers.maintenance import optimise_database
from workers.matching import match_all_commitments
from workers.needs import expire_needs
from workers.pending import enqueue_pending_jobs
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
    Periodic(remove_stale_uploads, "45 * * * *", "Remove uploaded files a day old (previews of imports nobody confirmed)"),
]


def register_periodic_jobs(scheduler) -> int:
    for periodic in PERIODIC_JOBS:
        scheduler.register(
            periodic.func,
            queue_name=periodic.queue,
            cron=periodic.cron,
            job_timeout=job_options(periodic.func).timeout,
            name=periodic.name,
        )
    return len(PERIODIC_JOBS)
