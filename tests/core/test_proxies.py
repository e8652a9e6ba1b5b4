"""Behind a router (the Procfile's web process usually is), every request arrives from the
router's address. PROXY_COUNT says how many proxies to trust: with none (the default) the
X-Forwarded-For header anyone can send is ignored; with one, each visitor is known by the
address the router forwarded, so visitors no longer share one sign-in rate limit."""

from __future__ import annotations

import pytest

from brokerage import create_app
from brokerage.config import from_environment
from tests.conftest import _config
from tests.factories import login

ROUTER = "10.0.0.5"  # every request reaches the app from here


@pytest.fixture
def build_app(app, instance_dir, database_uri, redis_url, monkeypatch):
    """Build the app as the Procfile does, with PROXY_COUNT as given (None: unset). It
    shares the `app` fixture's database and Redis, which that fixture empties afterwards."""
    built = []

    def build(proxy_count: str | None):
        if proxy_count is None:
            monkeypatch.delenv("PROXY_COUNT", raising=False)
        else:
            monkeypatch.setenv("PROXY_COUNT", proxy_count)
        made = create_app(_config(instance_dir, database_uri, redis_url))
        made.config["LOGIN_IP_RATE_LIMIT"] = "3 per hour"  # per address, whatever the email (a new one each time)
        built.append(made)
        return made

    yield build
    for made in built:
        with made.app_context():
            from brokerage.extensions import rq
            from models import db

            db.session.remove()
            rq.connection.close()
            db.engine.dispose()


def visitor(app, forwarded_for: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ROUTER
    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client


def failed_sign_in(client, number: int) -> int:
    return login(client, f"nobody-{number}@example.org", "wrong-password-guess").status_code


def test_without_proxy_count_forwarded_addresses_are_ignored(build_app):
    app = build_app(None)
    assert app.config["PROXY_COUNT"] == 0
    first, second = visitor(app, "198.51.100.1"), visitor(app, "198.51.100.2")
    assert [failed_sign_in(first, number) for number in range(3)] == [200, 200, 200]
    # Anyone could have written the header: both are the router's address, one shared limit.
    assert failed_sign_in(second, 3) == 429
    package = first.get("/open-data/ocds.json", headers={"X-Forwarded-Proto": "https"}).get_json()
    assert package["uri"] == "http://localhost/open-data/ocds.json"


def test_with_one_proxy_each_forwarded_address_has_its_own_limit(build_app):
    app = build_app("1")
    assert app.config["PROXY_COUNT"] == 1
    first, second = visitor(app, "198.51.100.1"), visitor(app, "198.51.100.2")
    assert [failed_sign_in(first, number) for number in range(3)] == [200, 200, 200]
    assert failed_sign_in(first, 3) == 429  # the limit is live...
    assert failed_sign_in(second, 4) == 200  # ...and the other visitor has their own
    # Only the address the trusted router added counts: a client's own header before it does not.
    spoofing = visitor(app, "203.0.113.9, 198.51.100.1")
    assert failed_sign_in(spoofing, 5) == 429
    # The router's X-Forwarded-Proto is trusted too: links are https, as the visitor used.
    package = first.get("/open-data/ocds.json", headers={"X-Forwarded-Proto": "https"}).get_json()
    assert package["uri"] == "https://localhost/open-data/ocds.json"


@pytest.mark.parametrize("raw, count", [(None, 0), ("", 0), (" ", 0), ("0", 0), ("1", 1), ("2", 2)])
def test_proxy_count_is_a_whole_number_none_by_default(tmp_path, raw, count):
    env = {"APP_ENV": "test"} | ({} if raw is None else {"PROXY_COUNT": raw})
    assert from_environment(env, str(tmp_path))["PROXY_COUNT"] == count


@pytest.mark.parametrize("raw", ["-1", "one", "1.5"])
def test_a_proxy_count_that_is_not_a_whole_number_stops_the_app(tmp_path, raw):
    with pytest.raises(ValueError, match="PROXY_COUNT"):
        from_environment({"APP_ENV": "test", "PROXY_COUNT": raw}, str(tmp_path))
