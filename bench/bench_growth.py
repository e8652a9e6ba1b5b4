"""Every page costs what it shows, not what the table holds (issue 15).

Builds the same borough at several sizes (BENCH_SIZES, default 20000,200000,1000000: that
many needs and that many confirmed deliveries, plus drafts and pledges on their way),
loading rows in bulk (COPY on PostgreSQL, executemany on SQLite: no ORM object per row),
and times each public list page and API list through the Flask test client, on SQLite and
on PostgreSQL when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set. Prints the 95th
percentile per size and the largest/smallest ratio as a table (goals: p95 under 50 ms at
200,000 rows; the largest size within 1.5x of the smallest).

Then, at the largest size, runs each public page through gunicorn (two workers) beside a
bare Flask route in the same workers and prints requests per second and the ratio (goal:
at least 10% of the bare route). The load comes from wrk when /usr/bin/wrk exists, else a
small Python loop of keep-alive clients (BENCH_SECONDS each, default 3).
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from http.client import HTTPConnection

from sqlalchemy import select, text

from bench.harness import bench_app, measure, targets, verified_borough

KINDS = ["cash", "goods", "volunteering", "skills", "space"]
THINGS = ["laptops", "volunteers", "food parcels", "football kit", "printer", "paint", "garden tools", "mentoring"]
PLACES = ["youth club", "food bank", "community centre", "school garden", "homework club", "lunch club"]
PUBLIC = ["published"] * 6 + ["fully_pledged", "delivered", "closed", "expired"]
GROUPS = 40
SUPPLIERS = 30


def sizes() -> list[int]:
    raw = os.environ.get("BENCH_SIZES", "20000,200000,1000000")
    return [int(size.replace("_", "")) for size in raw.split(",") if size.strip()]


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's non-unique indexes and (SQLite) triggers."""
    from models import db

    if db.session.get_bind().dialect.name == "postgresql":
        rows = db.session.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :table AND indexdef NOT LIKE '%UNIQUE%'"),
            {"table": table},
        ).all()
        return [(name, definition) for name, definition in rows]
    rows = db.session.execute(
        text("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = :table AND type IN ('index', 'trigger')"
             " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"),
        {"table": table},
    ).all()
    return [(f"{kind} {name}", sql) for kind, name, sql in rows]


def _bulk(table: str, columns: list[str], rows) -> None:
    """Rows (tuples) into a table as fast as the database takes them: its secondary indexes
    (and SQLite's search triggers) dropped first and built once afterwards; COPY on
    PostgreSQL, one executemany on SQLite."""
    from models import db

    kept = _secondary_indexes(table)
    for name, _ in kept:
        db.session.execute(text(f"DROP {name if ' ' in name else 'INDEX ' + name}"))
    _insert(table, columns, rows)
    for _, definition in kept:
        db.session.execute(text(definition))
    if table == "needs" and db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("INSERT INTO needs_fts(needs_fts) VALUES ('rebuild')"))


def _insert(table: str, columns: list[str], rows) -> None:
    from models import db

    connection = db.session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor = raw.cursor()
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            (tuple(value.isoformat(" ") if isinstance(value, datetime) else value for value in row) for row in rows),
        )


def load(rng: random.Random, size: int) -> dict:
    """The borough: wards, themes, groups and suppliers made by the rules; `size` needs (one
    in seven a draft or waiting, with no published_at), `size` confirmed deliveries and
    size/10 pledges still on their way, in bulk; the delivery totals rebuilt from them."""
    from models import db
    from models.reporting.delivery_totals import rebuild_delivery_totals

    groups, suppliers, ward_ids, theme_ids = verified_borough(GROUPS, SUPPLIERS)

    started = time.perf_counter()
    today = date.today()
    now = datetime.utcnow().replace(microsecond=0)
    first_need = db.session.scalar(text("SELECT COALESCE(MAX(id), 0) FROM needs")) + 1
    values: list[int] = []
    need_columns = [
        "id", "organisation_id", "title", "summary", "description", "kind", "quantity", "unit", "value_pence",
        "remaining_value_pence", "pledged_quantity", "accepted_quantity", "delivered_quantity", "ward_id", "theme_id",
        "beneficiaries", "deadline", "status", "published_at", "created_at", "updated_at",
    ]

    def needs():
        for n in range(size):
            thing, place = rng.choice(THINGS), rng.choice(PLACES)
            value = rng.randint(50, 20_000) * 100
            values.append(value)
            status = "draft" if n % 7 == 3 else rng.choice(PUBLIC)
            published = None if status == "draft" else now - timedelta(minutes=(size - n) * 2)
            yield (
                first_need + n, rng.choice(groups), f"{thing.capitalize()} for our {place}",
                f"We need {thing} so the {place} can keep running.", "", rng.choice(KINDS), 1_000, "items", value,
                value, 0, 0, 0, rng.choice(ward_ids + [None]), rng.choice(theme_ids), 10,
                today + timedelta(days=rng.randint(-60, 365)), status, published, now, now,
            )

    _bulk("needs", need_columns, needs())
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('needs', 'id'), (SELECT MAX(id) FROM needs))"))
    first = datetime(2022, 4, 1)
    span = int((now - first).total_seconds() // 60)
    pledge_columns = ["need_id", "supplier_id", "quantity", "message", "status", "created_at", "confirmed_at",
                      "confirmed_value_pence"]

    def pledges():
        for n in range(size + size // 10):
            index = rng.randrange(size)
            quantity = rng.randint(1, 20)
            at = first + timedelta(minutes=rng.randrange(span))
            if n < size:
                yield (first_need + index, rng.choice(suppliers), quantity, "", "confirmed", at, at,
                       values[index] * quantity // 1_000)
            else:
                yield (first_need + index, rng.choice(suppliers), quantity, "", rng.choice(["offered", "accepted"]), at,
                       None, None)

    _bulk("pledges", pledge_columns, pledges())
    rebuild_delivery_totals()
    db.session.commit()
    loaded = time.perf_counter() - started
    from workers.maintenance import optimise_database

    optimise_database()
    db.session.remove()
    db.engine.dispose()
    return {"seconds": loaded}


def pages(rng: random.Random) -> list[tuple[str, str]]:
    """(name, path) of each public list page and API list, with a deep page reached the way
    its Next links reach it (a cursor)."""
    from models import Need, Pledge, Theme, Ward, db
    from models.pledges.models import PledgeStatus

    ward = db.session.scalar(select(Ward.code).where(Ward.name == "Harlesden & Kensal Green"))
    theme = db.session.scalar(select(Theme.slug).order_by(Theme.position))
    need_cursor = db.session.execute(
        select(Need.published_at, Need.id).where(Need.status.in_(PUBLIC), Need.published_at.is_not(None))
        .order_by(Need.published_at.desc(), Need.id.desc()).offset(20 * 500 - 1).limit(1)
    ).first()
    pledge_cursor = db.session.execute(
        select(Pledge.confirmed_at, Pledge.id).where(Pledge.status == PledgeStatus.CONFIRMED.value)
        .order_by(Pledge.confirmed_at.desc(), Pledge.id.desc()).offset(50 * 200 - 1).limit(1)
    ).first()
    found = [
        ("/needs", "/needs"),
        ("/needs?page=100", "/needs?page=100"),
        ("/needs?ward=…", f"/needs?ward={ward}"),
        ("/needs?ward&theme&kind", f"/needs?ward={ward}&theme={theme}&kind=goods"),
        ("/needs?q=laptops", "/needs?q=laptops"),
        ("/map", "/map"),
        (f"/wards/{ward}", f"/wards/{ward}"),
        ("/ledger", "/ledger"),
        ("/ledger?page=100", "/ledger?page=100"),
        ("/ledger?ward&year", f"/ledger?ward={ward}&year=2024"),
        ("/api/v1/needs", "/api/v1/needs"),
        ("/api/v1/deliveries", "/api/v1/deliveries"),
        ("/api/v1/deliveries?ward", f"/api/v1/deliveries?ward={ward}"),
    ]
    if need_cursor:
        found.insert(2, ("/needs page 501 (Next cursor)", f"/needs?page=501&after={need_cursor[0].isoformat()}_{need_cursor[1]}"))
    if pledge_cursor:
        found.insert(-3, ("/ledger page 201 (Next cursor)", f"/ledger?page=201&after={pledge_cursor[0].isoformat()}_{pledge_cursor[1]}"))
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _load_loop(port: int, path: str, seconds: float, clients: int = 4) -> float:
    """Requests per second from `clients` keep-alive clients for `seconds`."""
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def client(index: int) -> None:
        connection = HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop:
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    done[index] += 1
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
            except OSError:
                connection.close()
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def _wrk(port: int, path: str, seconds: float) -> float:
    output = subprocess.run(
        ["/usr/bin/wrk", "-t2", "-c8", f"-d{max(1, int(seconds))}s", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("Requests/sec:"))
    return float(line.split()[1])


def throughput(uri: str, instance: str, paths: list[tuple[str, str]]) -> None:
    """Each page through gunicorn beside the bare route in the same two workers."""
    seconds = float(os.environ.get("BENCH_SECONDS", "3"))
    port = _free_port()
    gunicorn = shutil.which("gunicorn") or os.path.join(os.path.dirname(sys.executable), "gunicorn")
    environment = {**os.environ, "BENCH_DATABASE_URI": uri, "INSTANCE_PATH": instance, "APP_ENV": "test",
                   "SECRET_KEY": "bench"}
    server = subprocess.Popen(
        [gunicorn, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "bench.wsgi:app"],
        env=environment, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    try:
        for _ in range(100):
            try:
                HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/bench-bare")
                break
            except OSError:
                time.sleep(0.2)
        drive = _wrk if os.path.exists("/usr/bin/wrk") else _load_loop
        print(f"\n  Throughput through gunicorn (2 workers; {'wrk' if drive is _wrk else 'a Python load loop of 4 clients'},"
              f" {seconds:g} s each)")
        print(f"  {'page':<42} {'req/s':>8} {'bare req/s':>11} {'ratio':>7}")
        for name, path in paths:
            _load_loop(port, path, 0.5)  # warm the workers
            bare = drive(port, "/bench-bare", seconds)
            page = drive(port, path, seconds)
            print(f"  {name:<42} {page:8.1f} {bare:11.1f} {page / bare * 100:6.1f}%")
    finally:
        server.terminate()
        server.wait(timeout=30)


def run() -> None:
    from models import db

    chosen = sizes()
    for label, url in targets():
        print(f"\nGrowth on {label}: sizes {', '.join(f'{size:,}' for size in chosen)}")
        results: dict[str, dict[int, float]] = {}
        cpu: dict[str, dict[int, float]] = {}
        for position, size in enumerate(chosen):
            rng = random.Random(2026)
            with bench_app(url) as app:
                loaded = load(rng, size)
                print(f"  {size:,} needs and {size:,} confirmed deliveries (+{size // 10:,} pledges) loaded in"
                      f" {loaded['seconds']:.1f} s")
                with app.app_context():
                    paths = pages(rng)
                client = app.test_client()
                for name, path in paths:
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)
                    timed = measure(
                        f"{name} ({size:,})", lambda path=path: client.get(path), repeat=20 if size <= 200_000 else 10
                    )
                    results.setdefault(name, {})[size] = timed["p95_ms"]
                    cpu.setdefault(name, {})[size] = timed["cpu_p95_ms"]
                if position == len(chosen) - 1 and os.environ.get("BENCH_THROUGHPUT", "1") != "0":
                    throughput(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path,
                               [(name, path) for name, path in paths if not name.startswith("/api")])
                db.session.remove()
        smallest, largest = chosen[0], chosen[-1]
        for title, table in ((f"p95 wall time (ms) on {label}", results),
                             (f"p95 CPU time of this process (ms) on {label}", cpu)):
            print(f"\n  {title}")
            header = "".join(f"{size:>12,}" for size in chosen)
            print(f"  {'page':<42}{header}   {largest // 1000:,}k/{smallest // 1000:,}k")
            for name, by_size in table.items():
                cells = "".join(f"{by_size.get(size, float('nan')):12.1f}" for size in chosen)
                print(f"  {name:<42}{cells}   {by_size[largest] / max(by_size[smallest], 0.001):8.2f}x")


if __name__ == "__main__":
    run()
