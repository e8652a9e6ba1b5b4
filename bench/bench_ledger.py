"""The public ledger at scale: 200,000 confirmed deliveries (and 40,000 pledges still
on their way, which must not slow it) against 20,000 needs across Brent's 22 wards,
the page and the CSV, with and without filters, on SQLite and (when
TEST_DATABASE_URL is set) PostgreSQL."""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bench.harness import bench_app, measure, targets, verified_borough
from bench.loading import bulk_insert

CONFIRMED = 200_000
UNCONFIRMED = 40_000
NEEDS = 20_000
SUPPLIERS = 60
GROUPS = 100


def load_deliveries(rng: random.Random, needs: int = NEEDS, confirmed: int = CONFIRMED, unconfirmed: int = UNCONFIRMED) -> list[int]:
    """Brent's wards and themes, verified groups and suppliers, `needs` delivered needs and
    `confirmed` confirmed deliveries (plus `unconfirmed` pledges still on their way),
    inserted in bulk and analysed. Returns the suppliers' ids."""
    from models import Need, db
    from models.pledges.models import Pledge
    from models.reporting.delivery_totals import rebuild_delivery_totals

    started = time.perf_counter()
    groups, suppliers, ward_ids, theme_ids = verified_borough(GROUPS, SUPPLIERS)
    today = date.today()
    kinds = ["cash", "goods", "volunteering", "skills", "space"]

    def need_rows():
        for n in range(needs):
            value = rng.randint(50, 20_000) * 100
            yield {
                "organisation_id": rng.choice(groups), "title": f"Need number {n}", "summary": "For local families",
                "description": "", "kind": rng.choice(kinds), "quantity": 1_000, "unit": "items", "value_pence": value,
                "remaining_value_pence": value, "pledged_quantity": 0, "accepted_quantity": 0, "delivered_quantity": 0,
                "ward_id": rng.choice(ward_ids + [None]), "theme_id": rng.choice(theme_ids), "beneficiaries": 10,
                "deadline": today + timedelta(days=rng.randint(-300, 300)), "status": "delivered",
                "published_at": datetime(2022, 1, 1) + timedelta(minutes=n),
            }

    bulk_insert(Need, need_rows(), rebuild_indexes=True)
    need_ids = db.session.scalars(select(Need.id)).all()
    first = datetime(2022, 4, 1)
    span_minutes = int((datetime(2026, 3, 31) - first).total_seconds() // 60)

    def pledge_rows():
        for n in range(confirmed + unconfirmed):
            is_confirmed = n < confirmed
            at = first + timedelta(minutes=rng.randrange(span_minutes))
            yield {
                "need_id": rng.choice(need_ids), "supplier_id": rng.choice(suppliers), "quantity": rng.randint(1, 20),
                "message": "", "created_at": at,
                "status": "confirmed" if is_confirmed else rng.choice(["offered", "accepted", "delivered", "declined"]),
                "confirmed_at": at if is_confirmed else None,
            }

    bulk_insert(Pledge, pledge_rows(), rebuild_indexes=True)
    rebuild_delivery_totals()  # each confirmed pledge's stored value, and the totals, by INSERT ... SELECT
    db.session.commit()
    print(f"  loaded {needs:,} needs, {confirmed:,} confirmed and {unconfirmed:,} other pledges in {time.perf_counter() - started:.1f} s")
    from workers.maintenance import optimise_database

    optimise_database()
    db.session.remove()
    db.engine.dispose()
    return suppliers


def run() -> None:
    from models import Theme, Ward, db

    rng = random.Random(2026)
    for label, url in targets():
        print(f"\nPublic ledger on {label}")
        with bench_app(url) as app:
            suppliers = load_deliveries(rng)
            ward = db.session.scalar(select(Ward.code).where(Ward.name == "Harlesden & Kensal Green"))
            theme = db.session.scalar(select(Theme.slug).order_by(Theme.position))
            supplier = suppliers[0]
            client = app.test_client()
            pages = [
                ("page: no filters (newest first)", "/ledger"),
                ("page: page 1000", "/ledger?page=1000"),
                ("page: financial year", "/ledger?year=2024"),
                ("page: ward", f"/ledger?ward={ward}"),
                ("page: supplier", f"/ledger?supplier={supplier}"),
                ("page: ward + theme + kind + year", f"/ledger?ward={ward}&theme={theme}&kind=goods&year=2024"),
            ]
            for name, path in pages:
                assert client.get(path).status_code == 200, path
                measure(name, lambda path=path: client.get(path), repeat=20)
            downloads = [
                (f"CSV: all {CONFIRMED:,} rows", "/ledger.csv", 3),
                ("CSV: financial year", "/ledger.csv?year=2024", 5),
                ("CSV: ward + year", f"/ledger.csv?ward={ward}&year=2024", 10),
                ("CSV: supplier", f"/ledger.csv?supplier={supplier}", 10),
            ]
            for name, path, repeat in downloads:
                lines = client.get(path).get_data().count(b"\n")
                measure(f"{name} ({lines - 1:,} rows)", lambda path=path: client.get(path).get_data(), repeat=repeat)
            db.session.remove()


if __name__ == "__main__":
    run()
