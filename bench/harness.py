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
    """(label, DATABASE_URL): SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""
    found: list[tuple[str, str | None]] = [("sqlite", None)]
    if os.environ.get("TEST_DATABASE_URL"):
        found.append(("postgresql", os.environ["TEST_DATABASE_URL"]))
    return found


@contextmanager
def bench_app(database_url: str | None) -> Iterator:
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
            }
        )
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
            yield app


def measure(label: str, action: Callable[[], object], repeat: int = 30) -> dict[str, float]:
    action()  # warm up caches and the query planner
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    result = {
        "median_ms": statistics.median(samples),
        "p95_ms": samples[min(len(samples) - 1, int(len(samples) * 0.95))],
    }
    print(f"  {label:<58} median {result['median_ms']:8.2f} ms   p95 {result['p95_ms']:8.2f} ms")
    return result
