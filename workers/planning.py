"""Importing a developer contributions file (the planning data standard's developer
agreements, contributions or transactions) uploaded by an officer. On the `low` queue,
noting its progress as it goes; the report (created, unchanged, each line skipped and why)
is the task's result. Safe to run twice: a finished task is not run again, and importing
the same file again changes nothing."""

from __future__ import annotations

from models import DomainError, Task
from models.core.tasks import record_progress
from models.planning.imports import import_developer_file
from workers.imports import run_task
from workers.registry import job


def _read(task: Task, path: str):
    with open(path, "rb") as handle:
        data = handle.read()
    record_progress(task.id, 10)
    try:
        return import_developer_file(data, progress=lambda percent: record_progress(task.id, min(95, 10 + percent * 85 // 100)))
    except ValueError as error:
        raise DomainError(str(error)) from None


@job("low", timeout=1800)
def import_developer_contributions(task_id: str, path: str) -> str:
    return run_task(task_id, path, _read)
