"""The brokerage journey in Debian's chromium, with axe-core on every page: an
officer imports the real Contracts Finder file (checking its preview first: only the
council's own release is imported; here the council is the Met Office) and adds a commitment, a supplier
pledges against a need, the group accepts, the supplier records delivery with
evidence, the group and the officer confirm, and the commitment's ledger and the
public ledger show it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from models import db
from tests import factories
from tests.factories import SHARED_DATA
from models.contracts.council_buyer import save_council_buyer

from .conftest import axe_check, sign_in

CONTRACTS_FINDER = SHARED_DATA / "ocds" / "contracts_finder_ocds_search_2025-01-20_to_23_100releases.json"
NEED = "Volunteers for Saturday food pantry"


@pytest.fixture
def borough(app, places):
    if not CONTRACTS_FINDER.exists():
        pytest.fail(f"the shared Contracts Finder file is missing: {CONTRACTS_FINDER}")
    with app.app_context():
        factories.themes()
        # This council, as a buyer, is the Met Office's org-id (the file holds no Brent release).
        save_council_buyer(["GB-GOR-EA46"], [])
        db.session.commit()
        officer = factories.officer()
        owner = factories.user("owner@example.org", "Olu Owner")
        seller = factories.user("seller@example.org", "Sol Seller")
        group = factories.organisation(owner, officer=officer)
        # The supplier registered itself with its real company number; the import finds it by that.
        factories.supplier(seller, "Matrix SCM Limited", registration_number="02227962", size_band="large", officer=officer)
        db.session.commit()
        today = date.today()
        need = factories.need(
            group, owner, NEED, summary="Four volunteers each Saturday morning.", unit="volunteer hours",
            theme_id=factories.measure("Employee volunteering hours").theme_id, deadline=today + timedelta(days=60),
            officer=officer, today=today,
        )
        db.session.commit()
        return {"group": group.id, "need": need.id}


def test_import_commit_pledge_deliver_confirm_and_see_it_in_the_ledgers(new_context, borough, work_jobs, tmp_path):
    officer = new_context().new_page()
    sign_in(officer, "officer@example.org")
    officer.goto("/officers/contracts/import")
    axe_check(officer)
    officer.get_by_label("Open Contracting (OCDS) file").set_input_files(str(CONTRACTS_FINDER))
    officer.get_by_role("button", name="Preview the import").click()
    assert work_jobs() == 0
    officer.reload()
    main = officer.locator("main")
    expect(main).to_contain_text("Check the contracts in")
    expect(main).to_contain_text("Contingent Labour Bridging Contract")
    expect(main).to_contain_text("buyer is Ministry of Defence, not this council")
    axe_check(officer)
    officer.get_by_role("button", name="Import 1 contract").click()
    assert work_jobs() == 0
    officer.reload()
    expect(officer.locator("main")).to_contain_text("1 created, 0 updated, 99 skipped")
    axe_check(officer)
    officer.get_by_role("link", name="See this import, or undo it").click()
    expect(officer.get_by_role("button", name="Undo this import")).to_be_visible()
    axe_check(officer)

    officer.goto("/officers/contracts")
    officer.get_by_role("link", name=re.compile("Contingent Labour Bridging Contract")).click()
    expect(officer.locator("main")).to_contain_text("Matrix SCM Limited")
    axe_check(officer)
    officer.get_by_role("link", name="Add a commitment").click()
    # axe reads the page as it is: wait for the new one, not the one being left.
    officer.wait_for_url(re.compile(r"/commitments/new$"))
    expect(officer.locator("main h1")).to_be_visible()
    axe_check(officer)
    measure = officer.get_by_label("Measure")
    option = measure.locator("option", has_text="Employee volunteering hours").first
    measure.select_option(value=option.get_attribute("value"))
    officer.get_by_label("Target quantity").fill("100")
    due = date(2025, 4, 30)  # the contract ran from 1 February to 30 April 2025: its commitments fall due within it
    officer.get_by_label("Day").fill(str(due.day))
    officer.get_by_label("Month").fill(str(due.month))
    officer.get_by_label("Year").fill(str(due.year))
    officer.get_by_role("button", name="Save the commitment").click()
    expect(officer.locator("main")).to_contain_text("Employee volunteering hours")

    seller = new_context().new_page()
    sign_in(seller, "seller@example.org")
    seller.goto(f"/needs/{borough['need']}")
    seller.get_by_role("link", name="Pledge to this need").click()
    axe_check(seller)
    seller.get_by_label("How much can you give?").fill("50")
    seller.get_by_label("Message to the group").fill("Eight of our staff for five Saturdays.")
    seller.get_by_role("button", name="Pledge").click()
    expect(seller.locator(".govuk-error-message")).to_contain_text("Only 40")
    seller.get_by_label("How much can you give?").fill("40")
    seller.get_by_label("Count it towards a commitment (optional)").select_option(index=1)
    seller.get_by_role("button", name="Pledge").click()
    expect(seller.locator(".govuk-notification-banner--success")).to_be_visible()

    group = new_context().new_page()
    sign_in(group, "owner@example.org")
    group.goto(f"/groups/{borough['group']}/pledges")
    axe_check(group)
    group.get_by_role("button", name=re.compile("^Accept")).click()
    expect(group.locator(".govuk-notification-banner--success")).to_be_visible()

    evidence = tmp_path / "volunteers.png"
    Image.new("RGB", (80, 60), (0, 112, 60)).save(evidence, format="PNG")
    seller.goto("/suppliers")
    axe_check(seller)
    seller.get_by_role("link", name=re.compile("^Record delivery")).click()
    axe_check(seller)
    seller.get_by_label("Day").fill(str(date.today().day))
    seller.get_by_label("Month").fill(str(date.today().month))
    seller.get_by_label("Year").fill(str(date.today().year))
    seller.get_by_label("What was delivered?").fill("Eight volunteers sorted donations on five Saturdays: 40 hours.")
    seller.get_by_label("Evidence file (optional)").set_input_files(str(evidence))
    seller.get_by_role("button", name="Record the delivery").click()
    expect(seller.locator(".govuk-notification-banner--success")).to_be_visible()

    group.reload()
    group.get_by_role("button", name=re.compile("^Confirm you received it")).click()
    expect(group.locator(".govuk-notification-banner--success")).to_be_visible()

    officer.goto("/officers/deliveries")
    axe_check(officer)
    officer.get_by_role("link", name=re.compile(NEED)).click()
    axe_check(officer)
    officer.get_by_role("button", name="Confirm the delivery").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_be_visible()

    officer.goto("/officers/contracts")
    officer.get_by_role("link", name=re.compile("Contingent Labour Bridging Contract")).click()
    ledger_row = officer.get_by_role("row", name=re.compile("Employee volunteering hours"))
    expect(ledger_row).to_contain_text("40")
    expect(ledger_row).to_contain_text("60")  # remaining of the 100-hour target

    visitor = new_context().new_page()
    visitor.goto("/ledger")
    axe_check(visitor)
    row = visitor.get_by_role("row", name=re.compile(NEED))
    expect(row).to_contain_text("Matrix SCM Limited")
    expect(row).to_contain_text("40")
    expect(visitor.locator("main")).not_to_contain_text("Sol Seller")
