"""How a job declares its queue, timeout and retries where it is defined, and the one way
a declared job is enqueued with them (`enqueue`): the app's `rq.enqueue`
(brokerage/jobs.py), the pending-jobs sweeper and jobs that enqueue other jobs all go
through it, so no enqueue drops a job's retries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from redis import Redis
from rq import Queue, Retry
from rq.job import Job


@dataclass(frozen=True)
class JobOptions:
    queue: str = "default"
    timeout: int = 180
    retry: Retry | None = None


def job(queue: str = "default", timeout: int = 180, retries: int = 0, backoff: list[int] | None = None):
    """Mark a function as an RQ job. Jobs take ids, reload rows, and are safe to run twice."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        retry = Retry(max=retries, interval=backoff or [10, 60, 300]) if retries else None
        func.job_options = JobOptions(queue=queue, timeout=timeout, retry=retry)  # type: ignore[attr-defined]
        return func

    return decorate


def job_options(func: Callable[..., Any]) -> JobOptions:
    return getattr(func, "job_options", JobOptions())


def enqueue(
    connection: Redis,
    func: Callable[..., Any],
    *args: Any,
    job_id: str | None = None,
    queue: str | None = None,
    is_async: bool = True,
    **kwargs: Any,
) -> Job:
    """Put a declared job on its queue (or `queue`) with its declared timeout and retries."""
    options = job_options(func)
    return Queue(queue or options.queue, connection=connection, is_async=is_async).enqueue(
        func,
        *args,
        job_id=job_id,
        job_timeout=options.timeout,
        retry=options.retry,
        **kwargs,
    )


def enqueue_many(connection: Redis, func: Callable[..., Any], calls: list[tuple], is_async: bool = True) -> list[Job]:
    """One declared job a call (each call a tuple of arguments), put on its queue in one
    Redis transaction: a batch of a digest run's emails costs one round trip, not one each.
    All or none are enqueued."""
    if not is_async:  # run now, one after another, as enqueue does
        return [enqueue(connection, func, *args, is_async=False) for args in calls]
    options = job_options(func)
    queue = Queue(options.queue, connection=connection)
    with connection.pipeline() as pipe:
        jobs = queue.enqueue_many(
            [Queue.prepare_data(func, list(args), timeout=options.timeout, retry=options.retry) for args in calls],
            pipeline=pipe,
        )
        pipe.execute()
    return jobs
