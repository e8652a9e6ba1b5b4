"""The sweeper: jobs that could not be enqueued while Redis was unreachable
wait in `pending_jobs`; this puts them on their queues, oldest first, and
deletes each row only once its job is enqueued. Run every minute and when a
worker starts. A crash between enqueue and delete enqueues a job twice, which
is safe: every job is safe to run twice."""

from __future__ import annotations

import importlib
from typing import Any, Callable

from redis import Redis
from sqlalchemy import select

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
