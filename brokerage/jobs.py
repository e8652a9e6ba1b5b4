"""One way to enqueue: a small Flask extension around RQ.

Jobs declare their queue and timeout where they are defined (workers/registry.py).
A rule's follow-up jobs (count a closed round, rematch a commitment) are registered by
the rule itself (models.core.outbox.enqueue_after_commit) and enqueued here right after
the transaction commits, in the web process and in workers alike; a view or the CLI that
starts a job of its own calls `rq.enqueue(job_function, *ids)` after its commit. When
Redis cannot be reached, the job waits in the `pending_jobs` table, the request carries
on, and the sweeper (workers/pending.py) enqueues it once Redis is back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from workers.registry import enqueue, enqueue_many, job_options

QUEUES = ("high", "default", "emails", "low")
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)


class RQ:
    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.extensions["rq"] = {"connection": None, "url": None}
        _listen_for_commits()

    @property
    def connection(self) -> Redis:
        state = current_app.extensions["rq"]
        url = current_app.config["REDIS_URL"]
        if state["connection"] is None or state["url"] != url:
            # A short connect timeout: a request must not hang on an unreachable Redis.
            state["connection"] = Redis.from_url(url, socket_connect_timeout=5)
            state["url"] = url
        return state["connection"]

    def queue(self, name: str = "default") -> Queue:
        return Queue(name, connection=self.connection, is_async=current_app.config["RQ_ASYNC"])

    def enqueue(self, func: Callable[..., Any], *args: Any, job_id: str | None = None, **kwargs: Any) -> Job | None:
        """Enqueue the job; if Redis is unreachable, keep it in `pending_jobs` and return None."""
        try:
            return enqueue(
                self.connection, func, *args, job_id=job_id, is_async=current_app.config["RQ_ASYNC"], **kwargs
            )
        except REDIS_DOWN as error:
            _keep_pending(func, args, kwargs, job_id, error)
            return None

    def enqueue_many(self, func: Callable[..., Any], calls: list[tuple]) -> list[Job]:
        """One job a call, all in one round trip to Redis; if Redis is unreachable, every one
        waits in `pending_jobs` as with `enqueue`, and none is enqueued twice."""
        try:
            return enqueue_many(self.connection, func, calls, is_async=current_app.config["RQ_ASYNC"])
        except REDIS_DOWN as error:
            for args in calls:
                _keep_pending(func, args, {}, None, error)
            return []


def _keep_pending(func: Callable[..., Any], args: tuple, kwargs: dict[str, Any], job_id: str | None, error: Exception) -> None:
    from models.core.outbox import save_pending_job

    pending_id = save_pending_job(
        f"{func.__module__}.{func.__name__}",
        list(args),
        kwargs,
        job_options(func).queue,
        job_id,
        f"{type(error).__name__}: {error}",
    )
    current_app.logger.warning(
        "Redis unreachable: %s kept as pending job %s until it can be enqueued", func.__name__, pending_id
    )


# ---------------------------------------------------------------- rules' follow-up jobs

_listening = False


def _enqueue_committed_jobs(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    from models.core.outbox import committed_jobs

    ids = committed_jobs(session)
    if not ids or not has_app_context() or "rq" not in current_app.extensions:
        return  # the rows stay in the outbox for the sweeper
    from brokerage.extensions import rq
    from workers.pending import enqueue_committed

    try:
        enqueue_committed(rq.connection, ids)
    except REDIS_DOWN as error:
        current_app.logger.warning("Redis unreachable: %s job(s) kept in the outbox until it can be enqueued (%s)", len(ids), error)
    except Exception:  # noqa: BLE001 - the change is committed; the sweeper enqueues what is left
        current_app.logger.exception("Could not enqueue follow-up jobs %s", ids)


def _forget_jobs(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: rolled back, or drained above
        from models.core.outbox import forget_jobs

        forget_jobs(session)


def _listen_for_commits() -> None:
    global _listening
    if not _listening:
        event.listen(Session, "after_commit", _enqueue_committed_jobs)
        event.listen(Session, "after_transaction_end", _forget_jobs)
        _listening = True


# ---------------------------------------------------------------- what officers see


@dataclass(frozen=True)
class JobRef:
    """A job as the subject of an audit event (jobs live in Redis, not in a table)."""

    id: str
    __tablename__ = "rq_jobs"


@dataclass(frozen=True)
class QueueCounts:
    name: str
    queued: int
    running: int
    scheduled: int  # waiting to retry after a failure
    failed: int


@dataclass(frozen=True)
class JobSummary:
    id: str
    queue: str
    function: str
    args: str
    at: datetime | None
    error: str


def _summary(job: Job, queue: str, at: datetime | None, with_error: bool = False) -> JobSummary:
    error = ""
    if with_error:
        result = job.latest_result()
        lines = (result.exc_string or "").strip().splitlines() if result is not None else []
        error = lines[-1] if lines else ""
    arguments = ", ".join(repr(arg) for arg in job.args or ())
    return JobSummary(job.id, queue, (job.func_name or "").rsplit(".", 1)[-1], arguments[:200], at, error[:500])


def queue_overview(connection: Redis, limit: int = 50) -> tuple[list[QueueCounts], list[JobSummary], list[JobSummary]]:
    """Per queue counts, the running jobs and the failed jobs (newest first)."""
    counts, running, failed = [], [], []
    for name in QUEUES:
        queue = Queue(name, connection=connection)
        started = StartedJobRegistry(name, connection=connection)
        failures = FailedJobRegistry(name, connection=connection)
        counts.append(
            QueueCounts(name, queue.count, started.count, ScheduledJobRegistry(name, connection=connection).count, failures.count)
        )
        for job in Job.fetch_many(started.get_job_ids(0, limit - 1), connection=connection):
            if job is not None:
                running.append(_summary(job, name, job.started_at))
        for job in Job.fetch_many(failures.get_job_ids(0, limit - 1, desc=True), connection=connection):
            if job is not None:
                failed.append(_summary(job, name, job.ended_at, with_error=True))
    failed.sort(key=lambda summary: summary.at or datetime.min, reverse=True)
    return counts, running, failed[:limit]


def retry_failed_job(connection: Redis, queue: str, job_id: str) -> JobSummary | None:
    """Put a failed job back on its queue; None when it is not (or no longer) failed there."""
    if queue not in QUEUES:
        return None
    registry = FailedJobRegistry(queue, connection=connection)
    try:
        job = registry.requeue(job_id)
    except (InvalidJobOperation, NoSuchJobError):
        return None
    return _summary(job, queue, None)
