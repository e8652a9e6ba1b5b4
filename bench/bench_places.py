"""Postcode look-up and the audit trail at scale: 300,000 postcodes (Brent's real
5,902 plus synthetic ones in the same format) and 300,000 audit events."""

from __future__ import annotations

import itertools
import random
import string
import time

from sqlalchemy import insert, select

from bench.harness import bench_app, measure, targets

POSTCODES = 300_000
EVENTS = 300_000


def synthetic_postcodes(count: int):
    letters = [a + b for a in "BCDFGHJKLMNPRSTW" for b in "ABDEFGHJLNPQRSTUWXYZ"]
    inward_letters = [a + b for a in "ABDEFGHJLNPQRSTUWXY" for b in "ABDEFGHJLNPQRSTUWXY"]
    produced = 0
    for area, district in itertools.product(letters, range(1, 100)):
        for digit, tail in itertools.product(range(10), inward_letters):
            yield f"{area}{district} {digit}{tail}"
            produced += 1
            if produced >= count:
                return


def run() -> None:
    from brokerage.demo import data_dir
    from models import Event, User, Ward, db
    from models.people.accounts import Role, register_user, verify_email
    from models.places.wards import Postcode, import_postcodes, import_wards

    for label, url in targets():
        print(f"\nPlaces and audit trail on {label}")
        with bench_app(url) as app:
            folder = data_dir()
            import_wards((folder / "drkane_wards_WD25_E09000005.geojson").read_text())
            with open(folder / "codepoint_open_2025-10_postcode_to_ward_brent_E09000005.csv", newline="") as handle:
                started = time.perf_counter()
                import_postcodes(handle)
                print(f"  import of Brent's 5,902 postcodes: {(time.perf_counter() - started) * 1000:.0f} ms")
            ward_ids = db.session.scalars(select(Ward.id)).all()
            real = set(db.session.scalars(select(Postcode.postcode)))
            rows, batch = 0, []
            for code in synthetic_postcodes(POSTCODES):
                if code in real:
                    continue
                batch.append({"postcode": code, "ward_id": random.choice(ward_ids)})
                if len(batch) == 10_000:
                    db.session.execute(insert(Postcode), batch)
                    rows += len(batch)
                    batch = []
            if batch:
                db.session.execute(insert(Postcode), batch)
                rows += len(batch)
            officer = register_user("Bench Officer", "bench-officer@example.org", "correct-horse-battery-staple", Role.OFFICER)
            verify_email(officer, officer.email)
            db.session.flush()
            actions = ["organisation.created", "organisation.verified", "user.registered", "user.email_verified"]
            for start in range(0, EVENTS, 20_000):
                db.session.execute(
                    insert(Event),
                    [
                        {
                            "actor_id": officer.id,
                            "action": actions[n % len(actions)],
                            "subject_type": "organisations",
                            "subject_id": str(n),
                            "from_state": "pending",
                            "to_state": "verified",
                        }
                        for n in range(start, min(start + 20_000, EVENTS))
                    ],
                )
            db.session.commit()
            print(f"  loaded {rows + len(real):,} postcodes and {EVENTS:,} audit events")

            client = app.test_client()
            sample = random.sample(sorted(real), 200)
            cursor = itertools.cycle(sample)
            measure("postcode look-up page (real postcode, typed lower-case)",
                    lambda: client.get(f"/postcode?postcode={next(cursor).lower().replace(' ', '')}"))
            measure("postcode look-up page (not in the borough)", lambda: client.get("/postcode?postcode=SW1A1AA"))
            measure("wards list with postcode counts", lambda: client.get("/wards"))
            client.post("/sign-in", data={"email": officer.email, "password": "correct-horse-battery-staple"})
            measure("audit trail, first page of 300,000 events", lambda: client.get("/officers/audit"))
            measure("audit trail, page 3,000", lambda: client.get("/officers/audit?page=3000"))
            measure("audit trail filtered by action prefix", lambda: client.get("/officers/audit?action=organisation.v"))
            db.session.remove()


if __name__ == "__main__":
    run()
