"""Emptying the outbox (`pending_jobs`, models/core/outbox.py) onto the RQ queues.

- `enqueue_committed`: right after a transaction commits, the follow-up jobs its rules
  registered (the app calls it from an after-commit hook, brokerage/jobs.py);
- the sweeper (`enqueue_pending`): everything still waiting, oldest first: jobs kept
  while Redis was unreachable, and follow-ups whose process stopped before enqueuing
  them. Run every minute and when a worker starts.

Each row is deleted only once its job is enqueued. A crash between enqueue and delete
enqueues a job twice, which is safe: every job is safe to run twice."""

from __future__ import annotations

import importlib
from typing import Any, Callable

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import delete, select, update

from models import db
from models.core.outbox import PendingJob
from workers.registry import enqueue, job

# Only our own jobs: a row names a function by its dotted path.
ALLOWED_PREFIX = "workers."


def resolve(func_path: str) -> Callable[..., Any]:
    module_name, _, name = func_path.rpartition(".")
    if not module_name.startswith(ALLOWED_PREFIX):
        raise ValueError(f"not a job of this app: {func_path!r}")
    func = getattr(importlib.import_module(module_name), name)
    if not callable(func) or not hasattr(func, "job_options"):
        raise ValueError(f"not a job: {func_path!r}")
    return func


def _enqueue(connection: Redis, func: Callable[..., Any], queue: str, args, kwargs, job_id: str | None) -> None:
    enqueue(connection, func, *args, job_id=job_id, queue=queue or None, **kwargs)


def enqueue_committed(connection: Redis, ids: list[int]) -> int:
    """Enqueue the follow-up jobs a transaction has just committed and delete their rows;
    returns how many jobs were enqueued (a job asked for twice goes once). It runs beside
    the session whose commit it follows, in transactions of its own. When Redis is
    unreachable the rows stay, with the reason, for the sweeper, and the error is raised
    for the caller to log."""
    table = PendingJob.__table__
    done = 0
    enqueued: set[tuple] = set()  # one job asked for twice in the transaction goes once
    for position, pending_id in enumerate(ids):
        redis_error = None
        with db.engine.begin() as database:
            row = database.execute(
                select(table).where(table.c.id == pending_id).with_for_update(skip_locked=True)
            ).first()
            if row is None:
                continue  # the sweeper has taken it, or a rolled-back savepoint took it away
            asked = (row.func_path, repr(row.args), repr(row.kwargs), row.job_id)
            if asked in enqueued:
                database.execute(delete(table).where(table.c.id == pending_id))
                continue
            try:
                func = resolve(row.func_path)
            except (ValueError, ImportError, AttributeError) as error:
                database.execute(
                    update(table).where(table.c.id == pending_id).values(last_error=f"{type(error).__name__}: {error}"[:2000])
                )
                continue
            try:
                _enqueue(connection, func, row.queue, row.args, row.kwargs, row.job_id)
            except (RedisConnectionError, RedisTimeoutError) as error:
                redis_error = error
                database.execute(
                    update(table)
                    .where(table.c.id.in_(ids[position:]))
                    .values(last_error=f"{type(error).__name__}: {error}"[:2000])
                )
            else:
                database.execute(delete(table).where(table.c.id == pending_id))
                enqueued.add(asked)
                done += 1
        if redis_error is not None:
            raise redis_error
    return done


def enqueue_pending(connection: Redis, limit: int = 10_000) -> int:
    """Enqueue waiting jobs, one row and one commit at a time; returns how many.
    A row naming no job of ours stays, with the reason, for an officer to see."""
    done = 0
    last_id = 0
    while done < limit:
        # SKIP LOCKED (PostgreSQL): two sweepers at once take different rows.
        row = db.session.scalar(
            select(PendingJob)
            .where(PendingJob.id > last_id)
            .order_by(PendingJob.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if row is None:
            db.session.commit()
            return done
        last_id = row.id
        try:
            func = resolve(row.func_path)
        except (ValueError, ImportError, AttributeError) as error:
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
            db.session.commit()
            continue
        enqueue(connection, func, *row.args, job_id=row.job_id, queue=row.queue or None, **row.kwargs)
        db.session.delete(row)
        db.session.commit()
        done += 1
    return done


@job("high", timeout=600)
def enqueue_pending_jobs() -> int:
    from rq import get_current_job

    return enqueue_pending(get_current_job().connection)
