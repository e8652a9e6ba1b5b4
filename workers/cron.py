"""RQ's cron scheduler, once per scheduled time however many run.

Every `flask worker` runs a cron process (the Procfile scales workers), and each of them
wakes at every scheduled time of every periodic job. Before enqueueing, a process claims
that job's time in Redis (`SET NX`, keyed by the job's name and the scheduled time, which
every process computes alike from the crontab line): the first claim wins and enqueues
the job; the others move on to the next time. The job carries the time it was scheduled
for (`job.meta["scheduled_for"]`, ISO 8601 UTC), and the winner records the cron's last
run for /readyz (workers/heartbeats.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from rq.cron import CronJob, CronScheduler
from rq.utils import now

from workers.heartbeats import record_cron_run

CLAIM_PREFIX = "brokerage:cron:claim:"
CLAIM_SECONDS = 24 * 3600  # longer than any process could wake late for one time


def claim_key(job_name: str, scheduled_for: datetime) -> str:
    return f"{CLAIM_PREFIX}{job_name}:{scheduled_for.timestamp():.0f}"


def claim(connection, job_name: str, scheduled_for: datetime) -> bool:
    """True for the first process to claim this job's scheduled time, False for the rest."""
    return bool(connection.set(claim_key(job_name, scheduled_for), "1", nx=True, ex=CLAIM_SECONDS))


class OncePerScheduleCronScheduler(CronScheduler):
    def enqueue_jobs(self) -> list[CronJob]:
        enqueue_time = now()
        enqueued: list[CronJob] = []
        for cron_job in self._cron_jobs:
            if not cron_job.should_run():
                continue
            scheduled_for = (cron_job.next_enqueue_time or enqueue_time).astimezone(timezone.utc)
            if claim(self.connection, cron_job.name, scheduled_for):
                cron_job.job_options["meta"] = {"scheduled_for": scheduled_for.isoformat()}
                try:
                    cron_job.enqueue(self.connection)
                except Exception:
                    # Not enqueued: let a process that is still connected take this time.
                    try:
                        self.connection.delete(claim_key(cron_job.name, scheduled_for))
                    except Exception:  # noqa: BLE001 - the claim expires by itself
                        pass
                    raise
                cron_job.set_enqueue_time(enqueue_time)
                record_cron_run(self.connection, cron_job.name, scheduled_for.timestamp())
                enqueued.append(cron_job)
            else:
                # Another process has enqueued it for this time: wait for the next one,
                # without claiming to have enqueued it (latest_enqueue_time stays).
                self.log.debug("Cron %s for %s already enqueued by another process", cron_job.name, scheduled_for)
                latest = cron_job.latest_enqueue_time
                cron_job.latest_enqueue_time = enqueue_time
                cron_job.next_enqueue_time = cron_job.get_next_enqueue_time()
                cron_job.latest_enqueue_time = latest
        return enqueued
