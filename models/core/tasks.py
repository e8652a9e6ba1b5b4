"""Progress of long jobs, keyed by the RQ job id, so a person can watch them.

`create_task` starts one (the row, and an audit event, in the caller's transaction; the
caller enqueues the job with `job_id=task.id` once it commits); the job marks it running
and, with `finish_task`, finished or failed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from models import db, utcnow
from models.core.events import record_event

if TYPE_CHECKING:
    from models.people.accounts import User


class Task(db.Model):
    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the RQ job id
    name: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, running, finished, failed
    progress: Mapped[int] = mapped_column(default=0)  # 0..100
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    @property
    def finished(self) -> bool:
        return self.status in ("finished", "failed")


def create_task(
    name: str, description: str, user: "User | None", detail: dict[str, Any] | None = None, action: str = "started"
) -> Task:
    """A queued task with a fresh id (use it as the RQ job id), and the audit event
    `<name>.<action>` saying who started it."""
    task = Task(id=uuid.uuid4().hex, name=name, description=description[:255], user_id=user.id if user else None)
    db.session.add(task)
    record_event(f"{name}.{action}", task, actor=user, to_state="queued", detail=detail)
    return task


def finish_task(task: Task, result: dict | None = None, error: str | None = None) -> None:
    task.status = "failed" if error else "finished"
    task.error = error
    task.result = result
    task.progress = 100
    task.finished_at = utcnow()


def record_progress(task_id: str, percent: int) -> None:
    """Note how far a long job has got, at once, where the task page can see it: in a short
    transaction of its own on another connection, so it does not wait for (or commit) the
    job's own transaction. Progress only moves forward, and never reads 100 before the job
    finishes. On SQLite, while the job's transaction holds the write lock, the note is
    skipped rather than waited for (the next one, or the finish, says more)."""
    percent = max(0, min(99, int(percent)))
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA busy_timeout = 0")
        try:
            connection.execute(
                update(Task).where(Task.id == task_id, Task.progress < percent, Task.status.in_(("queued", "running")))
                .values(progress=percent)
            )
            connection.commit()
        except OperationalError:
            connection.rollback()
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA busy_timeout = 5000")
