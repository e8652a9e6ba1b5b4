"""360Giving's own tools on the grants the platform publishes (/open-data/360giving.json
and .csv), run offline:

- lib360dataquality, the library behind 360Giving's Data Quality Tool, runs every
  accuracy ("quality") and usefulness check it has on the JSON. It is not on PyPI, so a
  copy is vendored in tests/data/360giving/lib360dataquality (see the README there); the
  org-id.guide register it reads its list of recognised identifier prefixes from is
  vendored beside it (org-id-lists.json), in place of the download it makes on import.
- flattentool, with the 360Giving schema, turns the CSV back into grants as the Data
  Quality Tool does with a spreadsheet (so every column title is the standard's and every
  cell says what the JSON says), and flattens the JSON.

The data: the open-data world (tests/factories.py `open_data_borough`) made like the demo, where each
group that receives a delivery is registered and says where it is based."""

from __future__ import annotations

import csv
import importlib
import io
import json
import sys
import warnings
from decimal import Decimal
from pathlib import Path

import flattentool
import pytest
from sqlalchemy import select

from models import Need, Organisation, User, Ward, db
from models.people.organisations import approve_organisation_change, update_organisation_details
from models.places.themes import slugify
from models.reporting.opendata import area_name, quantity_text
from tests import factories
from tests.factories import OpenDataBorough as World

DATA = Path(__file__).resolve().parent.parent / "data" / "360giving"
GRANT_SCHEMA = DATA / "360-giving-schema.json"
PREFIX = "360G-brent-sv-"

# Every check of the Data Quality Tool, by the name 360Giving gives it (lib360dataquality's
# TEST_CLASSES): accuracy checks, then usefulness checks.
ACCURACY_CHECKS = (
    "ZeroAmountTest", "FundingOrgUnrecognisedPrefix", "RecipientOrgUnrecognisedPrefix", "RecipientOrgCharityNumber",
    "RecipientOrgCompanyNumber", "OrganizationIdLooksInvalid", "OrganizationIdUnexpectedChars", "GrantIdUnexpectedChars",
    "MoreThanOneFundingOrg", "LooksLikeEmail", "ImpossibleDates", "PlannedStartDateBeforeEndDate",
    "ActualStartDateBeforeEndDate", "FarFuturePlannedDates", "FarFutureActualDates", "FarPastDates",
    "PostDatedAwardDates", "RecipientIndDEI", "GeoCodePostcode", "MultiFundingNamesForOrgId", "MultiFundingOrgIdsForName",
)
USEFULNESS_CHECKS = (
    "RecipientOrg360GPrefix", "FundingOrg360GPrefix", "NoRecipientOrgCompanyCharityNumber", "IncompleteRecipientOrg",
    "NoGrantProgramme", "NoBeneficiaryLocation", "TitleDescriptionSame", "TitleLength", "NoLastModified", "NoDataSource",
    "RecipientIndWithoutToIndividualsDetails", "PlannedDurationNotPresent", "BeneficiaryLocationNameButNoCode",
    "BeneficiaryButNotRecipientGeoData", "RecipientGeoDataButNoBeneficiary",
)
# The one notice our data must raise: each supplier is a funding organisation of its own.
EXPECTED = {"MoreThanOneFundingOrg": "2 different funding organisation identifiers listed"}

@pytest.fixture
def world(app, places) -> World:
    return factories.open_data_borough(app)


def dataquality():
    """The vendored lib360dataquality's checks module. On import it asks libcove for
    org-id.guide's prefixes, which libcove downloads; here they come from the vendored
    register. It also replaces libcove's oneOf validator, which is put back: the checks
    run here do not validate, and other libcove users in this process must not change."""
    name = "lib360dataquality.cove.threesixtygiving"
    if name in sys.modules:
        return sys.modules[name]
    from libcove.lib import common

    lists = json.loads((DATA / "org-id-lists.json").read_text(encoding="utf-8"))["lists"]
    download, one_of = common.get_orgids_prefixes, common.validator.VALIDATORS["oneOf"]
    common.get_orgids_prefixes = lambda orgids_url=None: [found["code"] for found in lists]
    sys.path.insert(0, str(DATA))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(DATA))
        common.get_orgids_prefixes = download
        common.validator.VALIDATORS["oneOf"] = one_of


def quality_report(package: dict) -> dict[str, dict]:
    """Every check that raised a notice, by name: what the Data Quality Tool would show
    (its heading, how many grants, and where)."""
    checks = dataquality()
    aggregates = checks.get_grants_aggregates(package)
    report = {}
    for kind in (checks.TestType.QUALITY_TEST_CLASS, checks.TestType.USEFULNESS_TEST_CLASS):
        # no ignore_errors: a check that breaks on our data fails the test, not passes silently
        for message, locations, _ in checks.run_extra_checks(package, None, checks.TEST_CLASSES[kind], aggregates):
            report[message["type"]] = {"kind": kind, "heading": message["heading"], "count": message["count"],
                                       "where": locations}
    return report


@pytest.fixture
def demo_like(app, world: World) -> World:
    """The world as the demo has it: the groups that receive deliveries are registered
    charities, based in a ward (the food hub in Harlesden & Kensal Green, the allotment
    society in Stonebridge), changed as their owners would change them."""
    with app.app_context():
        wards = dict(db.session.execute(select(Ward.name, Ward.id)).tuples().all())
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        for organisation_id, owner, number, ward in (
            (world.hub, "owner@example.org", "1190001", "Harlesden & Kensal Green"),
            (world.allotment, "allot@example.org", "1190002", "Stonebridge"),
        ):
            organisation = db.session.get(Organisation, organisation_id)
            update_organisation_details(
                organisation, db.session.scalar(select(User).where(User.email == owner)), legal_form="cio",
                registration_number=number, based_in_borough=True, ward_id=wards[ward],
            )
            # A verified organisation's new legal form and number count once an officer accepts them.
            approve_organisation_change(organisation, officer)
        db.session.commit()
    return world


def package_of(client, query: str = "") -> dict:
    response = client.get(f"/open-data/360giving.json{query}")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True), parse_float=Decimal)  # as the Data Quality Tool reads it


def grants_by_id(package: dict) -> dict[str, dict]:
    return {grant["id"]: grant for grant in package["grants"]}


def test_the_vendored_library_runs_every_check_360giving_names(client, demo_like: World):
    checks = dataquality()
    names = {kind: tuple(check.__name__ for check in found) for kind, found in checks.TEST_CLASSES.items()}
    assert names == {checks.TestType.QUALITY_TEST_CLASS: ACCURACY_CHECKS, checks.TestType.USEFULNESS_TEST_CLASS: USEFULNESS_CHECKS}
    # the org-id.guide register came from the vendored copy: our identifiers' registers are in it
    assert {"GB-CHC", "GB-COH", "GB-SC", "GB-NIC", "GB-LAE", "360G"} <= set(checks.orgids_prefixes)


def test_the_data_quality_report_has_no_notice_but_several_funders(client, demo_like: World):
    package = package_of(client)
    assert len(package["grants"]) == 4
    report = quality_report(package)
    unexpected = {name: notice["heading"] for name, notice in report.items() if name not in EXPECTED}
    assert not unexpected, unexpected
    assert {name: notice["heading"] for name, notice in report.items()} == EXPECTED
    assert report["MoreThanOneFundingOrg"]["kind"] == "quality_accuracy"


def test_a_group_with_no_registration_number_gets_only_the_notices_360giving_says_to_ignore(app, client, world: World):
    """A community group with no charity or company number is identified under our
    360G- prefix, as 360Giving's guidance asks; the tool then says so (a usefulness
    notice, "if your grants are to organisations that don't have UK Company or UK Charity
    numbers, you can ignore this notice"). Without a ward, a group based in the borough
    is located in the borough; one that is not says nothing of where it is."""
    with app.app_context():
        hub = db.session.get(Organisation, world.hub)
        owner = db.session.scalar(select(User).where(User.email == "owner@example.org"))
        update_organisation_details(hub, owner, registration_number="1190001", based_in_borough=True)
        db.session.commit()
    package = package_of(client)
    position = [grant["id"] for grant in package["grants"]].index(f"{PREFIX}{world.pledges['tools']}")
    tools = f"grants/{position}"
    report = quality_report(package)
    assert {name: notice["where"] for name, notice in report.items() if name not in EXPECTED} == {
        "RecipientOrg360GPrefix": [f"{tools}/recipientOrganization/0/id"],
        "NoRecipientOrgCompanyCharityNumber": [f"{tools}/recipientOrganization/0/id"],
        # the allotment society is based in no ward and not in the borough: nowhere to say
        "IncompleteRecipientOrg": [f"{tools}/recipientOrganization/0/id"],
        "BeneficiaryButNotRecipientGeoData": [f"{tools}/recipientOrganization/0/id"],
    }
    grants = grants_by_id(package)
    assert grants[f"{PREFIX}{world.pledges['cash']}"]["recipientOrganization"][0]["location"] == [
        {"name": "Brent", "geoCode": world.lad_code, "geoCodeType": "LONB", "countryCode": "GB"}
    ]
    assert "location" not in grants[f"{PREFIX}{world.pledges['tools']}"]["recipientOrganization"][0]


def test_the_checks_see_what_the_grants_used_to_lack(client, demo_like: World):
    """The report is not a rubber stamp: take away what the issue found missing and the
    checks 360Giving names for it fire on every grant."""
    package = package_of(client)
    for grant in package["grants"]:
        del grant["dateModified"], grant["plannedDates"], grant["recipientOrganization"][0]["location"]
    report = quality_report(package)
    for name in ("NoLastModified", "PlannedDurationNotPresent", "IncompleteRecipientOrg", "BeneficiaryButNotRecipientGeoData"):
        assert report[name]["count"] == 4, (name, report.get(name))


def test_recipients_are_located_where_they_are_based(client, demo_like: World):
    grants = grants_by_id(package_of(client))
    hub_location = [{"name": "Harlesden & Kensal Green", "geoCode": demo_like.harlesden, "geoCodeType": "WD", "countryCode": "GB"}]
    for name in ("cash", "hours", "laptop"):
        assert grants[f"{PREFIX}{demo_like.pledges[name]}"]["recipientOrganization"][0]["location"] == hub_location
    tools = grants[f"{PREFIX}{demo_like.pledges['tools']}"]["recipientOrganization"][0]
    assert tools["location"][0]["geoCode"] == demo_like.stonebridge and tools["id"] == "GB-CHC-1190002"


def test_borough_wide_grants_benefit_the_area_not_the_council(client, demo_like: World):
    laptop = grants_by_id(package_of(client))[f"{PREFIX}{demo_like.pledges['laptop']}"]
    assert laptop["beneficiaryLocation"] == [
        {"name": "Brent", "geoCode": demo_like.lad_code, "geoCodeType": "LONB", "countryCode": "GB"}
    ]
    grants = client.get("/open-data/360giving.json").get_data(as_text=True).split('"grants":', 1)[1]
    assert "Brent Council" not in grants  # the publisher, named in the package's head, is the council


def test_one_of_a_thing_is_in_the_singular(client, demo_like: World):
    grants = grants_by_id(package_of(client))
    assert "Cleaners plc gave 1 laptop (goods)" in grants[f"{PREFIX}{demo_like.pledges['laptop']}"]["description"]
    assert "Builders Ltd gave 30 hours (volunteer time)" in grants[f"{PREFIX}{demo_like.pledges['hours']}"]["description"]
    assert "Cleaners plc gave 10 tools (goods)" in grants[f"{PREFIX}{demo_like.pledges['tools']}"]["description"]


@pytest.mark.parametrize("quantity, unit, text", [
    (1, "laptops", "1 laptop"), (3, "laptops", "3 laptops"), (1, "volunteer hours", "1 volunteer hour"),
    (1, "bags of compost", "1 bag of compost"), (1, "boxes", "1 box"), (1, "batteries", "1 battery"),
    (1, "people", "1 person"), (1, "£ value", "1 £ value"), (1, "class", "1 class"), (1, "series", "1 series"),
    (1_500, "meals", "1,500 meals"),
])
def test_units_in_the_singular_for_one(quantity, unit, text):
    assert quantity_text(quantity, unit) == text


@pytest.mark.parametrize("council, area", [
    ("Brent Council", "Brent"), ("London Borough of Brent", "Brent"), ("Tower Hamlets Council", "Tower Hamlets"),
    ("Royal Borough of Kensington and Chelsea", "Kensington and Chelsea"), ("Leeds City Council", "Leeds"),
    ("Barnsley Metropolitan Borough Council", "Barnsley"), ("Kirklees", "Kirklees"),
])
def test_the_area_a_council_serves_is_named_from_the_council(council, area):
    assert area_name(council) == area


def test_grant_programme_codes_are_whole_words(client, demo_like: World):
    programmes = {grant["grantProgramme"][0]["title"]: grant["grantProgramme"][0]["code"]
                  for grant in package_of(client)["grants"]}
    long_title = "Reducing inequalities and strengthening community wellbeing, resilience, and participation"
    assert programmes[long_title] == "reducing-inequalities-and-strengthening-community-wellbeing-resilience-and"
    for title, code in programmes.items():
        assert len(code) <= 80
        whole = slugify(title, limit=10_000)
        assert whole == code or whole.startswith(code + "-"), (title, code)  # cut between words


def test_each_grant_says_when_it_was_last_modified_and_what_was_planned(app, client, demo_like: World):
    with app.app_context():
        need = db.session.get(Need, demo_like.needs["laptops"])
        deadline, updated = need.deadline, need.updated_at
    laptop = grants_by_id(package_of(client))[f"{PREFIX}{demo_like.pledges['laptop']}"]
    # confirmed on 1 April 2025 (the world dates it so); its need changed after that
    assert laptop["awardDate"] == "2025-04-01T09:00:00Z"
    assert laptop["dateModified"] == updated.replace(microsecond=0).isoformat() + "Z"
    assert laptop["plannedDates"] == [{"startDate": laptop["plannedDates"][0]["startDate"], "endDate": deadline.isoformat()}]
    assert laptop["plannedDates"][0]["startDate"] <= deadline.isoformat()

    with app.app_context():  # a change to the need is a change to its grants
        db.session.get(Need, demo_like.needs["laptops"]).title = "Laptops for the homework club"
        db.session.commit()
        changed = db.session.get(Need, demo_like.needs["laptops"]).updated_at
    again = grants_by_id(package_of(client))[f"{PREFIX}{demo_like.pledges['laptop']}"]
    assert again["title"] == "Laptops for the homework club"
    assert again["dateModified"] == changed.replace(microsecond=0).isoformat() + "Z" >= laptop["dateModified"]


# flattentool -------------------------------------------------------------------------


def flattentool_warnings(caught) -> list[str]:
    # the standard's own schema gives its three transaction fields no title: flattentool
    # says so every time it reads the schema with titles, whatever the data
    schema_notes = ("applicationTransaction", "commitmentTransaction", "disbursementTransaction")
    return [
        str(warning.message) for warning in caught
        if not issubclass(warning.category, ResourceWarning)
        and not str(warning.message).startswith(tuple(f"Field {name} does not have a title" for name in schema_notes))
    ]


def test_flattentool_reads_the_csv_back_into_the_same_grants(client, demo_like: World, tmp_path):
    """The CSV, unflattened by flattentool with the 360Giving schema (as the Data Quality
    Tool reads a spreadsheet), is the JSON: every column title is the standard's, and
    every cell says what the JSON says (the award date as a day)."""
    response = client.get("/open-data/360giving.csv")
    assert response.status_code == 200
    sheets = tmp_path / "csv"
    sheets.mkdir()
    (sheets / "grants.csv").write_text(response.get_data(as_text=True), encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flattentool.unflatten(
            str(sheets), output_name=str(tmp_path / "unflattened.json"), input_format="csv",
            default_configuration="RootListPath grants,hashcomments", root_id="", schema=str(GRANT_SCHEMA),
            convert_titles=True, id_name=None, root_is_list=False,
        )
    assert flattentool_warnings(caught) == []
    from_csv = json.loads((tmp_path / "unflattened.json").read_text(encoding="utf-8"), parse_float=Decimal)
    from_json = package_of(client)
    expected = {}
    for identifier, grant in grants_by_id(from_json).items():
        grant = {**grant, "awardDate": grant["awardDate"][:10]}  # the CSV gives the day
        expected[identifier] = grant
    assert grants_by_id(from_csv) == expected
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert "Recipient Org:Location:Geographic Code" in header and "Last modified" in header


def test_flattentool_flattens_the_json_into_the_csv_we_publish(client, demo_like: World, tmp_path):
    """flattentool, with the 360Giving schema and its titles, flattens the JSON into a
    sheet of grants and a sheet for each list in them; every cell of the CSV we publish
    is the cell it writes under the same title (the award date as a day)."""
    source = tmp_path / "grants.json"
    source.write_bytes(client.get("/open-data/360giving.json").get_data())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flattentool.flatten(
            str(source), output_name=str(tmp_path / "flat"), output_format="csv", schema=str(GRANT_SCHEMA),
            root_list_path="grants", main_sheet_name="grants", root_id="", use_titles=True,
            remove_empty_schema_columns=True,
        )
    assert flattentool_warnings(caught) == []
    flat: dict[str, dict[str, str]] = {}
    for sheet in sorted((tmp_path / "flat").glob("*.csv")):
        with open(sheet, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                flat.setdefault(row["Identifier"], {}).update(row)
    ours = csv.DictReader(io.StringIO(client.get("/open-data/360giving.csv").get_data(as_text=True)))
    rows = {row["Identifier"]: row for row in ours}
    assert set(flat) == set(rows) and len(rows) == 4
    for identifier, row in rows.items():
        for title, value in row.items():
            if title == "Award Date":
                assert flat[identifier][title][:10] == value, identifier
            else:
                assert flat[identifier].get(title, "") == value, (identifier, title)
