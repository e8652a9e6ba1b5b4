"""Email whose delivery job was lost is given a new job by the requeue safety net, and
that job is declared like every other delivery: on the emails queue, with its retries
and back-off. Real Redis (embedded), real RQ workers and scheduler, real SMTP servers
(one that is down, then one that answers)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from rq.scheduler import RQScheduler

from models import EmailMessage, db, utcnow
from models.core.mail import queue_email
from workers.mail import MAX_ATTEMPTS, deliver_email, requeue_stuck_email
from workers.registry import job_options


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RecordingHandler:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


def lost_email(app) -> int:
    """A message queued an hour ago whose delivery job Redis lost (as after a restart)."""
    from brokerage.extensions import rq

    with app.app_context():
        message = queue_email("pat@example.org", "Your pledge was accepted", "Hello Pat,\n\nAccepted.\n", kind="test")
        db.session.commit()
        rq.connection.flushdb()
        message.created_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        return message.id


def delivery_jobs(registry) -> list[Job]:
    jobs = Job.fetch_many(registry.get_job_ids(), connection=registry.connection)
    return [job for job in jobs if job is not None and job.func_name == "workers.mail.deliver_email"]


def test_a_requeued_delivery_keeps_its_retries(app, work_jobs, smtp_server):
    from brokerage.extensions import rq

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens there yet
    message_id = lost_email(app)
    with app.app_context():
        rq.enqueue(requeue_stuck_email)

    # The safety net enqueues a delivery, which fails: it waits for RQ's retry instead of failing for good.
    assert work_jobs() == 0
    with app.app_context():
        message = db.session.get(EmailMessage, message_id)
        assert (message.status, message.attempts) == ("queued", 1)
        assert message.last_error.startswith("ConnectionRefusedError")
        assert delivery_jobs(FailedJobRegistry("emails", connection=rq.connection)) == []
        scheduled = ScheduledJobRegistry("emails", connection=rq.connection)
        [retry] = delivery_jobs(scheduled)
        declared = job_options(deliver_email)
        assert tuple(retry.args) == (message_id,) and retry.origin == declared.queue == "emails"
        assert retry.timeout == declared.timeout
        assert retry.retries_left == MAX_ATTEMPTS - 2  # one of the declared retries used
        assert retry.retry_intervals == declared.retry.intervals

        # The back-off has passed (set explicitly, nobody waits) and the mail server is back.
        scheduled.schedule(retry, datetime(2000, 1, 1, tzinfo=UTC))
        app.config["MAIL_PORT"] = smtp_server.port
        scheduler = RQScheduler(["emails"], connection=rq.connection)
        scheduler.prepare_registries(["emails"])
        scheduler.enqueue_scheduled_jobs()

    assert work_jobs() == 0
    [(recipients, mime)] = smtp_server.messages
    assert recipients == ["pat@example.org"] and mime["Subject"] == "Your pledge was accepted"
    with app.app_context():
        message = db.session.get(EmailMessage, message_id)
        assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)


def test_the_requeue_enqueues_only_never_attempted_old_email(app, work_jobs, tmp_path):
    """What the safety net picks is unchanged: old, queued, never attempted."""
    from brokerage.extensions import rq

    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    old = lost_email(app)
    with app.app_context():
        recent = queue_email("sam@example.org", "Just queued", "Hello", kind="test")
        db.session.commit()
        recent_id = recent.id
        rq.connection.flushdb()  # its job lost too, but it is not yet overdue
        rq.enqueue(requeue_stuck_email)
    assert work_jobs() == 0
    with app.app_context():
        assert db.session.get(EmailMessage, old).status == "sent"
        assert db.session.get(EmailMessage, recent_id).status == "queued"
