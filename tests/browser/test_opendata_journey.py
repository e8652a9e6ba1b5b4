"""Open data in Debian's chromium, with axe-core on every page: someone with no account
follows the ledger to a supplier's scorecard, a ward's deliveries, the open data page
and the API's documentation, and downloads the grants as a 360Giving spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests import factories

from .conftest import axe_check


@pytest.fixture
def world(app, places) -> factories.OpenDataBorough:
    return factories.open_data_borough(app)


def test_from_the_ledger_to_the_open_data(page, world: factories.OpenDataBorough):
    page.goto("/ledger")
    axe_check(page)
    page.get_by_role("link", name="Builders Ltd").first.click()
    expect(page.get_by_role("heading", name="Social value scorecard")).to_be_visible()
    commitments = page.get_by_role("table", name="Social value commitments of Builders Ltd: target, delivered and status")
    expect(commitments.get_by_role("row", name="Employee volunteering hours")).to_contain_text("At risk")
    axe_check(page)

    page.goto(f"/wards/{world.harlesden}")
    expect(page.get_by_role("heading", name="Confirmed deliveries")).to_be_visible()
    page.get_by_role("link", name="See all confirmed deliveries in Harlesden & Kensal Green on the ledger").click()
    expect(page.get_by_role("status")).to_contain_text("2 confirmed deliveries worth £650")
    axe_check(page)

    page.get_by_role("link", name="All the open data").click()
    expect(page.get_by_role("heading", name="Open data", exact=True)).to_be_visible()
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="360Giving grants (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert len(rows) == 4 and {row["Beneficiary Location:Geographic Code Type"] for row in rows} == {"WD", "LONB"}

    page.get_by_role("link", name="read the API documentation").click()
    expect(page.get_by_role("heading", name="Open data API")).to_be_visible()
    axe_check(page)
