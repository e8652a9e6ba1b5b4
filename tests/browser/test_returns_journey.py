"""The supplier returns journey in Debian's chromium, with axe-core on every page: the
supplier files a quarterly return (a line with evidence, one refused in the wrong unit
first), submits it; the officer queries it; the supplier answers; the officer accepts it;
the contract page shows what was delivered by source."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests import factories

from .conftest import axe_check, sign_in


@pytest.fixture
def world(app, places):
    return factories.returns_borough(app)


def test_supplier_files_a_return_and_the_officer_queries_then_accepts_it(new_context, world, tmp_path):
    seller = new_context().new_page()
    sign_in(seller, "supplier@example.org")
    seller.goto(f"/suppliers/{world.supplier}")
    seller.get_by_role("link", name="Returns for BRENT-RET-001").click()
    axe_check(seller)
    seller.get_by_role("button", name=re.compile("Start the return for 1 April 2025")).click()
    expect(seller.locator("h1")).to_contain_text("Return: 1 April 2025 to 30 June 2025")
    axe_check(seller)
    seller.get_by_role("link", name=re.compile("Report what was delivered towards Apprenticeship weeks")).click()
    axe_check(seller)
    seller.get_by_label("Quantity delivered in the period").fill("26 weeks")
    seller.get_by_label("What was delivered?").fill("Two Brent apprentices, 13 weeks each, in plumbing.")
    seller.get_by_role("button", name="Save this line").click()
    expect(seller.locator(".govuk-error-message")).to_contain_text("as a whole number")
    axe_check(seller)
    evidence = tmp_path / "timesheets.png"
    Image.new("RGB", (80, 60), (0, 112, 60)).save(evidence, format="PNG")
    seller.get_by_label("Quantity delivered in the period").fill("26")
    seller.get_by_label("People who benefited").fill("2")
    seller.get_by_label("Of them, living in the borough").fill("2")
    seller.get_by_label("Harlesden & Kensal Green").check()
    seller.get_by_label("Evidence file (optional)").set_input_files(str(evidence))
    seller.get_by_role("button", name="Save this line").click()
    expect(seller.locator(".govuk-notification-banner--success")).to_be_visible()
    seller.get_by_role("button", name="Submit the return").click()
    expect(seller.locator(".govuk-notification-banner--success")).to_contain_text("Return submitted")
    axe_check(seller)

    officer = new_context().new_page()
    sign_in(officer, "officer@example.org")
    officer.goto("/officers/")
    officer.get_by_role("link", name=re.compile("Supplier returns: 1 to check")).click()
    axe_check(officer)
    officer.get_by_role("link", name=re.compile("BRENT-RET-001")).first.click()
    expect(officer.locator("main")).to_contain_text("Two Brent apprentices")
    axe_check(officer)
    officer.get_by_role("button", name="Send the question").click()
    expect(officer.locator(".govuk-error-message")).to_contain_text("Enter the question for the supplier")
    axe_check(officer)
    officer.get_by_label("Your question for the supplier").fill("Which wards do the apprentices live in?")
    officer.get_by_role("button", name="Send the question").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text("Question sent")

    seller.reload()
    expect(seller.locator("main")).to_contain_text("Which wards do the apprentices live in?")
    seller.get_by_label("Your answer to the council's question").fill("Both live in Harlesden & Kensal Green.")
    seller.get_by_role("button", name="Submit the return").click()
    expect(seller.locator(".govuk-notification-banner--success")).to_contain_text("Return submitted")

    officer.reload()
    expect(officer.locator("main")).to_contain_text("Both live in Harlesden")
    officer.get_by_role("button", name="Accept the return").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text("Return accepted")
    axe_check(officer)
    officer.goto(f"/officers/contracts/{world.contract}")
    expect(officer.locator("main")).to_contain_text("0 through pledges, 26 through returns")
    axe_check(officer)
    officer.screenshot(path=str(tmp_path / "contract.png"), full_page=True)
    seller.goto(seller.url)
    seller.screenshot(path="/tmp/returns_supplier_return.png", full_page=True)


def test_officer_sets_a_schedule_then_rejects_a_return_after_are_you_sure(new_context, world, app):
    from datetime import date

    from models import Commitment, Contract, User, db
    from models.returns.rules import LineDetails, save_line, start_return, submit_return

    officer = new_context().new_page()
    sign_in(officer, "officer@example.org")
    officer.goto(f"/officers/contracts/{world.contract}")
    expect(officer.locator("main")).to_contain_text("Returns: quarterly (the schedule for its tier)")
    officer.get_by_role("link", name="Change how often it reports").click()
    axe_check(officer)
    officer.get_by_label("Yearly", exact=True).check()
    officer.get_by_role("button", name="Save the schedule").click()
    expect(officer.locator(".govuk-error-message")).to_contain_text("Say why this contract reports on this schedule")
    axe_check(officer)
    officer.get_by_label("Why?").fill("Agreed at the mobilisation meeting: one report a year.")
    officer.get_by_role("button", name="Save the schedule").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text("BRENT-RET-001 now reports yearly")

    with app.app_context():
        seller = db.session.get(User, world.seller)
        filed = start_return(db.session.get(Contract, world.contract), seller, date(2025, 4, 1), date.today())
        assert filed.period_end == date(2026, 3, 31)  # the yearly period
        save_line(filed, db.session.get(Commitment, world.hires), seller, LineDetails(3, "Three local hires"))
        submit_return(filed, seller)
        db.session.commit()
        return_id = filed.id

    officer.goto(f"/officers/returns/{return_id}")
    officer.get_by_label("Why is it rejected?").fill("No evidence of where the three hires live.")
    officer.get_by_role("button", name="Reject the return").click()
    expect(officer.locator("h1")).to_contain_text("Are you sure you want to reject the return for BRENT-RET-001")
    axe_check(officer)
    officer.get_by_role("button", name="Yes, reject the return").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text("Return rejected")
    expect(officer.locator("main")).to_contain_text("Rejected")
