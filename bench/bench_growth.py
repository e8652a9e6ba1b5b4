"""Every page costs what it shows, not what the table holds (issue 15).

Builds the same borough at several sizes (BENCH_SIZES, default 20000,200000; the issue's
1,000,000 only when asked, BENCH_SIZES=20000,200000,1000000: that
many needs and that many confirmed deliveries, plus drafts and pledges on their way),
loading rows in bulk (COPY on PostgreSQL, executemany on SQLite: no ORM object per row),
and times each public list page and API list through the Flask test client, on SQLite and
on PostgreSQL when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set (with a sibling
database for each smaller size). Every size stays loaded and a page is timed at each size in
turn, so a shared machine's changing speed weighs on every size alike. Prints the median
and 95th percentile per size and the largest/smallest ratio as tables (goals: p95 under 50
ms at 200,000 rows; the largest size within 1.5x of the smallest).

Then, at the largest size, runs each public page through gunicorn (two workers) beside a
bare Flask route in the same workers and prints requests per second and the ratio (goal:
at least 10% of the bare route), three ways: as signed-out readers get it (pages kept,
brokerage/page_cache.py), as a signed-in reader gets it (a page the same for everyone kept,
with their own header), and rendered on every request (BENCH_PAGE_CACHE=0; the test-client
tables above always render). The load comes from wrk when /usr/bin/wrk exists, else a
small Python loop of keep-alive clients (BENCH_SECONDS each, default 3).
"""

from __future__ import annotations

import contextlib
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

from bench.harness import bench_database, summarise, targets, timed, verified_borough
from bench.loading import bulk_insert

KINDS = ["cash", "goods", "volunteering", "skills", "space"]
THINGS = ["laptops", "volunteers", "food parcels", "football kit", "printer", "paint", "garden tools", "mentoring"]
PLACES = ["youth club", "food bank", "community centre", "school garden", "homework club", "lunch club"]
PUBLIC = ["published"] * 6 + ["fully_pledged", "delivered", "closed", "expired"]
GROUPS = 40
SUPPLIERS = 30


def sizes() -> list[int]:
    raw = os.environ.get("BENCH_SIZES", "20000,200000")
    return [int(size.replace("_", "")) for size in raw.split(",") if size.strip()]


def load(rng: random.Random, size: int) -> dict:
    """The borough: wards, themes, groups and suppliers made by the rules; `size` needs (one
    in seven a draft or waiting, with no published_at), `size` confirmed deliveries and
    size/10 pledges still on their way, in bulk; the delivery totals rebuilt from them."""
    from models import Need, Pledge, db
    from models.reporting.delivery_totals import rebuild_delivery_totals

    started, started_cpu = time.perf_counter(), time.process_time()
    groups, suppliers, ward_ids, theme_ids = verified_borough(GROUPS, SUPPLIERS)
    today = date.today()
    now = datetime.utcnow().replace(microsecond=0)
    first_need = db.session.scalar(text("SELECT COALESCE(MAX(id), 0) FROM needs")) + 1
    values: list[int] = []
    cells: list[tuple] = []  # each need's ward, theme and kind: where its deliveries are filed

    def needs():
        for n in range(size):
            thing, place = rng.choice(THINGS), rng.choice(PLACES)
            value = rng.randint(50, 20_000) * 100
            values.append(value)
            status = "draft" if n % 7 == 3 else rng.choice(PUBLIC)
            organisation_id = rng.choice(groups)  # drawn in the order the rows always drew them
            kind, ward_id, theme_id = rng.choice(KINDS), rng.choice(ward_ids + [None]), rng.choice(theme_ids)
            cells.append((ward_id, theme_id, kind))
            yield {
                "id": first_need + n, "organisation_id": organisation_id,
                "title": f"{thing.capitalize()} for our {place}", "summary": f"We need {thing} so the {place} can keep running.",
                "description": "", "kind": kind, "quantity": 1_000, "unit": "items", "value_pence": value,
                "remaining_value_pence": value, "pledged_quantity": 0, "accepted_quantity": 0, "delivered_quantity": 0,
                "ward_id": ward_id, "theme_id": theme_id, "beneficiaries": 10,
                "deadline": today + timedelta(days=rng.randint(-60, 365)), "status": status,
                "published_at": None if status == "draft" else now - timedelta(minutes=(size - n) * 2),
                "created_at": now, "updated_at": now,
            }

    bulk_insert(Need, needs(), rebuild_indexes=True)
    first = datetime(2022, 4, 1)
    span = int((now - first).total_seconds() // 60)

    def pledges():
        for n in range(size + size // 10):
            index = rng.randrange(size)
            quantity = rng.randint(1, 20)
            at = first + timedelta(minutes=rng.randrange(span))
            confirmed = n < size
            yield {
                "need_id": first_need + index, "supplier_id": rng.choice(suppliers), "quantity": quantity, "message": "",
                "status": "confirmed" if confirmed else rng.choice(["offered", "accepted"]), "created_at": at,
                "confirmed_at": at if confirmed else None,
                "confirmed_value_pence": values[index] * quantity // 1_000 if confirmed else None,
                # As confirming stores them (so the rebuild below has none to fill in).
                **dict(zip(("confirmed_ward_id", "confirmed_theme_id", "confirmed_kind"),
                           cells[index] if confirmed else (None, None, None))),
            }

    bulk_insert(Pledge, pledges(), rebuild_indexes=True)
    counted = time.perf_counter()
    rebuild_delivery_totals()
    db.session.commit()
    finished, cpu = time.perf_counter(), time.process_time() - started_cpu
    from workers.maintenance import optimise_database

    optimise_database()
    if db.engine.dialect.name == "postgresql":
        # As autovacuum would soon after such a load (and as the issue measured): the
        # visibility map set, so counts can be answered from an index alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE)"))
    db.session.remove()
    db.engine.dispose()
    return {"seconds": finished - started, "totals_seconds": finished - counted, "cpu_seconds": cpu}


def pages(rng: random.Random) -> list[tuple[str, str]]:
    """(name, path) of the home page, each public list page and API list, with a deep page
    reached the way its Next links reach it (a cursor), and the newest open need's page."""
    from brokerage.pagination import LEDGER_NEWEST, NEEDS_NEWEST
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
    newest = db.session.scalar(
        select(Need.id).where(Need.status == "published", Need.published_at.is_not(None))
        .order_by(Need.published_at.desc(), Need.id.desc()).limit(1)
    )
    found = [
        ("/ (home)", "/"),
        ("/needs", "/needs"),
        ("/needs?page=100", "/needs?page=100"),
        ("/needs?ward=…", f"/needs?ward={ward}"),
        ("/needs?ward&theme&kind", f"/needs?ward={ward}&theme={theme}&kind=goods"),
        ("/needs?q=laptops", "/needs?q=laptops"),
        ("a need's page", f"/needs/{newest}"),
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
        found.insert(3, ("/needs page 501 (Next cursor)", f"/needs?page=501&after={NEEDS_NEWEST.cursor(need_cursor)}"))
    if pledge_cursor:
        found.insert(-3, ("/ledger page 201 (Next cursor)", f"/ledger?page=201&after={LEDGER_NEWEST.cursor(pledge_cursor)}"))
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _load_loop(port: int, path: str, seconds: float, clients: int = 4, headers: dict[str, str] | None = None) -> float:
    """Requests per second from `clients` keep-alive clients for `seconds`."""
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def client(index: int) -> None:
        connection = HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop:
            try:
                connection.request("GET", path, headers=headers or {})
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


def _wrk(port: int, path: str, seconds: float, headers: dict[str, str] | None = None) -> float:
    given = [argument for name, value in (headers or {}).items() for argument in ("-H", f"{name}: {value}")]
    output = subprocess.run(
        ["/usr/bin/wrk", "-t2", "-c8", f"-d{max(1, int(seconds))}s", *given, f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("Requests/sec:"))
    return float(line.split()[1])


def _signed_in_headers(port: int, check: str) -> dict[str, str]:
    """The cookie of a reader signed in through `/bench-sign-in` (bench/wsgi.py), checked to
    be signed in on `check`."""
    headers = {"User-Agent": "bench"}
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/bench-sign-in", headers=headers)
    response = connection.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    headers["Cookie"] = cookie
    connection.request("GET", check, headers=headers)
    page = connection.getresponse().read().decode()
    connection.close()
    assert cookie and "Sign out" in page, "the bench's reader is not signed in"
    return headers


def throughput(uri: str, instance: str, paths: list[tuple[str, str]]) -> None:
    """Each page through gunicorn beside the bare route in the same two workers: as a
    signed-out reader gets it (kept pages, brokerage/page_cache.py), as a signed-in reader
    gets it (kept, with their header rendered for them), and rendered on every request
    (BENCH_PAGE_CACHE=0: a page with something of the reader's own costs this)."""
    seconds = float(os.environ.get("BENCH_SECONDS", "3"))
    drive = _wrk if os.path.exists("/usr/bin/wrk") else _load_loop
    print(f"\n  Throughput through gunicorn (2 workers; {'wrk' if drive is _wrk else 'a Python load loop of 4 clients'},"
          f" {seconds:g} s each; goal: at least 10% of the bare route)")
    print(f"  {'page':<42} {'signed out':>10} {'signed in':>10} {'rendered':>9} {'bare':>8}"
          f" {'signed out':>11} {'signed in':>10} {'rendered':>9}")
    print(f"  {'':<42} {'req/s':>10} {'req/s':>10} {'req/s':>9} {'req/s':>8} {'ratio':>11} {'ratio':>10} {'ratio':>9}")
    figures: dict[str, dict[str, float]] = {}
    for mode in ("1", "0"):
        with _gunicorn(uri, instance, mode) as port:
            for name, path in paths:
                _load_loop(port, path, 0.5)  # warm the workers
                bare = drive(port, "/bench-bare", seconds)
                figures.setdefault(name, {})[mode] = drive(port, path, seconds)
                figures[name]["bare" + mode] = bare
                if mode == "1":  # a signed-in reader: their own header on the kept page
                    headers = _signed_in_headers(port, path)
                    _load_loop(port, path, 0.5, headers=headers)
                    figures[name]["in"] = drive(port, path, seconds, headers=headers)
    for name, _path in paths:
        row = figures[name]
        bare = (row["bare1"] + row["bare0"]) / 2
        print(f"  {name:<42} {row['1']:10.1f} {row['in']:10.1f} {row['0']:9.1f} {bare:8.1f}"
              f" {row['1'] / row['bare1'] * 100:10.1f}% {row['in'] / row['bare1'] * 100:9.1f}%"
              f" {row['0'] / row['bare0'] * 100:8.1f}%")


@contextlib.contextmanager
def _gunicorn(uri: str, instance: str, page_cache: str):
    port = _free_port()
    gunicorn = shutil.which("gunicorn") or os.path.join(os.path.dirname(sys.executable), "gunicorn")
    environment = {**os.environ, "BENCH_DATABASE_URI": uri, "INSTANCE_PATH": instance, "APP_ENV": "test",
                   "SECRET_KEY": "bench", "BENCH_PAGE_CACHE": page_cache}
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
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def size_url(url: str | None, size: int, largest: int) -> str | None:
    """Each size's database: SQLite files of their own (bench_database); on PostgreSQL the given
    database for the largest size and a sibling (its name and the size) for each smaller one,
    created here when missing, so every size stays loaded while they are timed side by side."""
    if url is None or size == largest:
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from brokerage.config import database_url

    given = make_url(database_url(url, "."))
    name = f"{given.database}_{size}"
    engine = create_engine(given, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


def interleaved(clients: dict[int, object], paths: dict[int, dict[str, str]], name: str, repeat: int = 30) -> dict[int, dict]:
    """The page at every size, timed in turns (one request at each size a round, the order
    turning each round), so a machine that speeds up or slows down while the bench runs
    weighs on every size alike, and the ratios between sizes hold on a shared machine."""
    chosen = list(clients)
    samples: dict[int, tuple[list[float], list[float]]] = {size: ([], []) for size in chosen}
    for size in chosen:  # warm up caches and the query planner, and check the page works
        response = clients[size].get(paths[size][name])
        assert response.status_code == 200, (paths[size][name], response.status_code)
    for round_ in range(repeat):
        for size in chosen[round_ % len(chosen):] + chosen[:round_ % len(chosen)]:
            wall, cpu = timed(lambda: clients[size].get(paths[size][name]))
            samples[size][0].append(wall)
            samples[size][1].append(cpu)
    return {size: summarise(f"{name} ({size:,})", *samples[size]) for size in chosen}


def run() -> None:
    chosen = sizes()
    for label, url in targets():
        print(f"\nGrowth on {label}: sizes {', '.join(f'{size:,}' for size in chosen)} (each loaded, then all timed in turns)")
        tables: dict[str, dict[str, dict[int, float]]] = {"median_ms": {}, "p95_ms": {}, "cpu_p95_ms": {}}
        with contextlib.ExitStack() as loaded_sizes:
            clients, paths, apps = {}, {}, {}
            for size in chosen:
                rng = random.Random(2026)
                app = loaded_sizes.enter_context(bench_database(size_url(url, size, chosen[-1])))
                with app.app_context():
                    loaded = load(rng, size)
                print(f"  {size:,} needs and {size:,} confirmed deliveries (+{size // 10:,} pledges) loaded in"
                      f" {loaded['seconds']:.1f} s (the stored totals {loaded['totals_seconds']:.1f} s of it; this process's CPU"
                      f" {loaded['cpu_seconds']:.1f} s)")
                with app.app_context():
                    paths[size] = dict(pages(rng))
                apps[size], clients[size] = app, app.test_client()
            # 30 at every size: with 10, the p95 was the slowest of them, and one full garbage
            # collection of the bench's own process (its million rows) set it.
            names = [name for name in paths[chosen[0]] if all(name in paths[size] for size in chosen)]
            for name in names:
                for size, timed_page in interleaved(clients, paths, name).items():
                    for key, table in tables.items():
                        table.setdefault(name, {})[size] = timed_page[key]
            if os.environ.get("BENCH_THROUGHPUT", "1") != "0":
                largest = apps[chosen[-1]]
                throughput(largest.config["SQLALCHEMY_DATABASE_URI"], largest.instance_path,
                           [(name, path) for name, path in paths[chosen[-1]].items() if not name.startswith("/api")])
        smallest = chosen[0]
        for title, table in ((f"median wall time (ms) on {label}", tables["median_ms"]),
                             (f"p95 wall time (ms) on {label}", tables["p95_ms"]),
                             (f"p95 CPU time of this process (ms) on {label}", tables["cpu_p95_ms"])):
            print(f"\n  {title}; growth: each size's figure over the smallest's (goal: 1M within 1.5x of 20k)")
            header = "".join(f"{size:>10,}" for size in chosen)
            ratios = "".join(f"{_short(size) + '/' + _short(smallest):>11}" for size in chosen[1:])
            print(f"  {'page':<42}{header} {ratios}")
            for name, by_size in table.items():
                cells = "".join(f"{by_size.get(size, float('nan')):10.1f}" for size in chosen)
                growth = "".join(f"{by_size[size] / max(by_size[smallest], 0.001):10.2f}x" for size in chosen[1:])
                print(f"  {name:<42}{cells} {growth}")


def _short(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"

if __name__ == "__main__":
    run()
