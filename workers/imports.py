"""Importing place data uploaded by an administrator: wards (GeoJSON) and
postcodes (CSV). The upload is saved to a file; the job reads it and reports
progress in its Task row."""

from __future__ import annotations

import os
import time

from flask import current_app

from models import DomainError, Task, db
from models.core.events import record_event
from models.core.tasks import finish_task
from models.places.wards import import_postcodes, import_wards
from workers.registry import job


def run_task(task_id: str, path: str, importer, keep_file: bool = False) -> str:
    """Run `importer(task, path)` for the task, once: its report is the task's result, in
    the same transaction as what it wrote. The file is removed afterwards, unless
    `keep_file` (a preview keeps it for the import the officer may confirm); a report's
    `event_detail()`, when it has one, is what the audit event keeps of it."""
    task = db.session.get(Task, task_id)
    if task is None or task.finished:
        return "nothing to do"
    task.status = "running"
    db.session.commit()
    try:
        report = importer(task, path)
    except DomainError as error:
        db.session.rollback()
        task = db.session.get(Task, task_id)
        finish_task(task, error=error.message)
    except Exception as error:
        # Never leave the task "running" for ever: say so, then let RQ record the failure.
        db.session.rollback()
        task = db.session.get(Task, task_id)
        finish_task(task, error=f"The import stopped unexpectedly ({type(error).__name__}).")
        db.session.commit()
        raise
    else:
        finish_task(task, result=report.as_dict())
        detail = report.event_detail() if hasattr(report, "event_detail") else report.as_dict()
        record_event(f"{task.name}.finished", task, actor=None, to_state="finished", detail=detail)
    db.session.commit()
    if not (keep_file and task.status == "finished"):
        try:
            os.remove(path)
        except OSError:
            pass
    return task.status


def _wards(task: Task, path: str):
    with open(path, "rb") as handle:
        return import_wards(handle.read())


def _postcodes(task: Task, path: str):
    with open(path, "rb") as counting:
        total_rows = max(sum(1 for _ in counting) - 1, 1)

    def progress(rows: int) -> None:
        task.progress = min(99, rows * 100 // total_rows)

    with open(path, encoding="utf-8-sig", newline="") as handle:
        return import_postcodes(handle, progress=progress)


@job("default", timeout=1800)
def import_wards_file(task_id: str, path: str) -> str:
    return run_task(task_id, path, _wards)


@job("default", timeout=3600)
def import_postcodes_file(task_id: str, path: str) -> str:
    return run_task(task_id, path, _postcodes)


STALE_UPLOAD_HOURS = 24


@job("low", timeout=600)
def remove_stale_uploads(max_age_hours: int = STALE_UPLOAD_HOURS) -> int:
    """Remove uploaded files no job has used for a day: mostly previews of contract
    imports nobody confirmed (confirming one later asks for the file again). Every import
    job is done with its file within the hour; the rows stay, only the files go."""
    folder = os.path.join(current_app.config["UPLOAD_DIR"], "imports")
    cutoff = time.time() - max_age_hours * 3600
    removed = 0
    for entry in os.scandir(folder) if os.path.isdir(folder) else ():
        try:
            if entry.is_file() and entry.stat().st_mtime < cutoff:
                os.remove(entry.path)
                removed += 1
        except OSError:
            pass  # gone already, or not ours to remove
    return removed

