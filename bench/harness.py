"""Shared set-up for benchmarks: a fresh database built by the migrations, an app,
and a timer that reports median and 95th percentile."""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy import create_engine, text


def targets() -> list[tuple[str, str | None]]:
    """(label, DATABASE_URL): SQLite always, PostgreSQL when BENCH_DATABASE_URL (or
    TEST_DATABASE_URL) is set; its public schema is dropped and rebuilt, so give a database
    of its own. BENCH_TARGETS=sqlite or =postgresql runs one only."""
    found: list[tuple[str, str | None]] = [("sqlite", None)]
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if url:
        found.append(("postgresql", url))
    only = os.environ.get("BENCH_TARGETS")
    return [target for target in found if not only or target[0] in only.split(",")]


@contextmanager
def bench_app(database_url: str | None) -> Iterator:
    """bench_database's app with its app context pushed, for benches that work in one."""
    with bench_database(database_url) as app, app.app_context():
        yield app


@contextmanager
def bench_database(database_url: str | None) -> Iterator:
    """An app on a fresh database built by the migrations (a temporary SQLite file, or the
    PostgreSQL database given, its public schema dropped and rebuilt), with no app context
    left pushed: each test-client request then gets an app context of its own, as a request
    in production does (a context left pushed lends every request its session)."""
    from brokerage import create_app
    from brokerage.config import database_url as normalise

    # BENCH_KEEP=1 keeps the SQLite file for a closer look (the path is printed).
    keep = os.environ.get("BENCH_KEEP")
    with (contextlib.nullcontext(tempfile.mkdtemp(prefix="brokerage-bench-")) if keep else tempfile.TemporaryDirectory(prefix="brokerage-bench-")) as folder:
        if keep:
            print(f"  keeping {folder}")
        os.environ.update(APP_ENV="test", SECRET_KEY="bench", INSTANCE_PATH=folder)
        uri = normalise(database_url, folder)
        if uri.startswith("postgresql"):
            engine = create_engine(uri)
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": uri,
                "REDIS_URL": os.environ.get("TEST_REDIS_URL") or None,
                "RATELIMIT_ENABLED": False,
                "WTF_CSRF_ENABLED": False,
                "GC_FREEZE": True,  # as in production (APP_ENV=test turns it off)
                # What a page costs to make (a signed-in reader's, or the first signed-out
                # reader's): kept pages are measured apart, in the growth bench's throughput.
                "PAGE_CACHE": False,
            }
        )
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
        yield app


def measure(label: str, action: Callable[[], object], repeat: int = 30) -> dict[str, float]:
    """Wall time, and this process's CPU time (what the page cost here, without the time
    spent waiting for a CPU on a busy machine; on SQLite it includes the database's work,
    on PostgreSQL the server's work is not in it)."""
    action()  # warm up caches and the query planner
    samples, cpu = [], []
    for _ in range(repeat):
        wall_ms, cpu_ms = timed(action)
        samples.append(wall_ms)
        cpu.append(cpu_ms)
    return summarise(label, samples, cpu)


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """One run of `action`: (wall ms, this process's CPU ms)."""
    started, started_cpu = time.perf_counter(), time.process_time()
    action()
    return (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000


def summarise(label: str, samples: list[float], cpu: list[float]) -> dict[str, float]:
    """The median and 95th percentile of wall and CPU samples (ms), printed on one line."""
    samples, cpu = sorted(samples), sorted(cpu)
    p95 = min(len(samples) - 1, int(len(samples) * 0.95))
    result = {
        "median_ms": statistics.median(samples),
        "p95_ms": samples[p95],
        "cpu_median_ms": statistics.median(cpu),
        "cpu_p95_ms": cpu[p95],
    }
    print(f"  {label:<58} median {result['median_ms']:8.2f} ms   p95 {result['p95_ms']:8.2f} ms"
          f"   (CPU median {result['cpu_median_ms']:7.2f}, p95 {result['cpu_p95_ms']:7.2f})")
    return result


def verified_borough(groups: int, suppliers: int) -> tuple[list[int], list[int], list[int], list[int]]:
    """Brent's wards and themes, an officer, and `groups` community groups and `suppliers`
    suppliers, each with an owner, made and verified by the rules, committed:
    (group ids, supplier ids, ward ids, theme ids)."""
    from sqlalchemy import select

    from brokerage.demo import data_dir
    from models import Theme, Ward, db
    from models.people.accounts import Role, register_user, verify_email
    from models.people.organisations import OrganisationKind, create_organisation, verify_organisation
    from models.places.themes import seed_themes
    from models.places.wards import import_wards

    import_wards((data_dir() / "drkane_wards_WD25_E09000005.geojson").read_text())
    seed_themes()
    officer = register_user("Bench Officer", "officer@bench.example.org", "correct-horse-battery-staple", Role.OFFICER)
    verify_email(officer, officer.email)

    def organisations(kind, count, **fields) -> list[int]:
        made = []
        for n in range(count):
            owner = register_user(f"{kind.value} owner {n}", f"{kind.value}{n}@bench.example.org", "correct-horse-battery-staple")
            verify_email(owner, owner.email)
            if kind == OrganisationKind.SUPPLIER:
                fields["registration_number"] = f"{10_000_000 + n:08d}"
            organisation = create_organisation(owner, kind, name=f"{kind.label} {n}", **fields)
            verify_organisation(organisation, officer)
            made.append(organisation.id)
        return made

    made = (
        organisations(OrganisationKind.VCSE, groups, legal_form="community_group"),
        organisations(OrganisationKind.SUPPLIER, suppliers, legal_form="company", size_band="small"),
        db.session.scalars(select(Ward.id)).all(),
        db.session.scalars(select(Theme.id)).all(),
    )
    db.session.commit()
    return made
