"""Supplier returns at the scale issue 16 names: 2,000 contracts with 5 commitments each,
8 quarters of accepted returns (16,000 returns of 5 lines: 80,000 return lines, one per
commitment and quarter) beside 200,000 confirmed deliveries (from bench_ledger). Times the
dashboard's headline and KPIs, a supplier's scorecard, the whole annual report's data, the
returns totals beside the ledger and the officers' work queue, on SQLite and (when
TEST_DATABASE_URL is set) PostgreSQL. Target: each under 200 ms.

`python -m bench returns` runs it; BENCH_DATABASE_URL=postgresql://... adds PostgreSQL (its
public schema is dropped and rebuilt) and BENCH_TARGETS=sqlite or =postgresql runs one. The
figures: wall time and this process's CPU time (on a machine shared with other work, the CPU
time is the steadier figure; on PostgreSQL it leaves out the server's work)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select, text

from bench.bench_ledger import load_deliveries
from bench.harness import bench_app, measure, targets

CONTRACTS = 2_000
COMMITMENTS_EACH = 5
QUARTERS = 8


def load_returns(rng: random.Random, suppliers: list[int]) -> None:
    from models import Commitment, Contract, Measure, db, utcnow
    from models.returns.models import ReturnLine, SupplierReturn
    from models.returns.periods import reporting_periods

    measures = db.session.scalars(select(Measure.id).where(Measure.delivered_through != "needs")).all()
    today = date.today()
    start = date(today.year - 3, 4, 1)
    periods = reporting_periods(start, None, 3, today)[:QUARTERS]
    contract_ids = db.session.scalars(
        insert(Contract).returning(Contract.id, sort_by_parameter_order=True),
        [{"reference": f"RET-{n:05d}", "title": f"Returns contract {n}", "supplier_id": rng.choice(suppliers),
          "value_pence": 8_000_000_00, "start_date": start, "source": "manual", "created_at": utcnow()}
         for n in range(CONTRACTS)],
    ).all()
    commitment_rows, returned = [], {}
    for contract_id in contract_ids:
        for _ in range(COMMITMENTS_EACH):
            commitment_rows.append({
                "contract_id": contract_id, "measure_id": rng.choice(measures), "description": "",
                "target_quantity": rng.randint(100, 5_000), "delivered_quantity": 0, "returned_quantity": 0,
                "due_date": today + timedelta(days=rng.randint(-200, 700)), "state": "approved", "is_kpi": True,
                "created_at": utcnow(),
            })
    commitment_ids = db.session.scalars(
        insert(Commitment).returning(Commitment.id, sort_by_parameter_order=True), commitment_rows
    ).all()
    by_contract = {cid: commitment_ids[i * COMMITMENTS_EACH:(i + 1) * COMMITMENTS_EACH] for i, cid in enumerate(contract_ids)}
    return_rows = [
        {"contract_id": cid, "period_start": p.start, "period_end": p.end, "due_date": p.due, "version": 1,
         "state": "accepted", "source": "web", "created_at": utcnow()}
        for cid in contract_ids for p in periods
    ]
    return_ids = db.session.scalars(
        insert(SupplierReturn).returning(SupplierReturn.id, sort_by_parameter_order=True), return_rows
    ).all()
    lines = []
    for index, return_id in enumerate(return_ids):
        for commitment_id in by_contract[return_rows[index]["contract_id"]]:
            quantity = rng.randint(0, 120)
            returned[commitment_id] = returned.get(commitment_id, 0) + quantity
            lines.append({"return_id": return_id, "commitment_id": commitment_id, "quantity": quantity,
                          "description": "Bench", "beneficiaries": 0, "beneficiaries_in_borough": 0, "pledged_in_period": 0})
    for chunk in range(0, len(lines), 10_000):
        db.session.execute(insert(ReturnLine), lines[chunk:chunk + 10_000])
    from sqlalchemy import update

    db.session.execute(update(Commitment), [{"id": cid, "returned_quantity": q} for cid, q in returned.items()])
    from models.returns.totals import rebuild_return_totals

    rebuild_return_totals()  # the bulk load bypassed the rules that keep the totals
    db.session.commit()
    print(f"  loaded {len(contract_ids):,} contracts, {len(commitment_ids):,} commitments, "
          f"{len(return_ids):,} accepted returns, {len(lines):,} return lines")


def run() -> None:
    from models import Organisation, db
    from models.core.work_queue import work_waiting
    from models.reporting import impact
    from models.reporting.scorecards import supplier_scorecard
    from models.returns.totals import returns_totals

    rng = random.Random(2026)
    today = date.today()
    year = impact.Year.of(today)
    for label, url in targets():
        print(f"\nSupplier returns beside 200,000 confirmed deliveries on {label}")
        with bench_app(url) as app:
            suppliers = load_deliveries(rng)
            load_returns(rng, suppliers)
            # The statistics a live database keeps after a bulk load (autovacuum's ANALYZE on
            # PostgreSQL; on SQLite the app's connections run PRAGMA optimize, but this one
            # opened on empty tables): without them the planner guesses from empty tables.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            busiest = suppliers[0]
            figures = [
                ("dashboard headline (this year)", lambda: impact.headline(year, today)),
                ("dashboard KPIs at risk", lambda: impact.kpis(year, today, status="at_risk", limit=50)),
                ("a supplier's scorecard", lambda: supplier_scorecard(db.session.get(Organisation, busiest), today)),
                ("the whole annual report's data", lambda: impact.build_report(year, today)),
                ("returns totals beside the ledger", lambda: returns_totals()),
                ("officers' work queue counts", work_waiting),
            ]
            with app.test_request_context():
                for name, action in figures:
                    measure(name, action, repeat=5)
            db.session.remove()


if __name__ == "__main__":
    run()
