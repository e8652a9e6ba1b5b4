"""Health checks for load balancers, monitors and officers.

- `/healthz` (liveness): the process answers. It touches nothing else, so a slow
  database or a Redis outage never makes a platform restart healthy web processes.
- `/readyz` (readiness): the database and Redis answer, the database's migrations are
  the code's, a worker's heartbeat is younger than HEALTH_WORKER_MAX_AGE seconds and the
  cron last enqueued a periodic job less than HEALTH_CRON_MAX_AGE seconds ago
  (workers/heartbeats.py). JSON with each check; 200 when all pass, else 503.

The officers' jobs page shows the same checks. Nothing here says where the database or
Redis is, or why in words a library chose: only the kind of failure."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from flask import Flask, current_app
from redis import Redis
from sqlalchemy import text

from models import db
from workers.heartbeats import cron_last_run, worker_heartbeats


@dataclass(frozen=True)
class Check:
    name: str
    label: str  # for people
    ok: bool
    detail: str


def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} second{'' if seconds == 1 else 's'} ago"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} minutes ago"
    return f"{minutes // 60} hours ago"


def _limit(seconds: float) -> str:
    seconds = int(seconds)
    if seconds % 60 == 0 and seconds >= 60:
        minutes = seconds // 60
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def health_connection(app: Flask) -> Redis:
    """A Redis client for the checks: short timeouts and no retries, so a check answers
    within seconds whatever Redis does."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    url = app.config["REDIS_URL"]
    state = app.extensions.setdefault("health", {})
    if state.get("url") != url:
        if state.get("connection") is not None:
            state["connection"].close()
        state["connection"] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2, retry=Retry(NoBackoff(), 0))
        state["url"] = url
    return state["connection"]


def migration_heads(app: Flask) -> set[str]:
    """The head revisions of the code's migrations (read once per process)."""
    state = app.extensions.setdefault("health", {})
    if "heads" not in state:
        from alembic.script import ScriptDirectory

        config = app.extensions["migrate"].migrate.get_config()
        state["heads"] = set(ScriptDirectory.from_config(config).get_heads())
    return state["heads"]


def check_database() -> tuple[Check, set[str] | None]:
    """SELECT 1, and the migration revisions, on a connection of its own (the request's
    session, and what it has loaded, are left alone)."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            try:
                with connection.begin_nested():
                    current = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
            except Exception:  # noqa: BLE001 - no alembic_version table: nothing migrated
                current = set()
            connection.rollback()
    except Exception as error:  # noqa: BLE001 - any failure is "cannot be reached"
        return Check("database", "Database", False, f"cannot be reached ({type(error).__name__})"), None
    return Check("database", "Database", True, "answers"), current


def check_migrations(app: Flask, current: set[str] | None) -> Check:
    if current is None:
        return Check("migrations", "Database migrations", False, "unknown: the database cannot be reached")
    try:
        heads = migration_heads(app)
    except Exception as error:  # noqa: BLE001
        return Check("migrations", "Database migrations", False, f"the migrations cannot be read ({type(error).__name__})")
    if current == heads:
        return Check("migrations", "Database migrations", True, f"up to date ({', '.join(sorted(heads))})")
    if not current:
        return Check("migrations", "Database migrations", False, "none applied: run flask db upgrade")
    return Check(
        "migrations",
        "Database migrations",
        False,
        f"the database is at {', '.join(sorted(current))}, the code at {', '.join(sorted(heads))}: run flask db upgrade",
    )


def run_checks(app: Flask | None = None) -> list[Check]:
    app = app or current_app._get_current_object()
    database, current = check_database()
    checks = [database]
    connection = health_connection(app)
    try:
        connection.ping()
        redis_ok = True
        checks.append(Check("redis", "Redis (job queues)", True, "answers"))
    except Exception as error:  # noqa: BLE001
        redis_ok = False
        checks.append(Check("redis", "Redis (job queues)", False, f"cannot be reached ({type(error).__name__})"))
    checks.append(check_migrations(app, current))

    worker_age = float(app.config.get("HEALTH_WORKER_MAX_AGE") or 300)
    cron_age = float(app.config.get("HEALTH_CRON_MAX_AGE") or 300)
    if not redis_ok:
        checks.append(Check("worker", "Workers", False, "unknown: Redis cannot be reached"))
        checks.append(Check("cron", "Periodic jobs", False, "unknown: Redis cannot be reached"))
        return checks
    now = time.time()
    try:
        beats = worker_heartbeats(connection, worker_age, now)
        if beats.newest is None:
            checks.append(Check("worker", "Workers", False, f"no worker heartbeat in the last {_limit(worker_age)}"))
        elif beats.fresh:
            checks.append(
                Check(
                    "worker",
                    "Workers",
                    True,
                    f"{beats.fresh} worker{'' if beats.fresh == 1 else 's'} alive, last heartbeat {_ago(now - beats.newest)}",
                )
            )
        else:
            checks.append(
                Check("worker", "Workers", False, f"the last worker heartbeat was {_ago(now - beats.newest)} (limit {_limit(worker_age)})")
            )
        last = cron_last_run(connection)
        if last is None:
            checks.append(Check("cron", "Periodic jobs", False, f"the cron has not run in the last {_limit(cron_age)}"))
        elif now - last.at <= cron_age:
            checks.append(Check("cron", "Periodic jobs", True, f"last ran {_ago(now - last.at)} ({last.job})"))
        else:
            checks.append(
                Check("cron", "Periodic jobs", False, f"last ran {_ago(now - last.at)} ({last.job}; limit {_limit(cron_age)})")
            )
    except Exception as error:  # noqa: BLE001 - Redis went away between the checks
        checks.append(Check("worker", "Workers", False, f"unknown ({type(error).__name__})"))
        checks.append(Check("cron", "Periodic jobs", False, f"unknown ({type(error).__name__})"))
    return checks


def readiness(app: Flask | None = None) -> tuple[dict, int]:
    checks = run_checks(app)
    ready = all(check.ok for check in checks)
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {check.name: {key: value for key, value in asdict(check).items() if key != "name"} for check in checks},
    }
    return body, 200 if ready else 503
