"""The OCDS release id depends on the data alone: two exports of the same data, at any two
moments, give the same releases with the same ids; a change in what was delivered gives a
new id. The export times are set explicitly, so nothing here depends on the clock."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from models import Pledge, User, db
from models.pledges.rules import set_allocations
from models.reporting.ocds_release import release_package
from models.reporting.opendata import Publisher
import pytest

from tests import factories
from tests.factories import OpenDataBorough as World

@pytest.fixture
def world(app, places) -> World:
    return factories.open_data_borough(app)

PUBLISHER = Publisher(
    name="Brent Council", org_id="GB-LAE-BEN", website="http://localhost", grant_prefix="360G-brent-sv-",
    ocid_prefix="ocds-brentsv-",
)
MORNING = datetime(2025, 6, 2, 9, 0, 0)
MONTHS_LATER = datetime(2026, 1, 15, 17, 30, 45)


def export(published: datetime) -> dict:
    return json.loads("".join(release_package(PUBLISHER, "http://localhost/open-data/ocds.json", published)))


def releases_by_reference(package: dict) -> dict[str, dict]:
    return {release["contracts"][0]["id"]: release for release in package["releases"]}


def test_two_exports_at_different_times_give_the_same_release_ids(app, world: World):
    with app.app_context():
        first, later = export(MORNING), export(MONTHS_LATER)
    assert first["publishedDate"] == "2025-06-02T09:00:00Z"  # the package says when it was published...
    assert later["publishedDate"] == "2026-01-15T17:30:45Z"
    before, after = releases_by_reference(first), releases_by_reference(later)
    assert set(before) == set(after) == {"BRENT-FM-001", "BRENT-CL-002"}
    for reference, release in before.items():
        assert after[reference]["id"] == release["id"], reference  # ...its releases do not
        assert after[reference] == release, reference  # one id, one content


def test_at_the_same_export_time_a_change_in_what_was_delivered_gives_a_new_id(app, world: World):
    with app.app_context():
        before = releases_by_reference(export(MORNING))["BRENT-FM-001"]
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        set_allocations(db.session.get(Pledge, world.pledges["cash"]), officer, [(world.investment, 150)])
        db.session.commit()
        after = releases_by_reference(export(MORNING))["BRENT-FM-001"]
    assert after["ocid"] == before["ocid"]
    assert after["id"] != before["id"]
    delivered = {metric["id"]: metric for metric in after["contracts"][0]["implementation"]["metrics"]}
    # counted in pounds, so a value (the metrics extension's financial metric)
    assert delivered[f"commitment-{world.investment}"]["observations"][0]["value"] == {"amount": 150, "currency": "GBP"}
