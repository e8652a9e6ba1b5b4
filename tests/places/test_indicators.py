"""Local indicators: an administrator imports ward-level figures (such as the Social Progress
Index) from a CSV, chooses one for matching and the ward map, and bad files are refused by
line with nothing saved. The CSV in tests/data/indicators is TEST DATA (see its README): Brent's
real ward codes with made-up values, standing in for a Social Progress Index file we lack."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Event, Role, Ward, db
from models.core.settings import get_setting
from models.places.indicators import IMD, WardIndicator, chosen_indicator, ward_readings
from tests import factories
from tests.factories import count, post_form, signed_in

TEST_SPI = Path(__file__).parent.parent / "data" / "indicators" / "TEST_DATA_spi_brent_wards.csv"
SPI = "Social Progress Index (test data)"
HEADER = "ward_code,indicator,value,source,year\n"


@pytest.fixture
def admin(app, places, make_user):
    make_user("admin@example.org", "Ada Admin", role=Role.ADMIN)
    return signed_in(app, "admin@example.org")


def upload(client, content: bytes, name: str = "indicators.csv"):
    return post_form(client, "/admin/indicators", {"file": (io.BytesIO(content), name)},
                     content_type="multipart/form-data")


def figures(app) -> dict[tuple[str, str, int], tuple[float, str]]:
    with app.app_context():
        return {(code, row.indicator, row.year): (row.value, row.source) for row, code in db.session.execute(
            select(WardIndicator, Ward.code).join(Ward, Ward.id == WardIndicator.ward_id))}


def test_importing_the_test_spi_file_twice_changes_nothing_the_second_time(app, admin):
    response = upload(admin, TEST_SPI.read_bytes())
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "22 figures added, 0 changed, 0 unchanged" in page
    assert SPI in page and "TEST DATA standing in" in page
    first = figures(app)
    assert len(first) == 22 and first[("E05013496", SPI, 2024)] == (52.0, "TEST DATA standing in for a Social Progress Index file we lack")
    with app.app_context():
        events = db.session.scalar(select(db.func.count()).select_from(Event).where(Event.action == "indicators.imported"))
    assert events == 1
    again = upload(admin, TEST_SPI.read_bytes())
    assert "0 figures added, 0 changed, 22 unchanged" in admin.get(again.headers["Location"]).get_data(as_text=True)
    assert figures(app) == first
    assert count(app, Event, Event.action == "indicators.imported") == 1  # nothing changed: nothing to audit
    changed = upload(admin, (HEADER + f"E05013496,{SPI},60.5,Another source,2024\n").encode())
    assert "0 figures added, 1 changed, 0 unchanged" in admin.get(changed.headers["Location"]).get_data(as_text=True)
    assert figures(app)[("E05013496", SPI, 2024)] == (60.5, "Another source")
    assert count(app, WardIndicator) == 22


def test_bad_lines_are_reported_by_number_and_nothing_is_saved(app, admin):
    content = (HEADER
               + f"E05013496,{SPI},52,Test,2024\n"            # line 2: good
               + f"E09000005,{SPI},50,Test,2024\n"            # line 3: not a ward code (a borough's)
               + f"E05009999,{SPI},50,Test,2024\n"            # line 4: a ward of another council
               + f"E05013497,{SPI},not a number,Test,2024\n"  # line 5
               + f"E05013498,{SPI},nan,Test,2024\n"           # line 6: a number no ward has
               + f"E05013499,{SPI},50,Test,24\n"              # line 7: not a year
               + f"E05013496,{SPI},53,Test,2024\n"            # line 8: line 2 again
               + f"E05013500,,50,Test,2024\n"                 # line 9: no indicator
               + f"E05013501,{SPI},50,,2024\n").encode()      # line 10: no source
    response = upload(admin, content)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was saved: 8 problems to put right" in page
    for line, said in ((3, "is not a ward code"), (4, "the ward E05009999 is not one of this council"),
                       (5, "is not a number"), (6, "is not a number a ward could have"), (7, "must be a year"),
                       (8, "is already on an earlier line"), (9, "the indicator must be named"),
                       (10, "the source must be given")):
        assert f"Line {line}: " in page and said in page.split(f"Line {line}: ", 1)[1].split("</li>", 1)[0], line
    assert "Line 2:" not in page
    assert count(app, WardIndicator) == 0


def test_files_that_are_not_indicator_csvs_are_refused(app, admin):
    assert "Unknown column" in upload(admin, b"ward,score\nE05013496,3\n").get_data(as_text=True)
    assert "Missing column" in upload(admin, b"ward_code,indicator,value,year\nE05013496,X,3,2024\n").get_data(as_text=True)
    assert "The file must be a CSV" in upload(admin, b"{}", name="indicators.json").get_data(as_text=True)
    assert "not UTF-8" in upload(admin, HEADER.encode() + b"\xff\xfe,x,1,y,2024\n").get_data(as_text=True)
    huge_lines = HEADER + "".join(f"E05013496,Indicator {n},1,Test,2024\n" for n in range(5_001))
    assert "more than 5,000 lines" in upload(admin, huge_lines.encode()).get_data(as_text=True)
    huge_bytes = HEADER.encode() + b"E05013496,X,1," + b"s" * (2 * 1024 * 1024) + b",2024\n"
    assert "smaller than 2 MB" in upload(admin, huge_bytes).get_data(as_text=True)
    assert count(app, WardIndicator) == 0


def test_only_administrators_import_or_choose(app, admin, make_user):
    make_user("officer@example.org", "Olu Officer", role=Role.OFFICER)
    officer = signed_in(app, "officer@example.org")
    assert officer.get("/admin/indicators").status_code in (302, 403)
    token_page = admin.get("/admin/indicators")  # an admin's CSRF token does not help the officer
    assert token_page.status_code == 200
    refused = officer.post("/admin/settings/indicator", data={"indicator": IMD, "direction": "lower"})
    assert refused.status_code in (302, 400, 403)
    with app.app_context():
        assert get_setting("matching_indicator") is None


def test_the_chosen_indicator_drives_matching_and_the_map(app, admin):
    upload(admin, TEST_SPI.read_bytes())
    settings_page = admin.get("/admin/settings").get_data(as_text=True)
    assert "Local indicator" in settings_page and f"{SPI}: TEST DATA" in settings_page
    refused = post_form(admin, "/admin/settings/indicator", {"indicator": "No such indicator", "direction": "lower"},
                        form_url="/admin/settings")
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)
    with app.app_context():
        assert chosen_indicator().is_imd
    saved = post_form(admin, "/admin/settings/indicator", {"indicator": SPI, "direction": "lower"}, form_url="/admin/settings")
    assert saved.status_code == 302
    with app.app_context():
        chosen = chosen_indicator()
        assert (chosen.name, chosen.year, chosen.higher_means_more_need) == (SPI, 2024, False)
        readings = ward_readings(chosen)
        wards = dict(db.session.execute(select(Ward.code, Ward.id)).all())
        # Alperton has the lowest made-up value (52): with lower meaning more need, it is the most in need.
        assert readings[wards["E05013496"]].level == 1.0 and min(r.level for r in readings.values()) == 0.0
        assert db.session.scalar(select(Event).where(Event.action == "settings.changed").order_by(Event.id.desc())).detail[
            "matching_indicator"] == SPI
    page = app.test_client().get("/map?by=indicator").get_data(as_text=True)
    assert f"Map of wards by {SPI}" in page
    assert "Source: TEST DATA standing in for a Social Progress Index file we lack, 2024" in page
    assert "Alperton: 52, " in page and "app-map__ward--4" in page
    plain = app.test_client().get("/map").get_data(as_text=True)
    assert "Map of open needs" in plain and f"Shade by {SPI}" in plain


def test_matching_weights_needs_by_the_chosen_indicator(app, places):
    from models.matching.matches import _load_needs
    from models.matching.scoring import local_need_factor

    world = factories.matching_borough(app, date.today())
    need = factories.matching_need(app, world, today=date.today())  # in Harlesden & Kensal Green
    with app.app_context():
        harlesden = db.session.get(Ward, world["harlesden"])
        harlesden.local_index_score = 5_000.0  # IMD: a mean rank, 1 the most deprived in England
        rows = [["ward_code", "indicator", "value", "source", "year"]]
        for code in db.session.scalars(select(Ward.code)):
            rows.append([code, "Unemployment (test data)", 9.5 if code == harlesden.code else 2.0, "Test", 2025])
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        from models.places.indicators import choose_indicator, import_indicators
        from models import User

        officer = db.session.get(User, world["officer"])
        assert import_indicators(buffer.getvalue().encode(), officer).problems == []
        by_imd = next(n for n in _load_needs({"volunteering"}, date.today()) if n.id == need)
        assert by_imd.imd_rank == 5_000.0 and by_imd.local_level is None
        choose_indicator("Unemployment (test data)", True, officer)  # higher: more need
        db.session.commit()
        chosen = next(n for n in _load_needs({"volunteering"}, date.today()) if n.id == need)
        assert chosen.imd_rank is None and chosen.local_level == 1.0 and local_need_factor(chosen) == 1.0
        assert "Unemployment (test data) (Test, 2025)" in chosen.local_indicator
        choose_indicator("Unemployment (test data)", False, officer)  # lower: more need
        db.session.commit()
        reversed_ = next(n for n in _load_needs({"volunteering"}, date.today()) if n.id == need)
        assert reversed_.local_level == 0.0 and local_need_factor(reversed_) == 0.0
        choose_indicator(IMD, False, officer)
        db.session.commit()
        assert next(n for n in _load_needs({"volunteering"}, date.today()) if n.id == need).imd_rank == 5_000.0
