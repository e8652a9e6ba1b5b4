"""Wards and postcodes: normalising postcodes, importing real ONS/OS files, and
the public postcode lookup."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from models import DomainError, Postcode, Ward, db
from models.places.wards import import_postcodes, import_wards, lookup_postcode, ward_postcode_counts
from models.places.postcodes import normalise_postcode
from tests.factories import DATA, SHARED_DATA

WARDS_FILE = DATA / "drkane_wards_WD25_E09000005.geojson"
BRENT_POSTCODES = DATA / "codepoint_open_2025-10_postcode_to_ward_brent_E09000005.csv"
TOWER_HAMLETS_POSTCODES = SHARED_DATA / "postcodes" / "codepoint_open_2025-10_postcode_to_ward_towerhamlets_E09000030.csv"
KIRKLEES_POSTCODES = SHARED_DATA / "postcodes" / "codepoint_open_2025-10_postcode_to_ward_kirklees_E08000034.csv"


def real_rows(path, count: int, start: int = 0) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return rows[start : start + count]


def postcode_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Postcode))


@pytest.fixture
def wards(ctx):
    import_wards(WARDS_FILE.read_text())
    db.session.commit()


# normalise_postcode --------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ha01ab", "HA0 1AB"),
        (" HA0 1AB ", "HA0 1AB"),
        ("hA0-1ab", "HA0 1AB"),
        ("SW1A1AA", "SW1A 1AA"),
        ("nw10 8ab", "NW10 8AB"),
        ("E1 0AA", "E1 0AA"),
        ("W1A 0AX", "W1A 0AX"),
        ("12345", None),
        ("", None),
        (None, None),
        ("HA0 1ABCD", None),
        ("HA0", None),
        ("HA0 1A", None),
        ("1A0 1AB", None),
    ],
)
def test_normalise_postcode(raw, expected):
    assert normalise_postcode(raw) == expected


# Wards ---------------------------------------------------------------------


def test_import_wards_is_idempotent(ctx):
    first = import_wards(WARDS_FILE.read_text())
    db.session.commit()
    second = import_wards(WARDS_FILE.read_text())
    db.session.commit()

    assert (first.created, first.updated, first.skipped) == (22, 0, 0)
    assert (second.created, second.updated, second.skipped) == (0, 0, 0)
    assert db.session.scalar(select(func.count()).select_from(Ward)) == 22
    harlesden = db.session.scalar(select(Ward).where(Ward.code == "E05013501"))
    assert harlesden.name == "Harlesden & Kensal Green"
    assert harlesden.lad_code == "E09000005"
    assert 51.5 < harlesden.latitude < 51.6 and -0.3 < harlesden.longitude < -0.2
    assert harlesden.geometry["type"] in ("Polygon", "MultiPolygon")


def test_import_wards_updates_changed_names(ctx):
    import_wards(WARDS_FILE.read_text())
    collection = json.loads(WARDS_FILE.read_text())
    collection["features"][0]["properties"]["WD25NM"] = "Alperton Village"

    report = import_wards(collection)

    assert (report.created, report.updated) == (0, 1)
    assert db.session.scalar(select(Ward.name).where(Ward.code == "E05013496")) == "Alperton Village"


def test_import_wards_skips_features_it_cannot_use(ctx):
    collection = json.loads(WARDS_FILE.read_text())
    good = collection["features"][0]
    no_code = json.loads(json.dumps(good))
    no_code["properties"].pop("WD25CD")
    not_a_ward = json.loads(json.dumps(good))
    not_a_ward["properties"]["WD25CD"] = "E09000005"
    point = json.loads(json.dumps(good))
    point["properties"]["WD25CD"] = "E05099999"
    point["geometry"] = {"type": "Point", "coordinates": [-0.28, 51.54]}

    report = import_wards({"type": "FeatureCollection", "features": [good, no_code, not_a_ward, point]})

    assert (report.created, report.skipped) == (1, 3)
    assert report.reasons == {"no ward GSS code (WDyyCD)": 2, "geometry is not a polygon": 1}


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"type": "FeatureCollection", "features": [', "The file is not valid GeoJSON"),
        ('{"type": "Feature", "properties": {}}', "The file must be a GeoJSON FeatureCollection of wards"),
        ('{"type": "FeatureCollection"}', "The GeoJSON has no list of features"),
        ("[1, 2, 3]", "The file must be a GeoJSON FeatureCollection of wards"),
        ('{"name": "Br\u00e9nt"}'.encode("latin-1"), "The file is not UTF-8 text"),
    ],
)
def test_import_wards_refuses_files_that_are_not_ward_geojson(ctx, content, message):
    with pytest.raises(DomainError) as error:
        import_wards(content)

    assert error.value.message.startswith(message)
    assert error.value.field == "file"
    assert db.session.scalar(select(func.count()).select_from(Ward)) == 0


# Postcodes -----------------------------------------------------------------


def onspd_csv(rows: list[tuple[dict[str, str], str]]) -> io.StringIO:
    """An ONS postcode directory style file (pcd, pcds, doterm, oslaua, osward,
    lat, long: column names and order as in ONSPD) built from real Code-Point rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["pcd", "pcd2", "pcds", "dointr", "doterm", "oscty", "oslaua", "osward", "usertype", "lat", "long"])
    for row, doterm in rows:
        pcds = row["pcds"]
        outward, inward = pcds.split(" ")
        writer.writerow(
            [
                f"{outward:<4}{inward}"[:7],
                f"{outward:<5}{inward}",
                pcds,
                "198001",
                doterm,
                "E99999999",
                row["lad_code"],
                row["ward_code"],
                "0",
                row["lat_wgs84_derived"],
                row["long_wgs84_derived"],
            ]
        )
    out.seek(0)
    return out


def test_import_postcodes_reads_onspd_columns_by_header(wards):
    brent = real_rows(BRENT_POSTCODES, 12)
    tower_hamlets = real_rows(TOWER_HAMLETS_POSTCODES, 3)
    kirklees = real_rows(KIRKLEES_POSTCODES, 2)
    rows = [(row, "") for row in brent[:10]] + [(row, "202106") for row in brent[10:]]
    rows += [(row, "") for row in tower_hamlets + kirklees]

    report = import_postcodes(onspd_csv(rows))
    db.session.commit()

    assert (report.created, report.updated, report.skipped) == (10, 0, 7)
    assert report.reasons == {"postcode terminated": 2, "ward not in this council": 5}
    assert postcode_count() == 10
    first = db.session.get(Postcode, brent[0]["pcds"])
    assert first.ward.code == brent[0]["ward_code"]
    assert first.latitude == pytest.approx(float(brent[0]["lat_wgs84_derived"]))
    assert first.longitude == pytest.approx(float(brent[0]["long_wgs84_derived"]))
    assert db.session.get(Postcode, brent[11]["pcds"]) is None  # terminated
    assert db.session.get(Postcode, tower_hamlets[0]["pcds"]) is None

    again = import_postcodes(onspd_csv(rows))
    db.session.commit()

    assert (again.created, again.updated, again.skipped) == (0, 0, 7)
    assert postcode_count() == 10


def test_import_postcodes_updates_a_postcode_that_moved_ward(wards):
    rows = real_rows(BRENT_POSTCODES, 3)
    import_postcodes(onspd_csv([(row, "") for row in rows]))
    moved = dict(rows[0], ward_code="E05013501")

    report = import_postcodes(onspd_csv([(moved, "")] + [(row, "") for row in rows[1:]]))

    assert (report.created, report.updated, report.skipped) == (0, 1, 0)
    assert db.session.get(Postcode, rows[0]["pcds"]).ward.name == "Harlesden & Kensal Green"


def test_import_postcodes_without_a_ward_column_is_refused(wards):
    stream = io.StringIO("pcds,lat,long\nHA0 1AB,51.5,-0.3\n")

    with pytest.raises(DomainError) as error:
        import_postcodes(stream)

    assert error.value.message == (
        "The CSV needs a postcode column (pcds) and a ward code column (ward_code or osward)"
    )
    assert postcode_count() == 0


@pytest.mark.parametrize("late", [False, True], ids=["bad-bytes-in-header", "bad-bytes-in-row-4000"])
def test_import_postcodes_refuses_a_file_that_is_not_utf8(wards, late):
    lines = BRENT_POSTCODES.read_bytes().splitlines(keepends=True)
    bad = "HA0 1ZZ,10,1,1,E92000001,,,,E09000005,E05013496,Brent,Alp\u00e9rton,51.5,-0.3\n".encode("latin-1")
    content = b"".join(lines[:4000]) + bad if late else "pcds,ward_code,ward_name\u00e9\n".encode("latin-1") + bad
    stream = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")

    with pytest.raises(DomainError) as error:
        import_postcodes(stream)

    assert error.value.message == "The file is not UTF-8 text. Save it as CSV (UTF-8) and try again."
    db.session.rollback()
    assert postcode_count() == 0


def test_import_postcodes_needs_wards_first_and_a_non_empty_file(ctx):
    with pytest.raises(DomainError, match="Import the wards before the postcodes"):
        import_postcodes(io.StringIO(BRENT_POSTCODES.read_text()[:500]))
    with pytest.raises(DomainError, match="The file is empty"):
        import_postcodes(io.StringIO(""))


def test_the_full_brent_file_loads_every_postcode(wards):
    with open(BRENT_POSTCODES, encoding="utf-8-sig", newline="") as handle:
        report = import_postcodes(handle)
    db.session.commit()

    assert (report.created, report.updated, report.skipped) == (5902, 0, 0)
    assert postcode_count() == 5902
    counts = ward_postcode_counts()
    assert len(counts) == 22 and sum(counts.values()) == 5902
    normalised, row = lookup_postcode("nw108ab")
    assert normalised == "NW10 8AB"
    assert row.ward.name == "Harlesden & Kensal Green"
    assert lookup_postcode("E1 0AA") == ("E1 0AA", None)
    assert lookup_postcode("not a postcode") == (None, None)


# The public lookup page ----------------------------------------------------


def test_postcode_lookup_places_a_brent_postcode_in_its_ward(client, places):
    page = client.get("/postcode?postcode=nw10+8ab").get_data(as_text=True)

    assert "NW10 8AB is in Harlesden &amp; Kensal Green" in page
    assert 'href="/wards/E05013501"' in page


def test_postcode_lookup_says_when_a_real_postcode_is_not_in_the_borough(client, places):
    tower_hamlets = real_rows(TOWER_HAMLETS_POSTCODES, 1, start=100)[0]["pcds"]

    response = client.get("/postcode", query_string={"postcode": tower_hamlets.lower()})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"{tower_hamlets} is not in this council&#39;s area" in page
    assert 'class="govuk-error-message"' in page
    assert "govuk-panel--confirmation" not in page


@pytest.mark.parametrize(
    "query, message",
    [("postcode=12345", "Enter a real postcode, like HA0 1AB"), ("postcode=", "Enter your postcode")],
)
def test_postcode_lookup_explains_bad_input(client, places, query, message):
    page = client.get(f"/postcode?{query}").get_data(as_text=True)

    assert message in page
    assert "govuk-panel--confirmation" not in page


def test_postcode_lookup_form_without_a_search_shows_no_error(client, places):
    page = client.get("/postcode").get_data(as_text=True)

    assert "govuk-error-message" not in page
    assert "Find your ward" in page
