"""Long jobs a person starts and then watches (imports, the report PDF): the Task row,
the job, and one status page (templates/components/task.html) that each kind of task
fills with its own words and links."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from flask import abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from brokerage.extensions import rq
from models import Task, db
from models.core.tasks import create_task


def save_upload(upload: FileStorage, suffix: str) -> str:
    """Keep an uploaded file under a name of our own for the job to read; returns its path."""
    folder = os.path.join(current_app.config["UPLOAD_DIR"], "imports")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{uuid.uuid4().hex}{suffix}")
    upload.save(path)
    return path


def saved_upload(name: str, suffix: str) -> str | None:
    """The path of a file `save_upload` kept under `name` (a name it made: hex digits and
    the suffix), if it is still there."""
    stem = name.removesuffix(suffix)
    if not name.endswith(suffix) or len(stem) != 32 or any(c not in "0123456789abcdef" for c in stem):
        return None
    path = os.path.join(current_app.config["UPLOAD_DIR"], "imports", name)
    return path if os.path.isfile(path) else None


def start_task(
    name: str,
    description: str,
    job: Callable[..., Any],
    *args: Any,
    detail: dict[str, Any] | None = None,
    action: str = "started",
    with_task: Callable[[Task], None] | None = None,
) -> Task:
    """Record the task (and who started it), commit, then enqueue `job(task.id, *args)` with
    the task's id as the job id. The caller sends the person to the task's page.
    `with_task(task)`, if given, changes what goes with the task in the same transaction."""
    task = create_task(name, description, current_user, detail=detail, action=action)
    if with_task is not None:
        with_task(task)
    db.session.commit()
    rq.enqueue(job, task.id, *args, job_id=task.id)
    return task


def task_or_404(task_id: str, *names: str) -> Task:
    """The task, if it is one of these kinds (any kind when none is named)."""
    task = db.session.get(Task, task_id)
    if task is None or (names and task.name not in names):
        abort(404)
    return task


@dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True)
class Note:
    """A line under a finished task's panel, optionally ending in a link."""

    text: str
    link: Link | None = None


def import_summary(result: dict[str, Any]) -> str:
    return _("%(created)s created, %(updated)s updated, %(skipped)s skipped", created=result["created"], updated=result["updated"],
             skipped=result["skipped"])


Result = dict[str, Any]


def task_status(task: Task, page_url: str):
    """The task's progress as JSON, for static/js/task.mjs to show without reloading the
    page: its status, percent done, a sentence for the live region, and the page to go to
    (the status page itself, which shows the outcome) once it has finished. Each kind's
    status route has the same authorisation as its page."""
    words = {"queued": _("Waiting to start."), "running": _("%(percent)s%% done.", percent=task.progress or 0),
             "finished": _("Finished."), "failed": _("Stopped: it did not finish.")}
    response = jsonify(
        id=task.id,
        status=task.status,
        progress=task.progress,
        finished=task.finished,
        message=words.get(task.status, task.status),
        url=page_url,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def render_task(
    task: Task,
    *,
    back: Link,
    running: str | None = None,
    finished_title: str = _l("Import finished"),
    summary: Callable[[Result], str] = import_summary,
    notes: Callable[[Result], Iterable[Note]] = lambda result: (),
    reasons_heading: str = _l("Skipped rows"),
    links: Callable[[Result], Iterable[Link]] = lambda result: (),
    failed_title: str = _l("The import failed"),
    failed_note: str | None = _l("Nothing was changed."),
    failed_links: Iterable[Link] = (),
    narrow: bool = False,
) -> str:
    """The task's status page. Until the task has finished it shows a progress bar that
    static/js/task.mjs keeps up to date from the task's status route (`<page>/status`),
    and a "Check progress" button for when JavaScript is off; then it shows the summary,
    notes, the reasons rows were skipped and links (each made from the task's result),
    or the error."""
    finished = task.status == "finished"
    result = task.result or {}
    page = {
        "back": back,
        "running": running or (_("The import is queued.") if task.status == "queued" else _("The import is running.")),
        "finished_title": finished_title,
        "summary": summary(result) if finished else "",
        "notes": list(notes(result)) if finished else [],
        "reasons_heading": reasons_heading,
        "links": list(links(result)) if finished else [],
        "failed_title": failed_title,
        "failed_note": failed_note,
        "failed_links": list(failed_links),
        "narrow": narrow,
    }
    return render_template("components/task.html", task=task, page=page, status_url=request.path.rstrip("/") + "/status")
