"""Open data at scale: 200,000 confirmed deliveries (and 40,000 pledges still on their
way) against 200,000 public needs across Brent's 22 wards, built as bench_ledger
builds them. Times the 360Giving grants (JSON and CSV, whole and filtered), the OCDS
package, and the API's needs and deliveries lists, on SQLite and (when
TEST_DATABASE_URL is set) PostgreSQL. Downloads are read to the end, as a client would."""

from __future__ import annotations

import random
import tracemalloc

from sqlalchemy import select

from bench.bench_ledger import CONFIRMED, load_deliveries
from bench.harness import bench_app, measure, targets

NEEDS = 200_000


def run() -> None:
    from models import Theme, Ward, db

    rng = random.Random(2026)
    for label, url in targets():
        print(f"\nOpen data on {label}")
        with bench_app(url) as app:
            suppliers = load_deliveries(rng, needs=NEEDS)
            ward = db.session.scalar(select(Ward.code).where(Ward.name == "Harlesden & Kensal Green"))
            theme = db.session.scalar(select(Theme.slug).order_by(Theme.position))
            client = app.test_client()
            downloads = [
                (f"360Giving JSON: all {CONFIRMED:,} grants", "/open-data/360giving.json", 3),
                (f"360Giving CSV: all {CONFIRMED:,} grants", "/open-data/360giving.csv", 3),
                ("360Giving JSON: financial year", "/open-data/360giving.json?year=2024", 5),
                ("360Giving CSV: ward + year", f"/open-data/360giving.csv?ward={ward}&year=2024", 10),
                ("360Giving JSON: supplier", f"/open-data/360giving.json?supplier={suppliers[0]}", 10),
            ]
            for name, path, repeat in downloads:
                body = client.get(path).get_data()
                measure(f"{name} ({len(body) / 1e6:,.1f} MB)", lambda path=path: client.get(path).get_data(), repeat=repeat)
            tracemalloc.start()
            response = client.get("/open-data/360giving.json")
            size = sum(len(chunk) for chunk in response.response)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"  360Giving JSON streamed {size / 1e6:,.1f} MB with a peak of {peak / 1e6:,.1f} MB of Python memory")
            api = [
                ("API needs: first page", "/api/v1/needs"),
                ("API needs: page 1000 of 100", "/api/v1/needs?page=1000&per_page=100"),
                ("API needs: ward", f"/api/v1/needs?ward={ward}"),
                ("API needs: ward + theme + kind", f"/api/v1/needs?ward={ward}&theme={theme}&kind=goods"),
                ("API deliveries: first page", "/api/v1/deliveries"),
                ("API deliveries: ward + year", f"/api/v1/deliveries?ward={ward}&year=2024"),
                ("API ward in figures", f"/api/v1/wards/{ward}"),
                ("API suppliers (with delivery totals)", "/api/v1/suppliers"),
            ]
            for name, path in api:
                assert client.get(path).status_code == 200, path
                measure(name, lambda path=path: client.get(path), repeat=20)
            db.session.remove()


if __name__ == "__main__":
    run()
