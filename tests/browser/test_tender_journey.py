"""Co-produced at tender (issue 17), in Debian's chromium with axe-core on every page: an
officer records a tender in two wards; its public bid pack shows Harlesden's vote winner and
the open needs; a supplier builds and submits a sealed offer from it; once the tender has
closed the officer compares the offers and awards one; the contract follows."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from conftest import PASSWORD
from models import db
from models.tenders.models import Tender
from tests import factories

from .conftest import axe_check


def sign_in(page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def test_an_officer_opens_a_tender_a_supplier_offers_from_the_bid_pack_and_the_officer_awards_it(app, places, new_context):
    scene = factories.tender_borough(app)
    officer = new_context().new_page()
    sign_in(officer, "officer@example.org")
    officer.goto("/officers/tenders/new")
    axe_check(officer)
    officer.get_by_label("Tender reference").fill("BRENT-T-2027-09")
    officer.get_by_label("Title").fill("Parks maintenance")
    officer.get_by_label("Estimated value").fill("1,800,000")
    next_year = date.today() + timedelta(days=365)
    officer.get_by_label("Day").fill(str(next_year.day))
    officer.get_by_label("Month").fill(str(next_year.month))
    officer.get_by_label("Year").fill(str(next_year.year))
    officer.get_by_label("Harlesden & Kensal Green").check()
    officer.get_by_label("Kilburn").check()
    officer.get_by_role("button", name="Record the tender").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text("Tender BRENT-T-2027-09 recorded")
    expect(officer.locator("main")).to_contain_text("Volunteers for the pantry")
    axe_check(officer)
    officer.get_by_role("button", name="Pin New fridge for the pantry").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text("Bid pack updated")
    with app.app_context():
        tender_id = db.session.scalar(db.select(Tender.id).where(Tender.reference == "BRENT-T-2027-09"))

    public = new_context().new_page()
    public.goto(f"/tenders/{tender_id}/bid-pack")
    expect(public.locator("main")).to_contain_text("Won the vote")
    expect(public.locator("main")).to_contain_text("40 hours still needed of 40 hours")
    axe_check(public)

    supplier = new_context().new_page()
    sign_in(supplier, "a@example.org")
    supplier.goto(f"/suppliers/{scene['able']}/tenders")
    axe_check(supplier)
    supplier.get_by_role("button", name="Start an offer for Parks maintenance").click()
    expect(supplier.locator("h1")).to_contain_text("Your social value offer")
    axe_check(supplier)
    supplier.get_by_label("Need from the bid pack").select_option(label="Volunteers for the pantry (40 hours still needed of 40 hours)")
    supplier.get_by_label("Quantity to reserve").fill("30")
    supplier.get_by_role("button", name="Reserve").click()
    expect(supplier.locator(".govuk-notification-banner--success")).to_contain_text("Need reserved")
    supplier.get_by_label("Measure").select_option(label="Employee volunteering hours (hours)")
    supplier.get_by_label("Target quantity").fill("200")
    due = next_year + timedelta(days=200)
    dates = supplier.locator("form", has=supplier.get_by_role("button", name="Add the commitment"))
    dates.get_by_label("Day").fill(str(due.day))
    dates.get_by_label("Month").fill(str(due.month))
    dates.get_by_label("Year").fill(str(due.year))
    supplier.get_by_role("button", name="Add the commitment").click()
    expect(supplier.locator(".govuk-notification-banner--success")).to_contain_text("Commitment added")
    expect(supplier.locator("main")).to_contain_text("Meets the tier")
    supplier.get_by_role("button", name="Submit the sealed offer").click()
    expect(supplier.locator(".govuk-notification-banner--success")).to_contain_text("sealed")
    axe_check(supplier)

    with app.app_context():  # the closing date passes
        db.session.get(Tender, tender_id).closing_date = date.today() - timedelta(days=1)
        db.session.commit()
    officer.goto(f"/officers/tenders/{tender_id}")
    expect(officer.locator("main")).to_contain_text("Offers side by side")
    axe_check(officer)
    officer.get_by_label("Offer to award").select_option(label="Able Facilities Ltd")
    officer.get_by_role("button", name="Award the contract").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text("1 pledges offered to groups")
    officer.get_by_role("link", name="BRENT-T-2027-09").click()
    expect(officer.locator("main")).to_contain_text("Employee volunteering hours")
    axe_check(officer)
