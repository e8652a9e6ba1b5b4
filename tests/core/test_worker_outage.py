"""A Redis outage longer than the reconnect window, survived by the worker alone.

A real redis-server is stopped (killed, so it comes back empty, as a Redis without
persistence does) while `flask worker` runs. It stays down until the worker's cron
process and RQ's scheduler have died of it; meanwhile a request's email is kept in
`pending_jobs`. Then Redis is started again, nobody touches the worker, and the pending
job is enqueued by the periodic sweeper and delivered, a periodic job runs, and /readyz
reports ready again."""

from __future__ import annotations

from rq.cron import get_cron_job_ids
from rq.job import Job, JobStatus
from sqlalchemy import select

from models import EmailMessage, PendingJob, db
from models.core.mail import queue_email
from tests.core.worker_processes import RedisServer, WorkerProcess, cron_pids, gone, scheduler_pid, wait_for


def test_the_worker_recovers_from_a_long_redis_outage_by_itself(app, client, tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    working_redis = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = server.url  # the app (requests, /readyz) uses the same Redis
    worker = WorkerProcess(
        app,
        server.url,
        tmp_path / "instance",
        # Every-minute jobs every two seconds, so the test need not wait for a minute.
        PERIODIC_SCHEDULE="enqueue_pending_jobs=* * * * * */2;close_due_rounds=* * * * * */2",
    )
    try:
        connection = server.client()
        wait_for(lambda: client.get("/readyz").status_code == 200, "/readyz: the worker and its cron are up")
        [cron] = wait_for(lambda: cron_pids(connection), "the cron process runs")
        scheduler = wait_for(lambda: scheduler_pid(connection), "RQ's scheduler runs")
        connection.close()

        server.stop()
        # Longer than the reconnect window: until both have died of it.
        wait_for(lambda: gone(cron) and gone(scheduler), "the cron process and RQ's scheduler die while Redis is down")
        with app.app_context():
            message = queue_email("pat@example.org", "Your pledge was accepted", "Hello Pat", kind="test")
            db.session.commit()  # its delivery job cannot be enqueued: it waits in pending_jobs
            message_id = message.id
            assert db.session.scalar(select(PendingJob.func_path)) == "workers.mail.deliver_email"
            db.session.rollback()
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["checks"]["redis"]["ok"] is False
        assert worker.running()

        server.start()  # empty: nothing the worker wrote before is there

        def delivered() -> bool:
            with app.app_context():
                status = db.session.get(EmailMessage, message_id).status
                left = db.session.scalar(select(PendingJob.id))
                db.session.rollback()
                return status == "sent" and left is None

        wait_for(delivered, "the pending email is enqueued by the periodic sweeper and delivered")
        connection = server.client()

        def periodic_job_ran() -> bool:
            ids = get_cron_job_ids("close_due_rounds", connection)
            return any(job and job.get_status() == JobStatus.FINISHED for job in Job.fetch_many(ids, connection=connection))

        wait_for(periodic_job_ran, "close_due_rounds, a periodic job, runs after the outage")
        wait_for(lambda: client.get("/readyz").status_code == 200, "/readyz: ready again")
        assert worker.running()  # the same worker, never restarted from outside
        assert cron_pids(connection) and scheduler_pid(connection)
        connection.close()
    finally:
        worker.stop()
        server.stop()
        app.config["REDIS_URL"] = working_redis
