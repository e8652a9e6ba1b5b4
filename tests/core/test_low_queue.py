"""Long jobs (the Pabulib and OCDS imports, counting a round, the PDF report) run on the
`low` queue, which the worker takes last, so email and short jobs are never stuck behind
them; they note their progress in their task row as they go."""

from __future__ import annotations

import io

import pytest
from rq.job import Job
from sqlalchemy import select, text

from models import Role, Task, db
from models.core.mail import queue_email
from models.core.tasks import create_task, record_progress
from tests.factories import SHARED_DATA, login, post_form
from workers import contracts, reports, rounds
from workers.registry import job_options

CHICAGO = SHARED_DATA / "pb" / "US_Stanford_Dataset_PB_Chicago_33rd_Ward_2020_vote_approvals.pb"


def test_long_jobs_are_declared_on_the_low_queue():
    for job in (rounds.import_round_file, rounds.count_round_votes, contracts.preview_ocds_file,
                contracts.import_ocds_file, reports.build_report_pdf):
        assert job_options(job).queue == "low", job.__name__


def test_an_email_queued_after_a_long_import_is_sent_first(app, client, make_user, work_jobs):
    from brokerage.extensions import rq

    make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    login(client, "officer@example.org")
    response = post_form(
        client, "/officers/rounds/import", {"file": (io.BytesIO(CHICAGO.read_bytes()), "chicago.pb")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        task_id = db.session.scalar(select(Task.id))
        queue_email("pat@example.org", "Your pledge was accepted", "Hello Pat", kind="test")
        db.session.commit()
        [email_job_id] = rq.queue("emails").job_ids
        assert rq.queue("low").job_ids == [task_id], "the import waits on the low queue"

    assert work_jobs() == 0
    with app.app_context():
        email_job = Job.fetch(email_job_id, connection=rq.connection)
        import_job = Job.fetch(task_id, connection=rq.connection)
        assert email_job.ended_at <= import_job.started_at, "the email did not wait for the import"
        task = db.session.get(Task, task_id)
        assert (task.status, task.progress) == ("finished", 100)


def _progress_seen_elsewhere(app, task_id: str) -> int:
    """The task's progress as another connection (the task page) reads it."""
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT progress FROM tasks WHERE id = :id"), {"id": task_id}).scalar()


def test_a_preview_notes_its_progress_as_it_goes(app, client, make_user, work_jobs, monkeypatch):
    make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    login(client, "officer@example.org")
    seen: list[int] = []

    def noting(task_id, percent):
        record_progress(task_id, percent)
        seen.append(_progress_seen_elsewhere(app, task_id))

    monkeypatch.setattr(contracts, "record_progress", noting)
    post_form(
        client, "/officers/contracts/import", {"file": (io.BytesIO(b'{"releases": []}'), "cf.json")},
        content_type="multipart/form-data",
    )
    assert work_jobs() == 0
    assert seen == [20, 90], "each step was visible while the job ran"
    with app.app_context():
        assert db.session.scalar(select(Task.progress)) == 100


def test_progress_only_moves_forward_and_reads_100_only_when_finished(app):
    with app.app_context():
        task = create_task("ocds_preview", "Contracts in cf.json", None)
        db.session.commit()
        task_id = task.id
        record_progress(task_id, 40)
        record_progress(task_id, 30)
        assert _progress_seen_elsewhere(app, task_id) == 40
        record_progress(task_id, 100)
        assert _progress_seen_elsewhere(app, task_id) == 99
        db.session.get(Task, task_id).status = "failed"
        db.session.commit()
        record_progress(task_id, 99)
        record_progress(task_id, 10)
        assert _progress_seen_elsewhere(app, task_id) == 99


@pytest.mark.postgres
def test_a_pabulib_import_notes_progress_while_its_own_transaction_is_open(app, client, make_user, work_jobs, monkeypatch):
    """On PostgreSQL the notes are seen even after the import has written rows it has not
    committed yet (SQLite's single writer skips those, see record_progress)."""
    from models.core import tasks

    make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    login(client, "officer@example.org")
    seen: list[int] = []

    def noting(task_id, percent):
        record_progress(task_id, percent)
        seen.append(_progress_seen_elsewhere(app, task_id))

    monkeypatch.setattr(tasks, "record_progress", noting)
    post_form(
        client, "/officers/rounds/import", {"file": (io.BytesIO(CHICAGO.read_bytes()), "chicago.pb")},
        content_type="multipart/form-data",
    )
    assert work_jobs() == 0
    assert seen == [10, 60, 90]
