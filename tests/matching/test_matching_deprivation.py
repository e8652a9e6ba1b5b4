"""Ward deprivation for matching, from the real IMD 2019 ranks and LSOA boundaries
of Brent (`flask places import-imd`), and the demo borough's recommendations."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from brokerage.demo import DEMO_PASSWORD
from models import Match, Organisation, Ward, db
from models.places.deprivation import Shape, read_imd_ranks
from tests.factories import DATA, login

IMD = DATA / "IoD2019_File2_domains_LSOA_brent_E09000005.csv"
LSOA = DATA / "drkane_lsoa11_E09000005_brent.geojson"


def scores(app) -> dict[str, float | None]:
    with app.app_context():
        return dict(db.session.execute(select(Ward.name, Ward.local_index_score)).all())


def test_import_imd_gives_every_ward_the_mean_rank_of_its_neighbourhoods(app, places, runner):
    result = runner.invoke(args=["places", "import-imd", str(IMD), str(LSOA)])
    assert result.exit_code == 0, result.output
    assert "Ward deprivation: 0 created, 22 updated, 0 skipped" in result.output
    found = scores(app)
    assert all(score is not None for score in found.values())
    ranked = sorted(found, key=found.get)
    assert ranked[0] == "Stonebridge"  # Brent's most deprived ward in IMD 2019
    assert found["Harlesden & Kensal Green"] < found["Kenton"]
    assert 1 <= min(found.values()) and max(found.values()) <= 32_844
    again = runner.invoke(args=["places", "import-imd", str(IMD), str(LSOA)])
    assert "0 updated" in again.output and scores(app) == found


def test_import_imd_says_what_is_wrong(app, runner, tmp_path):
    no_wards = runner.invoke(args=["places", "import-imd", str(IMD), str(LSOA)])
    assert no_wards.exit_code != 0 and "Import the wards" in no_wards.output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,score\nE01000471,3\n")
    result = runner.invoke(args=["places", "import-imd", str(bad), str(LSOA)])
    assert result.exit_code != 0 and "LSOA code column" in result.output


def test_reading_ranks_and_points_in_polygons_with_holes():
    ranks = read_imd_ranks(IMD.read_text(encoding="utf-8-sig"))
    assert len(ranks) == 173 and ranks["E01000471"] == 13163
    square = {"type": "Polygon", "coordinates": [
        [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
        [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
    ]}
    shape = Shape(square)
    assert shape.contains(1, 1) and shape.contains(9, 5)
    assert not shape.contains(5, 5)  # in the hole
    assert not shape.contains(11, 5)


def test_the_demo_supplier_gets_recommendations_after_loading(app, runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Ward deprivation (IMD 2019): 0 created, 22 updated" in first.output
    matched = re.search(r"Matching: (\d+) commitments matched against (\d+) open needs", first.output)
    assert matched and int(matched.group(1)) > 0 and int(matched.group(2)) > 0, first.output
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Match))
    assert count > 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Match)) == count
    supplier = app.test_client()
    assert login(supplier, "supplier@example.org", DEMO_PASSWORD).status_code == 302
    with app.app_context():
        northwest = db.session.scalar(select(Organisation.id).where(Organisation.name == "Northwest Facilities Services Ltd"))
    page = supplier.get(f"/suppliers/{northwest}").get_data(as_text=True)
    assert "Recommended for you" in page
    assert "Kit for the under-12s team" in page
    assert "commitment has £5,000 left" in page
