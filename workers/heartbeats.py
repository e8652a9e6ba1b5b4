"""What the worker processes tell Redis about themselves, for /readyz and the officers'
jobs page (brokerage/health.py):

- every RQ worker's heartbeat (brokerage/worker.py writes it each time RQ's own heartbeat
  goes: while idle every WORKER_HEARTBEAT_SECONDS, during a job every 30 seconds), in one
  sorted set scored by the time. It is written again on every heartbeat, so a Redis that
  restarted empty has it back at the next one;
- the cron's last run: the periodic job the cron scheduler last enqueued, and when
  (workers/cron.py).

Times are Unix timestamps from the writer's clock."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

WORKER_HEARTBEATS_KEY = "brokerage:health:workers"
CRON_LAST_RUN_KEY = "brokerage:health:cron"
KEEP_SECONDS = 24 * 3600  # heartbeats older than a day are dropped


def record_worker_heartbeat(connection, worker_name: str, at: float | None = None) -> None:
    """`connection` may be a pipeline (it is then executed by the caller)."""
    at = time.time() if at is None else at
    connection.zadd(WORKER_HEARTBEATS_KEY, {worker_name: at})
    connection.zremrangebyscore(WORKER_HEARTBEATS_KEY, "-inf", at - KEEP_SECONDS)
    connection.expire(WORKER_HEARTBEATS_KEY, KEEP_SECONDS)


def record_cron_run(connection, job_name: str, scheduled_for: float, at: float | None = None) -> None:
    at = time.time() if at is None else at
    connection.set(
        CRON_LAST_RUN_KEY, json.dumps({"job": job_name, "scheduled_for": scheduled_for, "at": at}), ex=KEEP_SECONDS
    )


@dataclass(frozen=True)
class WorkerHeartbeats:
    newest: float | None  # the newest heartbeat's time
    fresh: int  # workers with a heartbeat younger than the limit asked for


def worker_heartbeats(connection, max_age: float, now: float | None = None) -> WorkerHeartbeats:
    now = time.time() if now is None else now
    newest = connection.zrevrange(WORKER_HEARTBEATS_KEY, 0, 0, withscores=True)
    fresh = connection.zcount(WORKER_HEARTBEATS_KEY, now - max_age, "+inf")
    return WorkerHeartbeats(newest[0][1] if newest else None, int(fresh))


@dataclass(frozen=True)
class CronRun:
    job: str
    scheduled_for: float
    at: float


def cron_last_run(connection) -> CronRun | None:
    raw = connection.get(CRON_LAST_RUN_KEY)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return CronRun(str(data["job"]), float(data["scheduled_for"]), float(data["at"]))
    except (ValueError, KeyError, TypeError):
        return None
