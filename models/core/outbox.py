"""Jobs that could not be enqueued because Redis was unreachable. The request
that wanted them still succeeds: the job waits here, written in its own
transaction, until the sweeper (or a worker starting up) enqueues it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from models import db, utcnow


class PendingJob(db.Model):
    __tablename__ = "pending_jobs"
    __table_args__ = (Index("ix_pending_jobs_created_at", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    func_path: Mapped[str] = mapped_column(String(200))  # "workers.mail.deliver_email"
    args: Mapped[list[Any]] = mapped_column(JSON)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON)
    queue: Mapped[str] = mapped_column(String(32))
    job_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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
