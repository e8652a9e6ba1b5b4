"""The Social Value Fund in open data (issue 18): each need funded from the Fund is a 360Giving
grant from the council (valid against the standard's schema, and through 360Giving's own
Data Quality checks), and the Fund's ledger and balance are downloads (JSON and CSV) with
what came in by source and where it went, naming only what is public."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import Commitment, Need, Round, User, db
from models.fund.ledger import fund_need, pay_in_lieu, spend_on_round
from tests import factories
from tests.factories import OPEN_DATA_CONTACTS, OPEN_DATA_PEOPLE, OpenDataBorough
from tests.reporting.test_360giving_quality import demo_like, quality_report  # noqa: F401 (a fixture)
from tests.reporting.test_opendata import package_validator

PREFIX = "360G-brent-sv-"


@pytest.fixture
def world(app, places) -> OpenDataBorough:
    """The open-data world (for demo_like: its groups registered and based in a ward)."""
    return factories.open_data_borough(app)


@pytest.fixture
def borough(app, demo_like: OpenDataBorough) -> OpenDataBorough:
    """The open-data world as the demo has it, with £1,000 paid into the Fund in lieu of the facilities contract's
    investment commitment; £300 of it added to the open ward vote's budget and £50 to the draft
    one's; and £333.33 paying for the last of the three laptops the homework club needs (borough-wide)."""
    world = demo_like
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        pay_in_lieu(db.session.get(Commitment, world.investment), 1_000_00, officer)
        spend_on_round(db.session.get(Round, world.rounds["open"]), 300_00, officer)
        spend_on_round(db.session.get(Round, world.rounds["draft"]), 50_00, officer)
        world.pledges["fund"] = fund_need(db.session.get(Need, world.needs["laptops"]), 333_33, officer).id
        db.session.commit()
    return world


def test_a_need_funded_from_the_fund_is_a_grant_from_the_council(client, borough: OpenDataBorough):
    response = client.get("/open-data/360giving.json")
    package = response.get_json()
    errors = sorted(package_validator().iter_errors(package), key=lambda error: list(error.path))
    assert not errors, [f"{list(error.path)}: {error.message}" for error in errors]
    grant = {found["id"]: found for found in package["grants"]}[f"{PREFIX}{borough.pledges['fund']}"]
    assert grant["fundingOrganization"] == [{"id": "GB-LAE-BEN", "name": "Brent Council"}]
    assert grant["amountAwarded"] == 333.33 and grant["title"] == "Laptops for homework club"
    assert grant["grantProgramme"] == [{"code": f"{PREFIX}fund", "title": "Social Value Fund"}]
    assert grant["classifications"][0]["code"] == "cash"
    assert "Funded by the council's Social Value Fund: £333.33 towards 1 laptop" in grant["description"]
    assert grant["beneficiaryLocation"][0]["geoCodeType"] == "LONB"  # borough-wide
    # and the CSV says the same
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/360giving.csv").get_data(as_text=True))))
    row = next(row for row in rows if row["Identifier"] == f"{PREFIX}{borough.pledges['fund']}")
    assert (row["Funding Org:Identifier"], row["Amount Awarded"], row["Grant Programme:Title"]) == (
        "GB-LAE-BEN", "333.33", "Social Value Fund")


def test_the_data_quality_checks_find_nothing_new_in_the_councils_grant(client, borough: OpenDataBorough):
    """360Giving's Data Quality checks: the council is one more funding organisation (with a
    recognised GB-LAE identifier), and nothing else is noticed."""
    package = json.loads(client.get("/open-data/360giving.json").get_data(as_text=True), parse_float=Decimal)
    assert len(package["grants"]) == 5
    report = quality_report(package)
    assert {name: notice["heading"] for name, notice in report.items()} == {
        "MoreThanOneFundingOrg": "3 different funding organisation identifiers listed"
    }


def test_the_funds_ledger_as_json(client, borough: OpenDataBorough):
    response = client.get("/open-data/fund.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="social-value-fund-')
    data = response.get_json()
    assert (data["balance_pence"], data["in_pence"], data["out_pence"]) == (316_67, 1_000_00, 683_33)
    assert data["by_source"] == {"payment_in_lieu": 1_000_00, "ward_vote": 350_00, "need": 333_33}
    (year,) = data["financial_years"]
    assert year["balance_at_end_pence"] == 316_67 and year["label"].startswith("April ")
    entries = data["entries"]
    assert [entry["source"] for entry in entries] == ["need", "ward_vote", "ward_vote", "payment_in_lieu"]
    need, draft_vote, open_vote, paid = entries
    assert paid["agreement"] == {"reference": "BRENT-FM-001", "kind": "contract", "holder": "Builders Ltd"}
    assert open_vote["ward_vote"]["title"] == "Open round" and open_vote["ward_vote"]["ward"]["code"] == borough.harlesden
    # a ward vote still in draft is the officers' own: described, not named
    assert draft_vote["ward_vote"] == {"id": None, "title": "A ward vote being prepared",
                                       "ward": {"code": borough.harlesden, "name": "Harlesden & Kensal Green"}}
    assert need["need"]["grant_id"] == f"{PREFIX}{borough.pledges['fund']}" and need["amount_pence"] == 333_33
    assert need["need"]["group"] == "Harlesden Food Hub"


def test_the_funds_ledger_as_csv(client, borough: OpenDataBorough):
    response = client.get("/open-data/fund.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["Direction"], row["Source"], row["Amount (£)"]) for row in rows] == [
        ("out", "need", "333.33"), ("out", "ward_vote", "50.00"), ("out", "ward_vote", "300.00"),
        ("in", "payment_in_lieu", "1000.00"),
    ]
    assert rows[0]["360Giving grant"] == f"{PREFIX}{borough.pledges['fund']}"
    assert rows[3]["Paid by"] == "Builders Ltd" and rows[3]["Agreement reference"] == "BRENT-FM-001"


def test_the_open_data_page_offers_the_fund(client, borough: OpenDataBorough):
    page = client.get("/open-data").get_data(as_text=True)
    assert 'id="fund-balance">£316.67</strong>' in page
    assert "/open-data/fund.json" in page and "/open-data/fund.csv" in page


def test_no_personal_data_in_the_funds_files(client, borough: OpenDataBorough):
    for url in ("/open-data/fund.json", "/open-data/fund.csv"):
        text = client.get(url).get_data(as_text=True)
        for secret in (*OPEN_DATA_PEOPLE, *OPEN_DATA_CONTACTS, "Olu Officer", "officer@example.org"):
            assert secret not in text, (url, secret)


def test_the_api_gives_the_fund_and_its_entries_a_page_at_a_time(client, borough: OpenDataBorough):
    fund = client.get("/api/v1/fund").get_json()
    assert (fund["balance_pence"], fund["by_source"]["need"]) == (316_67, 333_33)
    assert fund["financial_years"][0]["balance_at_end_pence"] == 316_67
    first = client.get("/api/v1/fund/entries?per_page=3").get_json()
    assert (first["total"], [entry["source"] for entry in first["items"]]) == (4, ["need", "ward_vote", "ward_vote"])
    assert first["items"][1]["ward_vote"]["title"] == "A ward vote being prepared"
    second = client.get(first["next"].removeprefix("http://localhost")).get_json()
    assert [entry["agreement"]["reference"] for entry in second["items"]] == ["BRENT-FM-001"] and second["next"] is None
    deliveries = client.get("/api/v1/deliveries?per_page=100").get_json()["items"]
    funded = [item for item in deliveries if item["source"] == "fund"]
    # given by the council's own organisation (named from the council_name setting: none is set here)
    assert [(item["id"], item["value_pence"], item["supplier"]["name"]) for item in funded] == [
        (borough.pledges["fund"], 333_33, "The council")]
