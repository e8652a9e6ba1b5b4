"""The officer's transparency journey in Debian's chromium, with axe-core on every
page: the social value dashboard, this year's annual impact report as a web page,
a case study written for it, and the PDF produced by a worker and downloaded."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from models.reporting.impact import Year
from tests import factories

from .conftest import axe_check, sign_in

TODAY = date.today()
YEAR = Year.of(TODAY)


@pytest.fixture
def borough(app, places):
    """The same borough as the dashboard and report tests."""
    return factories.impact_borough(app, TODAY)


def test_an_officer_reviews_the_year_and_produces_the_report(app, new_context, borough, work_jobs):
    officer = new_context().new_page()
    sign_in(officer, "officer@example.org")
    officer.goto("/officers/")
    officer.get_by_role("link", name="Social value dashboard").click()
    expect(officer.get_by_role("heading", name="Social value dashboard")).to_be_visible()
    expect(officer.locator("main")).to_contain_text("£5,500")
    expect(officer.locator("svg.app-map")).to_be_visible()
    axe_check(officer)

    officer.get_by_role("link", name="Produce the annual social value impact report").click()
    expect(officer.get_by_role("heading", name=f"Annual Social Value Impact Report {YEAR.short}")).to_be_visible()
    for section in ("a) Social value delivered against committed, by contract", "b) Performance against each KPI",
                    "c) Unmet commitments and the Social Value Fund", "d) The resulting impact"):
        expect(officer.get_by_role("heading", name=section)).to_be_visible()
    axe_check(officer)

    officer.get_by_role("link", name="write or change them").click()
    officer.get_by_role("link", name="Write a case study").click()
    officer.get_by_label("A success").check()
    officer.get_by_label("Title").fill("Community investment landed early")
    officer.get_by_label("What happened").fill("The fridge fund was paid in full in the first month.")
    officer.get_by_label("Reasons for the variance").fill("The group's need matched the supplier's commitment exactly.")
    officer.get_by_label("Lessons learned").fill("Match commitments to posted needs early.")
    axe_check(officer)
    officer.get_by_role("button", name="Save case study").click()
    expect(officer.get_by_text("Case study saved")).to_be_visible()
    axe_check(officer)

    officer.goto(f"/officers/report?year={YEAR.start}")
    expect(officer.locator("main")).to_contain_text("Success: Community investment landed early")
    officer.get_by_role("button", name="Produce the PDF").click()
    expect(officer.get_by_role("heading", name="Social value impact report")).to_be_visible()
    assert work_jobs() == 0
    # The task page moves on by itself once the job has run (static/js/task.mjs).
    expect(officer.get_by_role("heading", name="The PDF is ready")).to_be_visible(timeout=15_000)
    axe_check(officer)
    with officer.expect_download() as download:
        officer.get_by_role("link", name="Download").click()
    path = download.value.path()
    assert open(path, "rb").read(5) == b"%PDF-"
