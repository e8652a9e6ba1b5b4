"""The matching journey in Debian's chromium, with axe-core on every page: the
nightly match job runs; the supplier finds "Recommended for you" on its dashboard
with the reasons, dismisses one suggestion and pledges to another with its
commitment chosen; an officer sees the commitment at risk on the brokerage board
and introduces the supplier to the group."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from models import db
from tests import factories

from .conftest import axe_check, sign_in

PANTRY = "Volunteers for Saturday food pantry"
GARDEN = "Garden tidy at the community centre"


@pytest.fixture
def borough(app, places):
    with app.app_context():
        factories.themes()
        db.session.commit()
        officer = factories.officer()
        owner = factories.user("owner@example.org", "Olu Owner")
        seller = factories.user("seller@example.org", "Sol Seller")
        group = factories.organisation(owner, officer=officer)
        supplier = factories.supplier(seller, officer=officer)
        db.session.commit()
        today = date.today()
        hours = factories.measure("Employee volunteering hours")
        harlesden = factories.ward(name="Harlesden & Kensal Green").id
        contract = factories.contract(supplier.id, officer)
        factories.commitment(contract, officer, hours.id, 120, today + timedelta(days=30), ward_ids=(harlesden,))
        for title, quantity in ((PANTRY, 60), (GARDEN, 10)):
            factories.need(
                group, owner, title, summary="Help on Saturday mornings.", quantity=quantity, unit="volunteer hours",
                ward_id=harlesden, theme_id=hours.theme_id, deadline=today + timedelta(days=60), officer=officer,
                today=today,
            )
        db.session.commit()
        return {"supplier": supplier.id}


def test_recommend_dismiss_pledge_and_introduce(app, new_context, borough, work_jobs):
    from brokerage.extensions import rq
    from workers.matching import match_all_commitments

    with app.app_context():
        rq.enqueue(match_all_commitments)
    assert work_jobs() == 0

    supplier = new_context().new_page()
    sign_in(supplier, "seller@example.org")
    supplier.goto(f"/suppliers/{borough['supplier']}")
    recommended = supplier.locator("#recommended ~ .govuk-summary-card")
    expect(recommended).to_have_count(2)
    expect(recommended.first).to_contain_text(PANTRY)
    expect(recommended.first).to_contain_text("Your ‘Employee volunteering hours’ commitment has 120 hours left")
    axe_check(supplier)
    supplier.get_by_role("link", name="See all the needs recommended for Builders Ltd").click()
    expect(supplier.get_by_role("heading", name="Recommended for you")).to_be_visible()
    axe_check(supplier)
    supplier.get_by_role("button", name=f"Dismiss the suggestion {GARDEN}").click()
    expect(supplier.locator(".govuk-notification-banner")).to_contain_text(f"we will not suggest “{GARDEN}”")
    expect(supplier.locator(".govuk-summary-card")).to_have_count(1)
    supplier.get_by_role("link", name=f"Pledge to {PANTRY}").click()
    assert "BRENT-001" in supplier.get_by_label("Count it towards a commitment (optional)").evaluate(
        "select => select.options[select.selectedIndex].text")
    supplier.get_by_label("How much can you give?").fill("20")
    supplier.get_by_role("button", name="Pledge").click()
    expect(supplier.locator(".govuk-notification-banner")).to_contain_text("You pledged 20 volunteer hours")

    officer = new_context().new_page()
    sign_in(officer, "officer@example.org")
    officer.goto("/officers/")
    officer.get_by_role("link", name="Brokerage board: commitments at risk and the needs that fit them").click()
    expect(officer.locator("main")).to_contain_text("Builders Ltd: Employee volunteering hours")
    expect(officer.locator("main")).not_to_contain_text(GARDEN)  # dismissed by the supplier
    axe_check(officer)
    officer.get_by_role("button", name=f"Introduce Builders Ltd to Harlesden Food Hub about {PANTRY}").click()
    expect(officer.locator(".govuk-notification-banner")).to_contain_text("we have emailed both")
    expect(officer.locator("#commitment-1")).to_contain_text("Introduced")
    axe_check(officer)
