"""Importing contracts from an Open Contracting (OCDS) file uploaded by an officer, in two
jobs. The preview job reads the file and keeps, in its Task row, what an import would
create, update and skip (writing nothing else, and keeping the file). Once the officer
confirms, the import job imports it in one transaction as an import batch, provided the
plan is still the one the preview showed, and reports in its own Task row. Both run on
the `low` queue and note their progress as they go. Safe to run
twice: a finished task is not run again, one preview is applied at most once, and
importing the same file again changes nothing."""

from __future__ import annotations

import hashlib
import os

from models import DomainError, Task, User, db
from models.contracts.ocds_import import import_ocds, plan_import
from models.core.tasks import record_progress
from workers.imports import run_task
from workers.registry import job

CHANGED_FILE = "The uploaded file is not the one that was previewed. Nothing was changed: upload it again."


class _Preview:
    """The preview's plan as the task keeps it, with the file it was made from."""

    def __init__(self, plan, file_name: str, upload: str, sha256: str):
        self.plan, self.file_name, self.upload, self.sha256 = plan, file_name, upload, sha256

    def as_dict(self) -> dict:
        return {**self.plan.as_dict(), "file": self.file_name, "upload": self.upload, "sha256": self.sha256}

    def event_detail(self) -> dict:
        return {**self.plan.event_detail(), "file": self.file_name}


def _preview(file_name: str):
    def read(task: Task, path: str) -> _Preview:
        with open(path, "rb") as handle:
            data = handle.read()
        record_progress(task.id, 20)
        plan = plan_import(data)
        record_progress(task.id, 90)
        return _Preview(plan, file_name, os.path.basename(path), hashlib.sha256(data).hexdigest())

    return read


def _ocds(file_name: str, preview_task_id: str | None, digest: str | None, sha256: str | None):
    def read(task: Task, path: str):
        officer = db.session.get(User, task.user_id) if task.user_id else None
        with open(path, "rb") as handle:
            data = handle.read()
        if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
            raise DomainError(CHANGED_FILE)
        record_progress(task.id, 20)
        report = import_ocds(
            data, officer, file_name=file_name, expected_digest=digest, preview_task_id=preview_task_id
        )
        record_progress(task.id, 90)
        return report

    return read


@job("low", timeout=1800)
def preview_ocds_file(task_id: str, path: str, file_name: str = "") -> str:
    return run_task(task_id, path, _preview(file_name), keep_file=True)


@job("low", timeout=1800)
def import_ocds_file(
    task_id: str,
    path: str,
    file_name: str = "",
    preview_task_id: str | None = None,
    digest: str | None = None,
    sha256: str | None = None,
) -> str:
    return run_task(task_id, path, _ocds(file_name, preview_task_id, digest, sha256))
