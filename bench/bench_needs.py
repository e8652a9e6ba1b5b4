"""The public needs list at scale: 200,000 needs across Brent's 22 wards, with
and without filters and full-text search, on SQLite and (when TEST_DATABASE_URL
is set) PostgreSQL."""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bench.harness import bench_app, measure, targets, verified_borough
from bench.loading import bulk_insert

NEEDS = 200_000
THINGS = [
    "laptops", "volunteers", "food parcels", "football kit", "printer", "paint", "garden tools",
    "mentoring", "accountancy advice", "hall hire", "minibus", "books", "coats", "tablets",
    "chairs", "tree planting", "cooking classes", "website design", "legal advice", "sewing machines",
]
PLACES = ["youth club", "food bank", "community centre", "school garden", "homework club",
          "lunch club", "women's group", "refugee welcome", "repair cafe", "allotment"]


def run() -> None:
    from models import Need, Theme, Ward, db

    rng = random.Random(2026)
    for label, url in targets():
        print(f"\nNeeds list on {label}")
        with bench_app(url) as app:
            started = time.perf_counter()
            groups, _, ward_ids, theme_ids = verified_borough(200, 0)
            kinds = ["cash", "goods", "volunteering", "skills", "space"]
            statuses = ["published"] * 6 + ["fully_pledged", "delivered", "closed", "expired", "draft", "submitted"]
            today = date.today()

            def needs():
                for n in range(NEEDS):
                    thing, place = rng.choice(THINGS), rng.choice(PLACES)
                    quantity = rng.randint(1, 500)
                    value = rng.randint(50, 20_000) * 100
                    pledged = rng.randint(0, quantity)
                    status = rng.choice(statuses)
                    published = datetime(2025, 1, 1) + timedelta(minutes=n * 3)
                    yield {
                        "organisation_id": rng.choice(groups),
                        "title": f"{thing.capitalize()} for our {place}",
                        "summary": f"We need {thing} so the {place} can keep running for local families.",
                        "description": "",
                        "kind": rng.choice(kinds),
                        "quantity": quantity,
                        "unit": "items",
                        "value_pence": value,
                        "remaining_value_pence": value * (quantity - pledged) // quantity,
                        "pledged_quantity": pledged,
                        "delivered_quantity": 0,
                        "ward_id": rng.choice(ward_ids + [None]),
                        "theme_id": rng.choice(theme_ids),
                        "beneficiaries": rng.randint(0, 500),
                        "deadline": today + timedelta(days=rng.randint(-60, 365)),
                        "status": status,
                        "published_at": None if status in ("draft", "submitted") else published,
                    }

            bulk_insert(Need, needs(), rebuild_indexes=True)
            db.session.commit()
            print(f"  loaded {NEEDS:,} needs in {time.perf_counter() - started:.1f} s")
            from workers.maintenance import optimise_database

            optimise_database()  # what the nightly job does; PostgreSQL's autovacuum does it there
            db.session.remove()
            db.engine.dispose()  # the web processes' connections come and go
            ward = db.session.scalar(select(Ward.code).where(Ward.name == "Harlesden & Kensal Green"))
            theme = db.session.scalar(select(Theme.slug).order_by(Theme.position))
            client = app.test_client()
            cases = [
                ("no filters (newest first)", "/needs"),
                ("page 500", "/needs?page=500"),
                ("ward", f"/needs?ward={ward}"),
                ("ward + theme + kind", f"/needs?ward={ward}&theme={theme}&kind=goods"),
                ("still open, deadline soonest", "/needs?open=1&sort=deadline"),
                ("most still needed", "/needs?sort=most_needed"),
                ("search 'laptops'", "/needs?q=laptops"),
                ("search 'sewing machines' + ward", f"/needs?q=sewing+machines&ward={ward}"),
                ("search + still open + most needed", "/needs?q=football+kit&open=1&sort=most_needed"),
                ("map (open needs by ward)", "/map"),
            ]
            for name, path in cases:
                assert client.get(path).status_code == 200, path
                measure(f"{name}", lambda path=path: client.get(path), repeat=20)
            db.session.remove()


if __name__ == "__main__":
    run()
