"""Matching at scale: 20,000 open commitments against 200,000 open needs across
Brent's 22 wards (with IMD deprivation and a published priority vote in every
ward), on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL. Prints the wall
time of a first run, a rerun, the runs the triggers make (one commitment; one
need kind), and peak memory (the process's peak RSS before and after the first
run, and tracemalloc's peak over a targeted run)."""

from __future__ import annotations

import random
import resource
import time
import tracemalloc
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select

from bench.harness import bench_app, targets
from bench.loading import bulk_insert

COMMITMENTS = 20_000
CONTRACTS = 2_000
SUPPLIERS = 500
NEEDS = 200_000
GROUPS = 200
UNITS = {"cash": ["£"], "volunteering": ["volunteer hours", "hours"], "skills": ["hours"], "space": ["hours"],
         "goods": ["£ value", "laptops", "food parcels"]}


def _load(rng: random.Random) -> None:
    from brokerage.demo import IMD_FILE, LSOA_FILE, data_dir
    from models import Commitment, Contract, Measure, Need, Organisation, Theme, Ward, db
    from models.people.accounts import Role, register_user, verify_email
    from models.contracts.models import commitment_wards
    from models.places.deprivation import import_imd
    from models.people.organisations import OrganisationKind, create_organisation, verify_organisation
    from models.places.wards import import_wards
    from models.voting.models import Round, RoundOption
    from models.places.themes import seed_themes

    folder = data_dir()
    import_wards((folder / "drkane_wards_WD25_E09000005.geojson").read_text())
    import_imd((folder / IMD_FILE).read_text(encoding="utf-8-sig"), (folder / LSOA_FILE).read_text())
    seed_themes()
    officer = register_user("Bench Officer", "officer@bench.example.org", "correct-horse-battery-staple", Role.OFFICER)
    verify_email(officer, officer.email)
    groups = []
    for n in range(GROUPS):
        owner = register_user(f"Owner {n}", f"owner{n}@bench.example.org", "correct-horse-battery-staple")
        verify_email(owner, owner.email)
        group = create_organisation(owner, OrganisationKind.VCSE, name=f"Group {n}", legal_form="community_group")
        verify_organisation(group, officer)
        groups.append(group.id)
    db.session.execute(insert(Organisation), [
        {"kind": "supplier", "name": f"Supplier {n} Ltd", "legal_form": "company", "status": "verified",
         "registration_number": f"{n:08d}"} for n in range(SUPPLIERS)
    ])
    suppliers = db.session.scalars(select(Organisation.id).where(Organisation.kind == "supplier")).all()
    db.session.execute(insert(Contract), [
        {"reference": f"BENCH-{n:05d}", "title": f"Contract {n}", "supplier_id": suppliers[n % len(suppliers)],
         "value_pence": rng.randint(200_000, 20_000_000) * 100, "source": "manual"} for n in range(CONTRACTS)
    ])
    contracts = db.session.scalars(select(Contract.id)).all()
    measures = db.session.execute(select(Measure.id).where(Measure.need_kind.is_not(None))).scalars().all()
    ward_ids = db.session.scalars(select(Ward.id)).all()
    theme_ids = db.session.scalars(select(Theme.id)).all()
    today = date.today()
    rows = []
    for n in range(COMMITMENTS):
        target = rng.randint(10, 2_000)
        rows.append({"contract_id": contracts[n % len(contracts)], "measure_id": rng.choice(measures),
                     "target_quantity": target, "delivered_quantity": rng.randint(0, target - 1),
                     "due_date": today + timedelta(days=rng.randint(-30, 700)), "state": "approved", "description": ""})
    db.session.execute(insert(Commitment), rows)
    commitment_ids = db.session.scalars(select(Commitment.id)).all()
    preferred = {(c, w) for c in rng.sample(commitment_ids, COMMITMENTS * 3 // 10) for w in rng.sample(ward_ids, rng.randint(1, 3))}
    db.session.execute(insert(commitment_wards), [{"commitment_id": c, "ward_id": w} for c, w in preferred])

    def needs():
        for n in range(NEEDS):
            kind = rng.choice(list(UNITS))
            unit = rng.choice(UNITS[kind])
            quantity = rng.randint(50, 20_000) if unit.startswith("£") else rng.randint(1, 500)
            pledged = rng.randint(0, quantity - 1)
            value = rng.randint(50, 20_000) * 100
            yield {
                "organisation_id": rng.choice(groups), "title": f"Need {n}", "summary": "Bench need", "description": "",
                "kind": kind, "quantity": quantity, "unit": unit, "value_pence": value,
                "remaining_value_pence": value * (quantity - pledged) // quantity, "pledged_quantity": pledged,
                "accepted_quantity": 0, "delivered_quantity": 0, "ward_id": rng.choice(ward_ids + [None]),
                "theme_id": rng.choice(theme_ids), "beneficiaries": 0,
                "deadline": today + timedelta(days=rng.randint(1, 365)), "status": "published",
                "published_at": datetime(2025, 1, 1),
            }

    bulk_insert(Need, needs(), rebuild_indexes=True)
    # A published priority vote in every ward, on 14 of its needs.
    now = datetime.now()
    for ward_id in ward_ids:
        round_ = Round(title="Priorities", ward_id=ward_id, budget_pence=5_000_000, opens_at=now - timedelta(days=30),
                       closes_at=now - timedelta(days=10), state="published", counted_at=now, published_at=now)
        db.session.add(round_)
        db.session.flush()
        need_ids = db.session.scalars(select(Need.id).where(Need.ward_id == ward_id).limit(14)).all()
        db.session.execute(insert(RoundOption), [
            {"round_id": round_.id, "position": rank, "need_id": need_id, "title": f"Option {rank}", "cost_pence": 100_000,
             "vote_rank": rank, "selected_add1": rank <= 3, "description": "", "group_name": ""}
            for rank, need_id in enumerate(need_ids, start=1)
        ])
    db.session.commit()


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _timed(label: str, action):
    """Wall time, and this process's CPU time (on a shared machine the wall time includes
    waiting for a CPU; on PostgreSQL the server's work is in the wall time only)."""
    started, started_cpu = time.perf_counter(), time.process_time()
    result = action()
    print(f"  {label:<40} {time.perf_counter() - started:7.1f} s (CPU {time.process_time() - started_cpu:6.1f} s)"
          f"   {result.summary()}")
    return result


def run() -> None:
    from models import Commitment, Match, db
    from models.matching.matches import run_matching

    rng = random.Random(2026)
    for label, url in targets():
        print(f"\nMatching on {label}: {COMMITMENTS:,} commitments, {NEEDS:,} open needs")
        with bench_app(url):
            started = time.perf_counter()
            _load(rng)
            print(f"  loaded in {time.perf_counter() - started:.1f} s")
            from workers.maintenance import optimise_database

            optimise_database()

            def whole():
                report = run_matching()
                db.session.commit()
                return report

            before = _peak_rss_mib()
            _timed("first run (all commitments)", whole)
            after = _peak_rss_mib()
            _timed("rerun (all commitments)", whole)
            one = db.session.scalar(select(Commitment.id).order_by(Commitment.id).limit(1))
            _timed("one commitment (added or approved)", lambda: run_matching(commitment_ids=[one]))
            db.session.rollback()
            _timed("one need kind (a need published)", lambda: run_matching(kinds=["volunteering"]))
            db.session.rollback()
            # ru_maxrss never goes down: on a second database the first one's peak can hide this one's.
            print(f"  peak memory: the process's peak RSS so far was {before:.0f} MiB before the first run "
                  f"and {after:.0f} MiB after it")
            # Python's own allocations during one targeted run (tracemalloc slows whatever it traces).
            tracemalloc.start()
            run_matching(kinds=["volunteering"])
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            db.session.rollback()
            print(f"  one need kind, traced: peak {peak / 2**20:.0f} MiB allocated by Python (tracemalloc)")
            pairs = db.session.scalar(select(func.count()).select_from(Match))
            distinct = db.session.scalar(select(func.count()).select_from(
                select(Match.commitment_id, Match.need_id).distinct().subquery()))
            assert pairs == distinct
            print(f"  {pairs:,} matches stored, no (commitment, need) pair twice")
            db.session.remove()


if __name__ == "__main__":
    run()
