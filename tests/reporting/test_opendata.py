"""Open data: confirmed deliveries as 360Giving grants (valid against the standard's
own JSON Schema, with ward codes, in-kind deliveries classified, nothing unconfirmed,
the CSV in the standard's column titles), contracts as an OCDS release package with
the metrics extension (targets and deliveries with the right numbers), the open data
page, the ward page's deliveries, the supplier scorecard, and no personal data in any
public output."""

from __future__ import annotations

import csv
import io
import json

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy import select

from brokerage.config import from_environment
from models import Commitment, Need, Pledge, User, db
from models.pledges.rules import set_allocations
from tests import factories
from tests.factories import OPEN_DATA_CONTACTS, OPEN_DATA_PEOPLE, SHARED_DATA, TEST_DATA, OpenDataBorough

SCHEMAS = TEST_DATA / "360giving"
GRANT_SCHEMA_URL = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/master/schema/360-giving-schema.json"
PREFIX = "360G-brent-sv-"
CONFIRMED = ("cash", "hours", "laptop", "tools")
UNCONFIRMED = ("offered", "accepted", "delivered", "disputed", "declined", "withdrawn")

@pytest.fixture
def world(app, places) -> OpenDataBorough:
    return factories.open_data_borough(app)


def package_validator() -> Draft4Validator:
    """The 360Giving package schema, its grant $ref resolved to the grant schema beside it."""
    grant = json.loads((SCHEMAS / "360-giving-schema.json").read_text(encoding="utf-8"))
    package = json.loads((SCHEMAS / "360-giving-package-schema.json").read_text(encoding="utf-8"))
    registry = Registry().with_resource(GRANT_SCHEMA_URL, Resource.from_contents(grant, default_specification=DRAFT4))
    return Draft4Validator(package, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def grants_by_pledge(client, query: str = "") -> dict[int, dict]:
    response = client.get(f"/open-data/360giving.json{query}")
    assert response.status_code == 200
    return {int(grant["id"].removeprefix(PREFIX)): grant for grant in response.get_json()["grants"]}


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_grants_package_is_valid_360giving(client, world: OpenDataBorough):
    response = client.get("/open-data/360giving.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="360giving-grants-')
    package = response.get_json()
    errors = sorted(package_validator().iter_errors(package), key=lambda error: list(error.path))
    assert not errors, [f"{list(error.path)}: {error.message}" for error in errors]
    assert {grant["id"] for grant in package["grants"]} == {f"{PREFIX}{world.pledges[name]}" for name in CONFIRMED}
    assert package["license"] == "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def test_the_schema_check_rejects_what_the_standard_forbids(client, world: OpenDataBorough):
    """The validator is live: the same package, broken as a careless export would be, fails."""
    package = client.get("/open-data/360giving.json").get_json()
    validator = package_validator()
    for field, value in (("recipientOrganization", None), ("currency", "POUNDS"), ("amountAwarded", "200"),
                         ("awardDate", "1 June 2025")):
        broken = json.loads(json.dumps(package))
        if value is None:
            del broken["grants"][0][field]
        else:
            broken["grants"][0][field] = value
        assert not validator.is_valid(broken), field


def test_grants_name_the_organisations_and_the_ward_they_benefit(client, world: OpenDataBorough):
    grants = grants_by_pledge(client)
    fridge = grants[world.pledges["cash"]]
    assert fridge["title"] == "Community fridge fund"
    assert fridge["currency"] == "GBP" and fridge["amountAwarded"] == 200
    assert fridge["awardDate"] == "2025-06-01T09:00:00Z"
    assert fridge["recipientOrganization"] == [
        {"id": "GB-CHC-1190001", "name": "Harlesden Food Hub", "charityNumber": "1190001"}
    ]
    assert fridge["fundingOrganization"] == [{"id": "GB-COH-09000001", "name": "Builders Ltd"}]
    assert fridge["beneficiaryLocation"] == [
        {"name": "Harlesden & Kensal Green", "geoCode": world.harlesden, "geoCodeType": "WD", "countryCode": "GB"}
    ]
    assert fridge["url"] == f"http://localhost/needs/{world.needs['fridge']}"
    assert "Builders Ltd gave £200" in fridge["description"]
    laptop = grants[world.pledges["laptop"]]
    assert laptop["amountAwarded"] == 333.33  # £1,000 × 1/3, to the penny (rounded down)
    # borough-wide: the council's own area, a London borough, named as a place (not the council)
    assert laptop["beneficiaryLocation"] == [
        {"name": "Brent", "geoCode": world.lad_code, "geoCodeType": "LONB", "countryCode": "GB"}
    ]
    tools = grants[world.pledges["tools"]]
    assert tools["recipientOrganization"] == [{"id": f"{PREFIX}org-{world.allotment}", "name": "Stonebridge Allotment Society"}]
    assert tools["fundingOrganization"][0]["id"] == "GB-COH-09000002"
    assert tools["beneficiaryLocation"][0]["geoCode"] == world.stonebridge


def test_in_kind_deliveries_are_classified(client, world: OpenDataBorough):
    grants = grants_by_pledge(client)
    kinds = {name: grants[world.pledges[name]]["classifications"] for name in CONFIRMED}
    vocabulary = f"{PREFIX}support-type"
    assert kinds["cash"] == [{"vocabulary": vocabulary, "code": "cash", "title": "Cash"}]
    assert kinds["hours"] == [{"vocabulary": vocabulary, "code": "volunteering", "title": "In kind: volunteer time"}]
    assert kinds["laptop"] == [{"vocabulary": vocabulary, "code": "goods", "title": "In kind: goods"}]
    assert grants[world.pledges["hours"]]["amountAwarded"] == 450  # in kind, at its estimated value


def test_only_confirmed_deliveries_become_grants(app, client, world: OpenDataBorough):
    with app.app_context():
        statuses = dict(db.session.execute(select(Pledge.id, Pledge.status)).all())
    assert sorted(statuses[world.pledges[name]] for name in UNCONFIRMED) == [
        "accepted", "declined", "delivered", "disputed", "offered", "withdrawn"
    ]
    as_json = client.get("/open-data/360giving.json").get_data(as_text=True)
    as_csv = client.get("/open-data/360giving.csv").get_data(as_text=True)
    for name in UNCONFIRMED:
        identifier = f'{PREFIX}{world.pledges[name]}'
        assert f'"{identifier}"' not in as_json
        assert f"{identifier}," not in as_csv
    assert len(grants_by_pledge(client)) == 4 and as_csv.count(f"\r\n{PREFIX}") == 4


def test_the_csv_uses_360givings_column_titles(client, world: OpenDataBorough):
    response = client.get("/open-data/360giving.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = {row["Identifier"]: row for row in csv_rows(response)}
    standard = set()
    for sample in ("360giving_blagrave_trust_2016_grants.csv", "power_to_change_grants_brent_towerhamlets_kirklees.csv"):
        with open(SHARED_DATA / "360giving" / sample, newline="", encoding="utf-8") as handle:
            standard.update(next(csv.reader(handle)))
    header = list(next(iter(rows.values())))
    ours_not_in_samples = [title for title in header if title not in standard]
    # the classification and recipient location columns are the standard's flattening of `classifications` and
    # `recipientOrganization/location` (tests/reporting/test_360giving_quality.py), absent from the samples
    assert ours_not_in_samples == [
        "Recipient Org:Location:Name", "Recipient Org:Location:Country Code", "Recipient Org:Location:Geographic Code",
        "Recipient Org:Location:Geographic Code Type",
        "Classifications:Vocabulary", "Classifications:Code", "Classifications:Title",
    ]
    laptop = rows[f"{PREFIX}{world.pledges['laptop']}"]
    assert laptop["Amount Awarded"] == "333.33" and laptop["Award Date"] == "2025-04-01"
    assert laptop["Beneficiary Location:Geographic Code Type"] == "LONB"
    hours = rows[f"{PREFIX}{world.pledges['hours']}"]
    assert hours["Amount Awarded"] == "450" and hours["Currency"] == "GBP"
    assert hours["Recipient Org:Identifier"] == "GB-CHC-1190001" and hours["Recipient Org:Charity Number"] == "1190001"
    assert hours["Funding Org:Identifier"] == "GB-COH-09000001" and hours["Funding Org:Name"] == "Builders Ltd"
    assert hours["Beneficiary Location:Geographic Code"] == world.harlesden
    assert hours["Beneficiary Location:Geographic Code Type"] == "WD"
    assert hours["Classifications:Code"] == "volunteering" and hours["Classifications:Title"] == "In kind: volunteer time"


def test_a_title_that_looks_like_a_formula_is_text_in_the_360giving_csv(app, client, world: OpenDataBorough):
    with app.app_context():
        db.session.get(Need, world.needs["fridge"]).title = "=cmd|' /C calc'!A0"
        db.session.commit()
    rows = {row["Identifier"]: row for row in csv_rows(client.get("/open-data/360giving.csv"))}
    assert rows[f"{PREFIX}{world.pledges['cash']}"]["Title"] == "'=cmd|' /C calc'!A0"
    assert grants_by_pledge(client)[world.pledges["cash"]]["title"] == "=cmd|' /C calc'!A0"  # JSON is exact


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?ward={harlesden}", ("cash", "hours")),
        ("?ward=borough", ("laptop",)),
        ("?kind=goods", ("laptop", "tools")),
        ("?supplier={cleaners}", ("laptop", "tools")),
        ("?year=2024", ("hours",)),  # 31 March 2025 is in April 2024 to March 2025
        ("?year=2025&kind=cash", ("cash",)),
    ],
)
def test_the_ledgers_filters_narrow_the_grants(client, world: OpenDataBorough, query, expected):
    query = query.format(harlesden=world.harlesden, cleaners=world.cleaners)
    assert set(grants_by_pledge(client, query)) == {world.pledges[name] for name in expected}
    rows = csv_rows(client.get(f"/open-data/360giving.csv{query}"))
    assert {row["Identifier"] for row in rows} == {f"{PREFIX}{world.pledges[name]}" for name in expected}


def test_the_prefixes_are_settings(app, client, world: OpenDataBorough):
    app.config.update(OPEN_DATA_GRANT_PREFIX="360G-kirklees-sv-", OPEN_DATA_OCID_PREFIX="ocds-kirk01-")
    grants = client.get("/open-data/360giving.json").get_json()["grants"]
    assert {grant["id"] for grant in grants} == {f"360G-kirklees-sv-{world.pledges[name]}" for name in CONFIRMED}
    releases = client.get("/open-data/ocds.json").get_json()["releases"]
    assert {release["ocid"] for release in releases} == {f"ocds-kirk01-{world.contract}", f"ocds-kirk01-{world.contract + 1}"}
    settings = from_environment({"APP_ENV": "test", "SECRET_KEY": "x", "OPEN_DATA_GRANT_PREFIX": "360G-tower-"}, "/tmp")
    assert settings["OPEN_DATA_GRANT_PREFIX"] == "360G-tower-"
    with pytest.raises(ValueError, match="360G-"):
        from_environment({"APP_ENV": "test", "SECRET_KEY": "x", "OPEN_DATA_GRANT_PREFIX": "brent-"}, "/tmp")
    with pytest.raises(ValueError, match="ocds-"):
        from_environment({"APP_ENV": "test", "SECRET_KEY": "x", "OPEN_DATA_OCID_PREFIX": "brent-"}, "/tmp")


def releases_by_reference(client) -> dict[str, dict]:
    response = client.get("/open-data/ocds.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return {release["contracts"][0]["id"]: release for release in response.get_json()["releases"]}


def test_ocds_release_package_with_the_metrics_extension(client, world: OpenDataBorough):
    package = client.get("/open-data/ocds.json").get_json()
    assert package["version"] == "1.1"
    assert package["extensions"] == [
        "https://raw.githubusercontent.com/open-contracting-extensions/ocds_metrics_extension/v1.1/extension.json"
    ]
    assert package["uri"] == "http://localhost/open-data/ocds.json"
    assert package["publisher"] == {"name": "Brent Council", "scheme": "GB-LAE", "uid": "BEN", "uri": "http://localhost"}
    assert {"publishedDate", "license", "releases"} <= set(package)
    releases = releases_by_reference(client)
    assert set(releases) == {"BRENT-FM-001", "BRENT-CL-002"}  # not the unverified supplier's contract
    for release in releases.values():
        assert {"ocid", "id", "date", "tag", "initiationType", "tender", "parties", "buyer", "awards", "contracts"} <= set(release)
        assert release["id"].startswith(release["ocid"] + "-")
        assert release["contracts"][0]["awardID"] == release["awards"][0]["id"]
    fm = releases["BRENT-FM-001"]
    assert fm["ocid"] == f"ocds-brentsv-{world.contract}"
    assert fm["tag"] == ["contract", "implementation"]
    assert fm["buyer"] == {"id": "GB-LAE-BEN", "name": "Brent Council"}
    assert fm["parties"][1]["id"] == "GB-COH-09000001" and fm["parties"][1]["roles"] == ["supplier"]
    assert fm["awards"][0]["suppliers"] == [{"id": "GB-COH-09000001", "name": "Builders Ltd"}]
    assert fm["awards"][0]["value"] == {"amount": 1_200_000, "currency": "GBP"}
    assert fm["contracts"][0]["period"]["startDate"] == "2025-04-01T00:00:00Z"
    assert fm["contracts"][0]["period"]["endDate"].endswith("-03-31T23:59:59Z")


def test_commitments_are_agreed_metrics_and_deliveries_implementation_metrics(client, world: OpenDataBorough):
    contract = releases_by_reference(client)["BRENT-FM-001"]["contracts"][0]
    agreed = {metric["id"]: metric for metric in contract["agreedMetrics"]}
    delivered = {metric["id"]: metric for metric in contract["implementation"]["metrics"]}
    investment, hours = f"commitment-{world.investment}", f"commitment-{world.hours}"
    assert set(agreed) == set(delivered) == {investment, hours}
    target = agreed[investment]["observations"][0]
    assert agreed[investment]["title"] == "Community investment"
    assert "measure" not in target and "unit" not in target  # counted in pounds: a value, not a measure
    assert target["value"] == {"amount": 1_000, "currency": "GBP"}
    assert target["period"]["startDate"] == "2025-04-01T00:00:00Z" and target["period"]["endDate"].endswith("T23:59:59Z")
    assert agreed[hours]["observations"][0]["measure"] == 100
    assert agreed[hours]["observations"][0]["unit"] == {"name": "hours", "scheme": "UNCEFACT", "id": "HUR"}
    assert len(agreed[hours]["observations"]) == 1 and "value" not in agreed[hours]["observations"][0]  # no proxy value
    assert delivered[investment]["observations"][0]["value"] == {"amount": 200, "currency": "GBP"}
    assert delivered[hours]["observations"][0]["measure"] == 30
    cleaning = releases_by_reference(client)["BRENT-CL-002"]
    # its only commitment is proposed, not approved: no metrics
    assert cleaning["tag"] == ["contract"] and "agreedMetrics" not in cleaning["contracts"][0]


def test_a_release_id_changes_when_what_was_delivered_does(app, client, world: OpenDataBorough):
    first = releases_by_reference(client)["BRENT-FM-001"]["id"]
    assert releases_by_reference(client)["BRENT-FM-001"]["id"] == first  # stable while nothing changes
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        set_allocations(db.session.get(Pledge, world.pledges["cash"]), officer, [(world.investment, 150)])
        db.session.commit()
        assert db.session.get(Commitment, world.investment).delivered_quantity == 150
    release = releases_by_reference(client)["BRENT-FM-001"]
    assert release["id"] != first
    metrics = {metric["id"]: metric for metric in release["contracts"][0]["implementation"]["metrics"]}
    assert metrics[f"commitment-{world.investment}"]["observations"][0]["value"] == {"amount": 150, "currency": "GBP"}


def test_the_open_data_page_lists_every_dataset_with_its_licence(client, world: OpenDataBorough):
    html = client.get("/open-data").get_data(as_text=True)
    for href in ("/open-data/360giving.json", "/open-data/360giving.csv", "/ledger.csv", "/open-data/ocds.json",
                 "/open-data/api", "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"):
        assert f'href="{href}"' in html, href
    assert "Open Government Licence v3.0" in html and "4 so far, worth £1,483.33" in html
    assert 'href="/open-data">Open data</a>' in client.get("/").get_data(as_text=True)  # in the footer


def test_the_ledger_offers_the_grants_with_its_filters_and_links_to_scorecards(client, world: OpenDataBorough):
    html = client.get(f"/ledger?kind=goods&supplier={world.cleaners}").get_data(as_text=True)
    assert f'href="/open-data/360giving.json?supplier={world.cleaners}&amp;kind=goods"' in html
    assert f'href="/open-data/360giving.csv?supplier={world.cleaners}&amp;kind=goods"' in html
    assert f'href="/organisations/{world.cleaners}#scorecard">Cleaners plc</a>' in html


def test_a_wards_page_lists_its_confirmed_deliveries(client, world: OpenDataBorough):
    html = client.get(f"/wards/{world.harlesden}").get_data(as_text=True).split('id="deliveries"')[1]
    assert "2 confirmed deliveries to needs in Harlesden &amp; Kensal Green, worth £650" in html
    assert html.index("Community fridge fund") < html.index("Pantry volunteers")  # newest first
    assert "Builders Ltd gave £200 to Harlesden Food Hub" in html
    assert f'href="/ledger?ward={world.harlesden}"' in html
    assert "Laptops for homework club" not in html  # borough-wide, not this ward's
    assert "Allotment tools" in client.get(f"/wards/{world.stonebridge}").get_data(as_text=True).split('id="deliveries"')[1]
    other = client.get("/wards/E05013496").get_data(as_text=True)  # Alperton: nothing delivered
    assert "No deliveries to needs in Alperton have been confirmed yet." in other


def test_a_suppliers_page_shows_its_public_scorecard(client, world: OpenDataBorough):
    html = client.get(f"/organisations/{world.builders}").get_data(as_text=True)
    card = html.split('id="scorecard"')[1]
    assert "BRENT-FM-001" in card and "Facilities management for civic buildings" in card and "£1,200,000" in card
    assert "2, worth £650" in card  # confirmed deliveries: £200 cash and £450 in kind
    assert "£1,000" in card and "1,000 £" not in card and "200 (20%)" in card and "£200 of £1,000" in card
    assert "100 hours" in card and "30 (30%)" in card and "At risk" in card  # due in 30 days, under 75%
    assert f'href="/ledger?supplier={world.builders}"' in card
    assert f'href="/api/v1/suppliers/{world.builders}"' in card
    cleaners = client.get(f"/organisations/{world.cleaners}").get_data(as_text=True).split('id="scorecard"')[1]
    assert "BRENT-CL-002" in cleaners and "77 hours" not in cleaners  # a proposed commitment is not public
    assert "No social value commitments are recorded" in cleaners
    assert client.get(f"/organisations/{world.pending}").status_code == 404
    assert 'id="scorecard"' not in client.get(f"/organisations/{world.hub}").get_data(as_text=True)


def test_no_personal_data_in_any_public_output(client, world: OpenDataBorough):
    urls = [
        "/open-data", "/open-data/api", "/open-data/360giving.json", "/open-data/360giving.csv", "/open-data/ocds.json",
        "/ledger", "/ledger.csv", f"/wards/{world.harlesden}",
        "/api/v1/needs?per_page=100", "/api/v1/wards", f"/api/v1/wards/{world.harlesden}", "/api/v1/rounds",
        "/api/v1/deliveries?per_page=100", "/api/v1/suppliers", "/api/v1/themes",
        f"/api/v1/suppliers/{world.builders}", f"/api/v1/suppliers/{world.cleaners}",
        *(f"/api/v1/needs/{world.needs[name]}" for name in ("fridge", "laptops", "pantry", "tools")),
        *(f"/api/v1/rounds/{world.rounds[state]}" for state in ("open", "closed", "published")),
        f"/rounds/{world.rounds['published']}/round.pb",
    ]
    organisation_pages = [f"/organisations/{world.builders}", f"/organisations/{world.cleaners}"]
    for url in urls + organisation_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        for person in OPEN_DATA_PEOPLE:
            assert person not in body, (url, person)
        # an organisation's contact email is on its own page by its choice, and in no data
        for contact in OPEN_DATA_CONTACTS if url not in organisation_pages else ():
            assert contact not in body, (url, contact)
