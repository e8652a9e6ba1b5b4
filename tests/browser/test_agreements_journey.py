"""Whole-council social value in Debian's chromium, with axe-core on every page (issue 18):
an officer imports the developer contributions files (South Hams's real agreements and
contributions, and test transactions standing in for a file we lack), sees the planning
obligations register with its social contributions, records a grant, sees the social
section 106 money received in the Social Value Fund, and adds it to a ward vote's budget."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from models import Role, Round, Ward, db
from tests import factories
from tests.contracts.ocds_files import council_is
from tests.planning.test_developer_contributions import DATA, SOUTH_HAMS, SOUTH_HAMS_TRANSACTIONS

from .conftest import axe_check, sign_in


@pytest.fixture
def people(app, places, make_user, tmp_path):
    make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    with app.app_context():
        council_is(ids=[SOUTH_HAMS])
        factories.organisation(factories.user("hub@example.org", "Hana Hub"))
        ward = db.session.scalar(select(Ward).order_by(Ward.name).limit(1))
        start = datetime(2030, 1, 1)
        factories.inserted_round(ward.id, "Harlesden priorities", state="draft", budget_pence=5_000_00,
                                 opens_at=start, closes_at=start + timedelta(days=14), max_choices=3)
        db.session.commit()
    transactions = tmp_path / "transactions.csv"
    transactions.write_bytes(SOUTH_HAMS_TRANSACTIONS)
    return {"transactions": transactions}


def test_an_officer_imports_planning_obligations_records_a_grant_and_spends_the_fund(page, people, work_jobs):
    sign_in(page, "officer@example.org")
    page.goto("/officers/contracts")
    axe_check(page)
    page.get_by_role("link", name="Import developer contributions").click()
    axe_check(page)
    for path in (DATA / "south_hams_developer-agreement.csv", DATA / "south_hams_developer-agreement-contribution.csv",
                 people["transactions"]):
        page.goto("/officers/planning-obligations/import")
        page.get_by_label("Developer contributions file").set_input_files(str(path))
        page.get_by_role("button", name="Import the file").click()
        assert work_jobs() == 0
        page.reload()
    main = page.locator("main")
    expect(main).to_contain_text("2 created, 0 already there, 4 skipped")
    expect(main).to_contain_text("Line 4: The amount -40 is negative")
    axe_check(page)
    page.get_by_role("link", name="See the planning obligations").click()
    expect(main).to_contain_text("0146/18/FUL-IFSDA")
    expect(main).to_contain_text("Received £12,920")
    axe_check(page)

    page.goto("/officers/agreements/new")
    axe_check(page)
    page.get_by_label("Grant", exact=True).check()
    page.get_by_label("Reference", exact=True).fill("GRANT-2026-01")
    page.get_by_label("Title", exact=True).fill("Community kitchen")
    page.get_by_label("Responsible directorate").fill("Communities")
    page.get_by_label("Responsible officer").select_option(label="Oona Officer")
    page.get_by_label("Supplier, developer, recipient or organisation").select_option(label="Harlesden Food Hub (VCSE)")
    page.get_by_label("Value", exact=True).fill("25000")
    page.get_by_role("button", name="Record the agreement").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the grant programme")
    axe_check(page)
    page.get_by_label("Grant programme (grants)").fill("Brent Together Fund")
    page.get_by_role("button", name="Record the agreement").click()
    expect(main).to_contain_text("Brent Together Fund")
    axe_check(page)

    page.goto("/officers/fund")
    expect(page.locator("#fund-balance")).to_have_text("£12,920")
    axe_check(page)
    page.get_by_label("Ward vote").select_option(label="Harlesden priorities")
    page.get_by_label("Amount to add to its budget").fill("20000")
    page.get_by_role("button", name="Add it to the budget").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("you cannot spend more than that")
    axe_check(page)
    page.get_by_label("Amount to add to its budget").fill("2920")
    page.get_by_role("button", name="Add it to the budget").click()
    expect(page.locator("#fund-balance")).to_have_text("£10,000")
    axe_check(page)
    page.screenshot(path="/tmp/agreements_fund.png", full_page=True)
    page.goto("/officers/impact")
    expect(main).to_contain_text("By source and directorate")
    axe_check(page)
