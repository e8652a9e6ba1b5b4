"""Jobs run by real RQ workers: email delivery (to the outbox folder, to a real
SMTP server, to a server that is down), a forked worker process, and a race on
PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import DomainError, EmailMessage, Role, Task, User, db, utcnow
from models.core.mail import queue_email
from tests.factories import PASSWORD, ROOT, free_port, login
from workers.mail import MAX_ATTEMPTS, deliver_email, requeue_stuck_email


def queue(app, to: str = "pat@example.org", subject: str = "Your pledge was accepted", html: bool = True) -> int:
    with app.app_context():
        message = queue_email(
            to,
            subject,
            "Hello Pat,\n\nThe food hub accepted your pledge.\n",
            "<p>Hello Pat,</p><p>The food hub <strong>accepted</strong> your pledge.</p>" if html else None,
            kind="test",
        )
        db.session.commit()
        return message.id


def row(app, message_id: int) -> EmailMessage:
    with app.app_context():
        found = db.session.get(EmailMessage, message_id)
        db.session.expunge(found)
        return found


# The outbox folder ---------------------------------------------------------


def test_without_a_mail_server_email_is_written_to_the_outbox_folder(app, tmp_path, work_jobs):
    folder = tmp_path / "outbox"
    app.config["MAIL_OUTBOX_DIR"] = str(folder)
    message_id = queue(app)
    assert row(app, message_id).status == "queued"

    assert work_jobs() == 0

    sent = row(app, message_id)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, None)
    assert sent.sent_at is not None
    path = folder / f"{message_id:08d}.eml"
    mime = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert mime["To"] == "pat@example.org"
    assert mime["Subject"] == "Your pledge was accepted"
    assert mime["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert "accepted your pledge" in mime.get_body(("plain",)).get_content()


def test_delivering_twice_sends_once(app, tmp_path):
    folder = tmp_path / "outbox"
    app.config["MAIL_OUTBOX_DIR"] = str(folder)
    message_id = queue(app)

    with app.app_context():
        assert deliver_email(message_id) == "sent"
    (folder / f"{message_id:08d}.eml").unlink()
    with app.app_context():
        assert deliver_email(message_id) == "already sent"
        assert deliver_email(987654) == "missing"

    assert list(folder.iterdir()) == []
    assert row(app, message_id).attempts == 1


# A real SMTP server --------------------------------------------------------


def test_email_is_delivered_through_a_real_smtp_server(app, smtp, work_jobs):
    message_id = queue(app, to="pat@example.org", subject="Your pledge was accepted")

    assert work_jobs() == 0

    assert len(smtp.messages) == 1
    recipients, mime = smtp.messages[0]
    assert recipients == ["pat@example.org"]
    assert mime["To"] == "pat@example.org"
    assert mime["Subject"] == "Your pledge was accepted"
    assert mime.get_content_type() == "multipart/alternative"
    assert "accepted your pledge" in mime.get_body(("plain",)).get_content()
    assert "<strong>accepted</strong>" in mime.get_body(("html",)).get_content()
    sent = row(app, message_id)
    assert (sent.status, sent.attempts) == ("sent", 1)

    # Running the job again (a retry, a requeue) does not send it again.
    with app.app_context():
        assert deliver_email(message_id) == "already sent"
    assert len(smtp.messages) == 1


def test_organisation_email_goes_out_through_smtp(app, smtp, make_user, make_organisation, work_jobs):
    """The whole path: a view's change queues a templated email, the job sends it."""
    from tests.factories import post_form

    owner = make_user("owner@example.org", "Olu Owner")
    organisation_id = make_organisation(owner, name="Harlesden Food Hub")
    work_jobs()
    smtp.messages.clear()
    client = app.test_client()
    login(client, "owner@example.org")

    post_form(client, f"/organisations/{organisation_id}/invite", {"email": "friend@example.org"})
    work_jobs()

    [(recipients, mime)] = smtp.messages
    assert recipients == ["friend@example.org"]
    # The council's own name for the service (SERVICE_NAME), as in every other email.
    assert mime["Subject"] == f"Join Harlesden Food Hub on {app.config['SERVICE_NAME']}"
    assert "http://localhost/organisations/invitations/" in mime.get_body(("plain",)).get_content()
    assert 'href="http://localhost/organisations/invitations/' in mime.get_body(("html",)).get_content()


def test_when_the_smtp_server_is_down_the_error_is_recorded_and_retried(app, make_user, work_jobs):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens there
    message_id = queue(app)

    work_jobs()

    waiting = row(app, message_id)
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert waiting.last_error.startswith("ConnectionRefusedError")
    with app.app_context():
        from brokerage.extensions import rq
        from rq.registry import ScheduledJobRegistry

        # RQ will try again later (the job declares retries with back-off).
        assert len(ScheduledJobRegistry("emails", connection=rq.connection)) == 1

    with app.app_context():
        for _ in range(MAX_ATTEMPTS - 1):
            with pytest.raises(OSError):
                deliver_email(message_id)
            db.session.remove()

    failed = row(app, message_id)
    assert (failed.status, failed.attempts) == ("failed", MAX_ATTEMPTS)
    assert failed.sent_at is None
    make_user("officer@example.org", role=Role.OFFICER)
    officer = app.test_client()
    login(officer, "officer@example.org")
    assert "1 email that could not be sent" in officer.get("/officers/").get_data(as_text=True)
    failed_page = officer.get("/officers/outbox?status=failed").get_data(as_text=True)
    assert "Your pledge was accepted" in failed_page
    assert "ConnectionRefusedError" in failed_page


def test_stuck_email_is_requeued(app, tmp_path, work_jobs):
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    old = queue(app, subject="Lost job")
    recent = queue(app, subject="Just queued")
    with app.app_context():
        from brokerage.extensions import rq

        rq.connection.flushdb()  # as if Redis had restarted and lost the delivery jobs
        db.session.get(EmailMessage, old).created_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        rq.enqueue(requeue_stuck_email)

    work_jobs()

    assert row(app, old).status == "sent"
    assert row(app, recent).status == "queued"


# Import jobs ---------------------------------------------------------------


def test_an_import_job_that_crashes_marks_its_task_failed(app, make_user, work_jobs):
    from brokerage.extensions import rq
    from workers.imports import import_wards_file

    admin = make_user("admin@example.org", role=Role.ADMIN)
    with app.app_context():
        task = Task(id=uuid.uuid4().hex, name="wards_import", description="Wards", user_id=admin)
        db.session.add(task)
        db.session.commit()
        rq.enqueue(import_wards_file, task.id, "/nonexistent/upload.geojson", job_id=task.id)

    assert work_jobs() == 1  # RQ records the job as failed...

    with app.app_context():
        task = db.session.get(Task, task.id)
        # ...and the person watching the task is told, instead of a page that refreshes for ever.
        assert task.status == "failed"
        assert task.error == "The import stopped unexpectedly (FileNotFoundError)."
        assert task.finished_at is not None


# A real forked worker process ----------------------------------------------


def test_a_forked_worker_process_delivers_queued_email(app, tmp_path):
    message_id = queue(app, subject="Sent by a forked work horse")
    with app.app_context():
        from brokerage.extensions import rq

        assert rq.queue("emails").count == 1
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "DATABASE_", "REDIS_"))
    }
    env.update(
        APP_ENV="test",
        SECRET_KEY=app.config["SECRET_KEY"],
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        INSTANCE_PATH=str(tmp_path),
    )

    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "brokerage", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Worker listening on high, default, emails, low" in result.stdout
    sent = row(app, message_id)
    assert (sent.status, sent.attempts) == ("sent", 1)
    eml = tmp_path / "outbox" / f"{message_id:08d}.eml"
    assert "Sent by a forked work horse" in eml.read_text()
    with app.app_context():
        assert rq.queue("emails").count == 0


# PostgreSQL: a real race ---------------------------------------------------


@pytest.mark.postgres
def test_two_registrations_for_one_email_at_the_same_moment(app):
    from models.people.accounts import register_user

    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def register(name: str) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                register_user(name, "same@example.org", PASSWORD)
                db.session.commit()
                outcomes.append("registered")
            except (IntegrityError, DomainError) as error:
                db.session.rollback()
                outcomes.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=register, args=(name,)) for name in ("First Person", "Second Person")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == 2
    assert outcomes.count("registered") == 1
    [refused] = [outcome for outcome in outcomes if outcome != "registered"]
    assert isinstance(refused, (IntegrityError, DomainError))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "same@example.org")) == 1

