"""/healthz and /readyz for load balancers and monitors (brokerage/health.py), and the
same checks on the officers' jobs page. The worker's heartbeat and the cron's last run
are written by the real code that writes them in `flask worker`: an RQ worker's heartbeat
(AppWorker) and the cron scheduler's enqueue pass (workers/cron.py)."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from brokerage import create_app
from models import Role, db
from tests.conftest import _config
from tests.factories import signed_in
from tests.core.worker_processes import free_port, wait_for
from workers.cron import OncePerScheduleCronScheduler
from workers.schedule import register_periodic_jobs


def closed_redis_url(password: str = "") -> str:
    return f"redis://{':' + password + '@' if password else ''}127.0.0.1:{free_port()}/0"  # nothing listens there


def run_the_cron_once(app) -> None:
    """What the cron process does at a scheduled time, done here once."""
    from brokerage.extensions import rq

    with app.app_context():
        scheduler = OncePerScheduleCronScheduler(connection=rq.connection)
        register_periodic_jobs(scheduler, "close_due_rounds=* * * * * *")  # every second
        wait_for(scheduler.enqueue_jobs, "the cron enqueues close_due_rounds at its next second")


def readyz(client):
    response = client.get("/readyz")
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.get_json()


def test_healthz_answers_with_no_database_and_no_redis(instance_dir, tmp_path):
    config = _config(instance_dir, f"sqlite:///{tmp_path}/missing/folder/brokerage.db", closed_redis_url())
    app = create_app(config)

    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_503_until_a_worker_has_a_heartbeat_and_the_cron_has_run(app, client, work_jobs):
    status, body = readyz(client)
    assert status == 503 and body["status"] == "not ready"
    checks = body["checks"]
    assert set(checks) == {"database", "redis", "migrations", "worker", "cron"}
    assert (checks["database"]["ok"], checks["redis"]["ok"], checks["migrations"]["ok"]) == (True, True, True)
    assert checks["worker"] == {"ok": False, "label": "Workers", "detail": "no worker heartbeat in the last 5 minutes"}
    assert checks["cron"]["ok"] is False

    work_jobs()  # a real RQ worker: its heartbeat is recorded
    status, body = readyz(client)
    assert (status, body["checks"]["worker"]["ok"], body["checks"]["cron"]["ok"]) == (503, True, False)

    run_the_cron_once(app)
    status, body = readyz(client)
    assert status == 200 and body["status"] == "ready", body
    assert body["checks"]["cron"]["detail"].endswith("(close_due_rounds)")


def test_readyz_is_503_once_the_last_heartbeat_is_older_than_the_limit(app, client, work_jobs):
    work_jobs()
    run_the_cron_once(app)
    assert readyz(client)[0] == 200

    app.config["HEALTH_WORKER_MAX_AGE"] = 1  # seconds
    status, body = wait_for(lambda: (found := readyz(client))[0] == 503 and found, "the heartbeat is over a second old")
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["detail"].startswith("the last worker heartbeat was ")
    assert body["checks"]["cron"]["ok"] is True


def test_readyz_is_503_when_redis_is_down_and_gives_nothing_away(app, client):
    working_redis = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = closed_redis_url("s3cret-redis-password")
    try:
        status, body = readyz(client)
        raw = client.get("/readyz").get_data(as_text=True)
        port = app.config["REDIS_URL"].rsplit(":", 1)[1].split("/")[0]
    finally:
        app.config["REDIS_URL"] = working_redis
    assert status == 503
    checks = body["checks"]
    assert checks["redis"] == {"ok": False, "label": "Redis (job queues)", "detail": "cannot be reached (ConnectionError)"}
    assert checks["worker"]["ok"] is False and checks["cron"]["ok"] is False
    assert checks["database"]["ok"] is True
    for secret in ("s3cret-redis-password", port, "127.0.0.1", app.config["SECRET_KEY"], app.config["SQLALCHEMY_DATABASE_URI"]):
        assert secret not in raw


def test_readyz_says_when_the_database_is_behind_the_migrations(app, client):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        scripts = ScriptDirectory.from_config(config)
        [head] = scripts.get_heads()
        previous = scripts.get_revision(head).down_revision
        db.session.execute(text("UPDATE alembic_version SET version_num = :previous"), {"previous": previous})
        db.session.commit()
    try:
        status, body = readyz(client)
    finally:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
            db.session.commit()
    assert status == 503
    assert body["checks"]["migrations"] == {
        "ok": False,
        "label": "Database migrations",
        "detail": f"the database is at {previous}, the code at {head}: run flask db upgrade",
    }
    assert readyz(client)[1]["checks"]["migrations"]["ok"] is True


def test_health_checks_need_no_sign_in_and_no_rate_limit_applies(app, instance_dir, database_uri):
    from brokerage.extensions import limiter

    # A limit on every route of the app (the limiter is one object, shared by every app
    # built in this process: the limit is taken off again below).
    limited = create_app({**_config(instance_dir, database_uri, app.config["REDIS_URL"]), "RATELIMIT_APPLICATION": "3 per minute"})
    try:
        client = limited.test_client()
        for _ in range(8):
            assert client.get("/healthz").status_code == 200
            assert client.get("/readyz").status_code in (200, 503)  # answered, never 429 or a sign-in page
        assert [client.get("/privacy").status_code for _ in range(4)] == [200, 200, 200, 429]  # the limit is on
    finally:
        limiter.limit_manager.set_application_limits([])
    assert app.test_client().get("/privacy").status_code == 200


@pytest.mark.parametrize("heartbeat", [False, True])
def test_officers_see_the_same_checks_on_the_jobs_page(app, make_user, work_jobs, heartbeat):
    make_user("officer@example.org", role=Role.OFFICER)
    if heartbeat:
        work_jobs()
    officer = signed_in(app, "officer@example.org")

    page = officer.get("/officers/jobs").get_data(as_text=True)

    checks = page.split('id="health-checks"', 1)[1].split("</dl>", 1)[0]
    for label in ("Database", "Redis (job queues)", "Database migrations", "Workers", "Periodic jobs"):
        assert label in checks
    assert checks.count("govuk-tag--green") == (4 if heartbeat else 3)  # database, Redis, migrations (and the worker)
    assert "the cron has not run in the last 5 minutes" in checks
    if heartbeat:
        assert "1 worker alive, last heartbeat" in checks
    else:
        assert "no worker heartbeat in the last 5 minutes" in checks
