"""Importing contracts from an Open Contracting (OCDS) file uploaded by an officer.
The upload is saved to a file; the job reads it, imports in one transaction and
reports in its Task row. Safe to run twice: a finished task is not run again, and
importing the same file again changes nothing."""

from __future__ import annotations

from models import Task, User, db
from models.contracts.ocds_import import import_ocds
from workers.imports import run_task
from workers.registry import job


def _ocds(task: Task, path: str):
    officer = db.session.get(User, task.user_id) if task.user_id else None
    with open(path, "rb") as handle:
        return import_ocds(handle.read(), officer)


@job("default", timeout=1800)
def import_ocds_file(task_id: str, path: str) -> str:
    return run_task(task_id, path, _ocds)
