"""Jobs when Redis is away: a request still succeeds and its job waits in the
database until the sweeper (or a worker starting) enqueues it; the officers'
jobs page (queues, failures, retry with an audit event); the periodic jobs,
declared once; the hourly digest job sending only in each period's window."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import select

from brokerage.extensions import rq
from models import DigestDispatch, EmailMessage, Event, PendingJob, Role, Task, db, utcnow
from models.digests.periods import period_for, send_window_open
from models.core.outbox import save_pending_job
from tests import factories
from tests.factories import count, free_port, post_form, signed_in
from workers.pending import enqueue_pending, enqueue_pending_jobs


def closed_redis_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


@pytest.fixture
def group(app, make_user, make_organisation):
    owner = make_user("owner@example.org", "Olu Owner")
    return make_organisation(owner, name="Harlesden Food Hub")


def test_a_request_succeeds_while_redis_is_down_and_its_email_goes_once_redis_is_back(
    app, group, smtp, work_jobs
):
    client = signed_in(app, "owner@example.org")
    working_redis = app.config["REDIS_URL"]

    app.config["REDIS_URL"] = closed_redis_url()
    try:
        response = post_form(client, f"/organisations/{group}/invite", {"email": "friend@example.org"})
    finally:
        app.config["REDIS_URL"] = working_redis

    assert response.status_code == 302  # the person is not told about our Redis
    with app.app_context():
        message = db.session.scalar(select(EmailMessage).where(EmailMessage.to_address == "friend@example.org"))
        [pending] = db.session.scalars(select(PendingJob)).all()
        assert (message.status, message.attempts) == ("queued", 0)
        assert (pending.func_path, pending.args, pending.queue) == ("workers.mail.deliver_email", [message.id], "emails")
        assert pending.last_error.startswith("ConnectionError")
        assert rq.queue("emails").count == 0
        rq.enqueue(enqueue_pending_jobs)  # what the cron scheduler does every minute

    assert work_jobs() == 0

    assert [recipients for recipients, _ in smtp.messages] == [["friend@example.org"]]
    assert count(app, PendingJob) == 0
    with app.app_context():
        assert db.session.get(EmailMessage, message.id).status == "sent"
        rq.enqueue(enqueue_pending_jobs)  # running the sweeper again enqueues nothing more
    work_jobs()
    assert len(smtp.messages) == 1


def queue_three(app) -> list[int]:
    """Three messages queued in one transaction, as a batch of digests is."""
    from models.core.mail import queue_email

    with app.app_context():
        messages = [queue_email(f"person{n}@example.org", f"Update {n}", "Hello.", kind="test") for n in range(3)]
        db.session.commit()
        return [message.id for message in messages]


def test_the_emails_of_one_transaction_are_enqueued_together_each_with_its_retries(app, smtp, work_jobs):
    from workers.mail import MAX_ATTEMPTS

    ids = queue_three(app)

    with app.app_context():
        jobs = rq.queue("emails").get_jobs()
        assert sorted(job.args[0] for job in jobs) == sorted(ids)
        assert {(job.func_name, job.timeout, job.retries_left) for job in jobs} == {
            ("workers.mail.deliver_email", 60, MAX_ATTEMPTS - 1)
        }
    assert work_jobs() == 0
    assert sorted(recipients[0] for recipients, _ in smtp.messages) == [f"person{n}@example.org" for n in range(3)]


def test_while_redis_is_down_every_email_of_a_transaction_waits_and_each_goes_once_it_is_back(app, smtp, work_jobs):
    working_redis = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = closed_redis_url()
    try:
        ids = queue_three(app)
    finally:
        app.config["REDIS_URL"] = working_redis

    with app.app_context():
        pending = db.session.scalars(select(PendingJob).order_by(PendingJob.id)).all()
        assert [(job.func_path, job.args, job.queue) for job in pending] == [
            ("workers.mail.deliver_email", [message_id], "emails") for message_id in ids
        ]
        assert rq.queue("emails").count == 0
        rq.enqueue(enqueue_pending_jobs)
    assert work_jobs() == 0
    assert len(smtp.messages) == 3 and count(app, PendingJob) == 0


def test_a_worker_starting_up_enqueues_the_jobs_kept_while_redis_was_down(app, group, smtp, runner):
    working_redis = app.config["REDIS_URL"]
    with app.app_context():
        message = EmailMessage(to_address="pat@example.org", subject="Hello", text_body="Hello Pat", kind="test")
        db.session.add(message)
        db.session.flush()
        message_id = message.id
        app.config["REDIS_URL"] = closed_redis_url()
        try:
            db.session.commit()  # the delivery job cannot be enqueued after this commit
        finally:
            app.config["REDIS_URL"] = working_redis
    assert count(app, PendingJob) == 1

    with app.app_context():  # as `flask worker` has
        result = runner.invoke(args=["worker", "--burst", "--simple"])

    assert result.exit_code == 0, result.output
    assert "Enqueued 1 job kept while Redis was unreachable" in result.output
    assert [recipients for recipients, _ in smtp.messages] == [["pat@example.org"]]
    assert count(app, PendingJob) == 0
    with app.app_context():
        assert db.session.get(EmailMessage, message_id).status == "sent"


def test_the_sweeper_leaves_a_row_that_names_no_job_of_ours(app):
    with app.app_context():
        save_pending_job("os.system", ["touch /tmp/owned"], {}, "default", None, "ConnectionError: test")
        save_pending_job("workers.mail.deliver_email", [987654], {}, "emails", None, "ConnectionError: test")

        assert enqueue_pending(rq.connection) == 1

        [left] = db.session.scalars(select(PendingJob)).all()
        assert left.func_path == "os.system"
        assert left.last_error == "ValueError: not a job of this app: 'os.system'"
        assert rq.queue("emails").count == 1 and rq.queue("default").count == 0


def test_the_jobs_page_is_for_officers(app, make_user):
    make_user("resident@example.org")
    resident = signed_in(app, "resident@example.org")
    assert resident.get("/officers/jobs").status_code == 403
    assert resident.post("/officers/jobs/default/abc/retry").status_code in (400, 403)
    anonymous = app.test_client().get("/officers/jobs")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]


def test_officers_see_queues_and_failures_and_retry_a_failed_job(app, make_user, work_jobs):
    from workers.imports import import_wards_file

    officer_id = make_user("officer@example.org", role=Role.OFFICER)
    with app.app_context():
        task = Task(id=uuid.uuid4().hex, name="wards_import", description="Wards", user_id=officer_id)
        db.session.add(task)
        db.session.commit()
        rq.enqueue(import_wards_file, task.id, "/nonexistent/upload.geojson", job_id=task.id)
        save_pending_job("workers.needs.expire_needs", [], {}, "default", None, "ConnectionError: test")
    assert work_jobs() == 1
    officer = signed_in(app, "officer@example.org")

    page = officer.get("/officers/jobs").get_data(as_text=True)

    assert "import_wards_file" in page and "FileNotFoundError" in page and task.id in page
    assert "1 job kept in the database while the queue could not be reached" in page
    assert re.search(r"Send digests that are due<br><code[^>]*>send_due_digests</code></td>\s*<td[^>]*><code[^>]*>15 \* \* \* \*</code>", page)  # the schedule
    assert officer.post(f"/officers/jobs/default/{task.id}/retry").status_code == 400  # no CSRF token

    response = post_form(officer, f"/officers/jobs/default/{task.id}/retry", {}, form_url="/officers/jobs")

    assert response.status_code == 302
    with app.app_context():
        assert rq.queue("default").job_ids == [task.id]
        [event] = db.session.scalars(select(Event).where(Event.action == "job.retried")).all()
        assert (event.actor_id, event.subject_type, event.subject_id) == (officer_id, "rq_jobs", task.id)
        assert (event.from_state, event.to_state, event.detail["function"]) == ("failed", "queued", "import_wards_file")
    again = post_form(officer, f"/officers/jobs/default/{task.id}/retry", {}, form_url="/officers/jobs")
    assert "That job is not waiting to be retried any more" in officer.get(again.headers["Location"]).get_data(as_text=True)
    assert post_form(officer, f"/officers/jobs/nonsense/{task.id}/retry", {}, form_url="/officers/jobs").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Event.id).where(Event.action == "job.retried").offset(1)) is None


def test_the_jobs_page_still_works_when_redis_is_down(app, make_user):
    make_user("officer@example.org", role=Role.OFFICER)
    officer = signed_in(app, "officer@example.org")
    working_redis = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = closed_redis_url()
    try:
        page = officer.get("/officers/jobs")
    finally:
        app.config["REDIS_URL"] = working_redis
    assert page.status_code == 200
    assert "The job queue (Redis) cannot be reached" in page.get_data(as_text=True)


def test_every_periodic_job_is_declared_once_and_registered_with_the_cron_scheduler(app):
    from rq.cron import CronScheduler

    from brokerage.jobs import QUEUES
    from workers.schedule import PERIODIC_JOBS, register_periodic_jobs

    with app.app_context():
        scheduler = CronScheduler(connection=Redis.from_url(app.config["REDIS_URL"]))
        assert register_periodic_jobs(scheduler) == len(PERIODIC_JOBS)
        registered = {job.name: (job.queue_name, job.cron) for job in scheduler.get_jobs()}
        scheduler.connection.close()
    assert registered == {
        "enqueue_pending_jobs": ("high", "* * * * *"),
        "requeue_stuck_email": ("emails", "*/10 * * * *"),
        "expire_needs": ("default", "5 * * * *"),
        "send_due_digests": ("low", "15 * * * *"),
        "optimise_database": ("low", "30 3 * * *"),
        "close_due_rounds": ("default", "* * * * *"),
        "match_all_commitments": ("low", "0 2 * * *"),
        "remove_stale_uploads": ("low", "45 * * * *"),
        "send_vote_reminders": ("low", "20 * * * *"),
        "remove_expired_pending_uploads": ("low", "50 * * * *"),
        "remind_returns": ("default", "0 8 * * *"),
    }
    assert all(queue in QUEUES for queue, _ in registered.values())


def test_the_hourly_digest_job_sends_only_in_the_window_and_only_once(app, places, work_jobs, monkeypatch):
    import workers.digests
    from workers.digests import send_due_digests

    world = factories.digest_borough(app)
    first = period_for("monthly", utcnow() + timedelta(days=31)).starts  # the first of next month
    monthly = period_for("monthly", first)

    def run_at(moment) -> None:
        monkeypatch.setattr(workers.digests, "utcnow", lambda: moment)
        with app.app_context():
            rq.enqueue(send_due_digests)
        assert work_jobs() == 0

    def sent() -> list[int]:
        with app.app_context():
            return sorted(
                db.session.scalars(
                    select(DigestDispatch.user_id).where(
                        DigestDispatch.kind == "monthly_digest", DigestDispatch.period_key == monthly.key
                    )
                )
            )

    run_at(first + timedelta(hours=6))  # before 07:00
    assert sent() == []
    run_at(first + timedelta(days=9))  # the catching-up days are over
    assert not send_window_open("monthly", first + timedelta(days=9)) and sent() == []
    run_at(first + timedelta(hours=7, minutes=15))
    assert sent() == sorted([world["owner"], world["seller"], world["rita"]])
    run_at(first + timedelta(days=1, hours=7, minutes=15))  # the next hour, the next day: nobody twice
    assert count(app, DigestDispatch, DigestDispatch.kind == "monthly_digest") == 3
