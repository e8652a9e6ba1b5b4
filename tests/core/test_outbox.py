"""Rules' follow-up jobs go through the transactional outbox (models/core/outbox.py):
written with the change, enqueued once after the commit, gone with a rollback (also a
rolled-back savepoint), kept for the sweeper while Redis is unreachable; and every job
a rule names is a real job of ours."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from models import PendingJob, db
from models.core.outbox import enqueue_after_commit

MAINTENANCE = "workers.needs.expire_needs"  # a real job that takes no ids


def queued(app) -> list[tuple[str, list]]:
    from brokerage.extensions import rq
    from brokerage.jobs import QUEUES

    with app.app_context():
        return sorted((job.func_name, list(job.args)) for name in QUEUES for job in rq.queue(name).jobs)


def outbox() -> list[tuple[str, list, str | None]]:
    db.session.expire_all()
    return [(row.func_path, row.args, row.last_error) for row in db.session.scalars(select(PendingJob).order_by(PendingJob.id))]


def test_a_job_asked_for_twice_in_a_transaction_is_enqueued_once(app):
    with app.app_context():
        enqueue_after_commit("workers.matching.match_commitments", 3, 4)
        enqueue_after_commit("workers.matching.match_commitments", 3, 4)
        enqueue_after_commit("workers.matching.match_commitments", 5)
        db.session.commit()
        assert outbox() == []
    assert queued(app) == [
        ("workers.matching.match_commitments", [3, 4]),
        ("workers.matching.match_commitments", [5]),
    ]


def test_a_job_registered_in_a_rolled_back_savepoint_is_not_enqueued(app):
    with app.app_context():
        enqueue_after_commit("workers.matching.match_for_need", 1)
        savepoint = db.session.begin_nested()
        enqueue_after_commit("workers.matching.match_for_need", 2)
        savepoint.rollback()
        savepoint = db.session.begin_nested()
        enqueue_after_commit("workers.matching.match_for_need", 3)
        savepoint.commit()  # released, but the transaction has not committed yet
        assert queued(app) == []
        db.session.commit()
        assert outbox() == []
    assert queued(app) == [("workers.matching.match_for_need", [1]), ("workers.matching.match_for_need", [3])]


def _closed_redis_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there


def test_while_redis_is_down_the_job_waits_in_the_outbox_for_the_sweeper(app):
    from brokerage.extensions import rq
    from workers.pending import enqueue_pending

    working_redis = app.config["REDIS_URL"]
    with app.app_context():
        enqueue_after_commit(MAINTENANCE)
        app.config["REDIS_URL"] = _closed_redis_url()
        try:
            db.session.commit()  # the change is saved; the job cannot be enqueued yet
        finally:
            app.config["REDIS_URL"] = working_redis
        [(func_path, args, error)] = outbox()
        assert (func_path, args) == (MAINTENANCE, [])
        assert error.startswith("ConnectionError")
    assert queued(app) == []
    with app.app_context():
        assert enqueue_pending(rq.connection) == 1
        assert outbox() == []
    assert queued(app) == [(MAINTENANCE, [])]


def _job_paths() -> list[str]:
    from models.matching import matches
    from models.voting import setup

    return [setup.COUNT_JOB, matches.MATCH_COMMITMENTS_JOB, matches.MATCH_FOR_NEED_JOB, matches.MATCH_FOR_ROUND_JOB,
            matches.ALLOCATE_DELIVERY_JOB]


@pytest.mark.parametrize("func_path", _job_paths())
def test_every_job_a_rule_names_is_a_job_of_ours(func_path):
    from workers.pending import resolve

    job = resolve(func_path)
    assert f"{job.__module__}.{job.__name__}" == func_path
