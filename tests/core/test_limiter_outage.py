"""Sign-in, registration and password reset with Redis down: a real redis-server holds
the rate limits and is stopped (killed); the limits carry on in the process's memory, a
log line says so, and nobody gets a 500. The email a registration sends waits in
`pending_jobs` until Redis is back."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from brokerage import create_app
from brokerage.extensions import limiter
from models import PendingJob, User, db
from tests.core.worker_processes import RedisServer
from tests.factories import PASSWORD, login, post_form


@pytest.fixture
def app_on_a_real_redis(app, tmp_path):
    """An app whose rate limits and queues live in a real redis-server the test can stop."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    config = {
        key: app.config[key]
        for key in ("APP_ENV", "TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "MAIL_SERVER", "MAIL_OUTBOX_DIR",
                    "UPLOAD_DIR", "SERVER_NAME_FOR_EMAIL", "SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE")
    }
    real = create_app({**config, "REDIS_URL": server.url})
    try:
        yield real, server
    finally:
        server.stop()
        limiter._storage_dead = False  # the limiter is shared by every app the tests make
        with real.app_context():
            db.session.remove()


def test_sign_in_registration_and_reset_work_with_redis_down_and_still_limit(app_on_a_real_redis, caplog):
    real, server = app_on_a_real_redis
    with real.app_context():
        from tests import factories

        factories.user()
        db.session.commit()
    client = real.test_client()
    assert login(client, "person@example.org", "wrong-password-guess").status_code == 200, "Redis up: as usual"

    server.stop()
    real.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    with caplog.at_level(logging.WARNING):
        browser = real.test_client()
        assert login(browser, "person@example.org").status_code == 302, "signed in with Redis down"
        register = post_form(
            real.test_client(), "/register", {"name": "Amara Okafor", "email": "amara@example.org", "password": PASSWORD}
        )
        assert register.status_code == 200 and "Check your email" in register.get_data(as_text=True)
        reset = post_form(real.test_client(), "/password/forgot", {"email": "person@example.org"})
        assert reset.status_code == 200
        # The limits still hold, in this process's memory.
        attacker = real.test_client()
        attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
        statuses = [login(attacker, "person@example.org", "wrong-password-guess").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "falling back to in-memory storage" in caplog.text
    with real.app_context():
        assert db.session.scalar(select(User.id).where(User.email == "amara@example.org")) is not None
        assert db.session.scalar(select(PendingJob.func_path)) == "workers.mail.deliver_email"
