"""Periodic jobs, declared once. `flask worker` registers them with RQ's cron
scheduler at start; every job here is safe to run twice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from workers.mail import requeue_stuck_email
from workers.maintenance import optimise_database
from workers.matching import match_all_commitments
from workers.needs import expire_needs
from workers.registry import job_options
from workers.rounds import close_due_rounds


@dataclass(frozen=True)
class Periodic:
    func: Callable[..., Any]
    cron: str  # crontab syntax, UTC

    @property
    def queue(self) -> str:
        return job_options(self.func).queue


PERIODIC_JOBS = [
    Periodic(expire_needs, "5 * * * *"),  # hourly
    Periodic(requeue_stuck_email, "*/10 * * * *"),
    Periodic(optimise_database, "30 3 * * *"),  # nightly
    Periodic(close_due_rounds, "* * * * *"),  # every minute: rounds close on time
    Periodic(match_all_commitments, "0 2 * * *"),  # nightly: deadlines and due dates move every day
]


def register_periodic_jobs(scheduler) -> int:
    for periodic in PERIODIC_JOBS:
        scheduler.register(
            periodic.func,
            queue_name=periodic.queue,
            cron=periodic.cron,
            job_timeout=job_options(periodic.func).timeout,
            name=periodic.func.__name__,
        )
    return len(PERIODIC_JOBS)
