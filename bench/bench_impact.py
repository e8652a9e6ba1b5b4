"""The social value dashboard and the annual report at scale: 200,000 confirmed
deliveries (from bench_ledger) and 20,000 commitments on 2,000 contracts, each
figure the dashboard and the report show, timed as the SQL aggregate it is, on
SQLite and (when TEST_DATABASE_URL is set) PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from bench.bench_ledger import load_deliveries
from bench.harness import bench_app, measure, targets

CONTRACTS = 2_000
COMMITMENTS = 20_000


def load_commitments(rng: random.Random, suppliers: list[int]) -> None:
    from models import Commitment, Contract, Measure, db, utcnow

    measures = db.session.execute(select(Measure.id)).scalars().all()
    today = date.today()
    contract_ids = db.session.scalars(
        insert(Contract).returning(Contract.id, sort_by_parameter_order=True),
        [
            {
                "reference": f"BENCH-{number:05d}",
                "title": f"Bench contract {number}",
                "supplier_id": rng.choice(suppliers),
                "value_pence": rng.choice((100_000_00, 500_000_00, 2_000_000_00, 8_000_000_00)),
                "source": "manual",
                "created_at": utcnow(),
            }
            for number in range(CONTRACTS)
        ],
    ).all()
    rows = []
    for _ in range(COMMITMENTS):
        target = rng.randint(10, 5_000)
        rows.append(
            {
                "contract_id": rng.choice(contract_ids),
                "measure_id": rng.choice(measures),
                "description": "",
                "target_quantity": target,
                "delivered_quantity": rng.randint(0, target * 5 // 4),
                "due_date": today + timedelta(days=rng.randint(-700, 700)),
                "state": "approved",
                "created_at": utcnow(),
            }
        )
    db.session.execute(insert(Commitment), rows)
    db.session.commit()


def run() -> None:
    from models import db
    from models.reporting import impact

    rng = random.Random(2026)
    today = date.today()
    year = impact.Year.of(today)
    for label, url in targets():
        print(f"\nSocial value dashboard and annual report on {label}")
        with bench_app(url) as app:
            load_commitments(rng, load_deliveries(rng))
            figures = [
                ("headline (this year)", lambda: impact.headline(year, today)),
                ("by theme", lambda: impact.by_theme(year)),
                ("by supplier (top 25)", lambda: impact.by_supplier(year)),
                ("by contract tier", lambda: impact.by_tier(year)),
                ("by financial year (all years)", impact.by_year),
                ("delivered by ward", lambda: impact.delivered_by_ward(year)),
                ("commitments at risk", lambda: impact.kpis(year, today, status="at_risk", limit=50)),
                ("participation", lambda: impact.participation(year)),
                ("diversity", lambda: impact.diversity(year)),
                ("the whole annual report's data", lambda: impact.build_report(year, today)),
            ]
            with app.test_request_context():
                for name, action in figures:
                    measure(name, action, repeat=10)
            db.session.remove()


if __name__ == "__main__":
    run()
