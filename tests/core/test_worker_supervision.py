"""`flask worker` supervises what it starts (brokerage/supervisor.py, brokerage/worker.py),
shown with real faults: processes killed with SIGKILL on a real Redis server.

- RQ's scheduler, the cron process and the RQ worker, each killed, come back by
  themselves (and the RQ worker works); a process that keeps dying makes the worker exit
  non-zero, taking the others with it.
- After the whole worker is killed with `kill -9` and started again, RQ's scheduler
  starts at once (not at RQ's 10-minute maintenance run): a delayed job, as an email retry
  is, goes on time. And a worker killed alone leaves nothing of its own running."""

from __future__ import annotations

import os
import signal
from datetime import timedelta

import pytest
from rq import Queue

from models import EmailMessage, db
from models.core.mail import queue_email
from tests.core.worker_processes import (
    RedisServer,
    WorkerProcess,
    children_of,
    cron_pids,
    gone,
    rq_worker_pids,
    scheduler_pid,
    wait_for,
)
from workers.mail import deliver_email


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workers(app, redis_server, tmp_path):
    started: list[WorkerProcess] = []

    def start(*args: str, **settings: str) -> WorkerProcess:
        worker = WorkerProcess(app, redis_server.url, tmp_path / "instance", *args, **settings)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def email(app) -> int:
    """An email row whose delivery job the test enqueues itself (no job yet)."""
    with app.app_context():
        message = queue_email("pat@example.org", "Your pledge was accepted", "Hello Pat", kind="test")
        db.session.flush()
        message_id = message.id
        db.session.commit()
        return message_id


def sent(app, message_id: int) -> bool:
    with app.app_context():
        status = db.session.get(EmailMessage, message_id).status
        db.session.rollback()
        return status == "sent"


def test_each_process_that_dies_comes_back_and_one_that_keeps_dying_stops_the_worker(app, redis_server, workers):
    connection = redis_server.client()
    worker = workers(WORKER_MAX_RESTARTS="2", WORKER_BACKOFF_MAX_SECONDS="120")
    scheduler = wait_for(lambda: scheduler_pid(connection), "RQ's scheduler runs")
    [cron] = wait_for(lambda: cron_pids(connection), "the cron process runs")
    [rq_worker] = wait_for(lambda: rq_worker_pids(connection), "the RQ worker runs")

    # RQ's scheduler (started by the RQ worker) is started again within a heartbeat.
    os.kill(scheduler, signal.SIGKILL)
    restarted = wait_for(lambda: (pid := scheduler_pid(connection)) and pid != scheduler and pid, "a new RQ scheduler")
    assert restarted in children_of(rq_worker)

    # The cron process is started again by the worker.
    os.kill(cron, signal.SIGKILL)
    [cron] = wait_for(lambda: cron_pids(connection) - {cron}, "a new cron process")
    assert cron in children_of(worker.pid)

    # So is the RQ worker, and the new one delivers email.
    os.kill(rq_worker, signal.SIGKILL)
    [rq_worker] = wait_for(lambda: rq_worker_pids(connection) - {rq_worker}, "a new RQ worker")
    assert rq_worker in children_of(worker.pid)
    message_id = email(app)
    Queue("emails", connection=connection).enqueue(deliver_email, message_id)
    wait_for(lambda: sent(app, message_id), "the new RQ worker delivers the email")
    assert worker.running()

    # The cron process dies again and again, each time soon after starting: past
    # WORKER_MAX_RESTARTS (2) in a row, the worker gives up and exits non-zero.
    os.kill(cron, signal.SIGKILL)  # the second time in a row
    [cron] = wait_for(lambda: cron_pids(connection) - {cron}, "the cron process started a third time")
    os.kill(cron, signal.SIGKILL)  # the third
    wait_for(lambda: not worker.running(), "the worker exits")
    assert worker.process.returncode == 1, worker.output()
    assert "cannot be restarted" in worker.output()
    wait_for(lambda: gone(rq_worker) and not rq_worker_pids(connection), "the RQ worker stopped with it")
    connection.close()


def test_after_kill_9_the_next_worker_starts_rqs_scheduler_at_once_and_a_killed_worker_leaves_nothing_running(
    app, redis_server, workers
):
    connection = redis_server.client()
    first = workers("--no-cron")
    dead_scheduler = wait_for(lambda: scheduler_pid(connection), "the first worker's RQ scheduler runs")
    dead_worker = wait_for(lambda: rq_worker_pids(connection), "the first worker's RQ worker runs")

    first.kill_group()  # kill -9 the worker and everything it started, as a platform does
    wait_for(lambda: gone(dead_scheduler) and all(gone(pid) for pid in dead_worker), "every process of it has gone")
    owner = connection.get("rq:scheduler-lock:emails")
    assert owner is not None  # the dead scheduler still holds its lock: RQ would wait for it to expire...

    second = workers()
    message_id = email(app)
    # A delayed job, as an email retry is: only RQ's scheduler puts it on its queue.
    Queue("emails", connection=connection).enqueue_in(timedelta(seconds=1), deliver_email, message_id)

    # ...and then for its 10-minute maintenance run. Ours takes the lock over at once.
    wait_for(lambda: sent(app, message_id), "the delayed email is sent by the second worker")
    assert connection.get("rq:scheduler-lock:emails") != owner
    assert "which has stopped" in second.output()

    # Killed alone (kill -9 of its own pid), the worker leaves nothing of its own running.
    scheduler = wait_for(lambda: scheduler_pid(connection), "the second worker's RQ scheduler runs")
    [rq_worker] = wait_for(lambda: rq_worker_pids(connection), "the second worker's RQ worker runs")
    [cron] = wait_for(lambda: cron_pids(connection), "the second worker's cron runs")
    assert {rq_worker, cron} <= children_of(second.pid) and scheduler in children_of(rq_worker)
    os.kill(second.pid, signal.SIGKILL)
    second.process.wait(60)
    wait_for(lambda: gone(rq_worker) and gone(scheduler) and gone(cron), "its RQ worker, RQ's scheduler and its cron have stopped")
    connection.close()
