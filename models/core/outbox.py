"""The transactional outbox: jobs waiting to be put on an RQ queue.

Two kinds of row live here:
- follow-up jobs a rule registers with `enqueue_after_commit` (closing a round asks for its
  count; publishing a need asks for matching). The row is written in the rule's own
  transaction, so the job exists exactly when the change does: a rollback takes it away,
  a commit keeps it. Right after the commit the app enqueues it and deletes the row
  (brokerage/jobs.py, workers/pending.py `enqueue_committed`);
- jobs that could not be enqueued because Redis was unreachable (`save_pending_job`),
  written in a transaction of their own so the request that wanted them still succeeds.

Either way, whatever is still here is enqueued by the sweeper (workers/pending.py, every
minute and when a worker starts). Rules name their jobs by dotted path ("workers.rounds.
count_round_votes"): models never import workers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import db, utcnow

# session.info key: the outbox rows this transaction wrote.
_IDS = "outbox_job_ids"


class PendingJob(db.Model):
    __tablename__ = "pending_jobs"
    __table_args__ = (Index("ix_pending_jobs_created_at", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    func_path: Mapped[str] = mapped_column(String(200))  # "workers.mail.deliver_email"
    args: Mapped[list[Any]] = mapped_column(JSON)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON)
    queue: Mapped[str] = mapped_column(String(32))  # "" for the queue the job declares
    job_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def enqueue_after_commit(func_path: str, *args: Any) -> None:
    """A rule's follow-up job: run `func_path(*args)` once this transaction commits.
    Asked for twice in one transaction, it is enqueued once (a round closed and a paper
    batch entered in one go is counted once)."""
    session = db.session()
    result = session.execute(
        insert(PendingJob.__table__).values(
            func_path=func_path, args=list(args), kwargs={}, queue="", job_id=None, last_error=None, created_at=utcnow()
        )
    )
    session.info.setdefault(_IDS, []).append(result.inserted_primary_key[0])


def committed_jobs(session: Session) -> list[int]:
    """The outbox rows the transaction that has just committed wrote (and forget them)."""
    return session.info.pop(_IDS, [])


def forget_jobs(session: Session) -> None:
    """The transaction ended without committing: its rows are gone with it."""
    session.info.pop(_IDS, None)


def save_pending_job(
    func_path: str, args: list[Any], kwargs: dict[str, Any], queue: str, job_id: str | None, error: str
) -> int:
    """Record the job in a transaction of its own: the caller's session is not
    touched, so this works after a commit and inside a request alike."""
    with db.engine.begin() as connection:
        result = connection.execute(
            insert(PendingJob.__table__).values(
                func_path=func_path,
                args=list(args),
                kwargs=dict(kwargs),
                queue=queue,
                job_id=job_id,
                last_error=error[:2000],
                created_at=utcnow(),
            )
        )
        return result.inserted_primary_key[0]


def pending_job_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PendingJob)) or 0


def oldest_pending_job() -> datetime | None:
    return db.session.scalar(select(func.min(PendingJob.created_at)))
