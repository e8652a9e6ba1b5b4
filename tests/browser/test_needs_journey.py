"""The needs journey in Debian's chromium, with axe-core on every page: a group
posts a need with a photo, an officer requests changes, the group edits and
resubmits, the officer publishes, and an anonymous visitor finds the need through
the map, the ward page, the filters and the search."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from models import db
from tests import factories

from .conftest import axe_check
from .conftest import sign_in as _sign_in

TITLE = "Laptops for our homework club"


@pytest.fixture
def group_and_officer(app, places):
    with app.app_context():
        factories.themes()
        db.session.commit()
        officer = factories.officer()
        owner = factories.user("owner@example.org", "Olu Owner")
        factories.organisation(owner, officer=officer, ward_id=None)
        db.session.commit()
        return owner.id, officer.id


def sign_in(page, email: str) -> None:
    """This journey goes on without waiting for the "Signed in as" header."""
    _sign_in(page, email, wait_until_signed_in=False)


def test_post_moderate_publish_and_find_a_need(new_context, group_and_officer, tmp_path, outbox):
    photo = tmp_path / "laptops.png"
    Image.new("RGB", (120, 80), (29, 112, 184)).save(photo, format="PNG")
    deadline = date.today() + timedelta(days=45)

    group = new_context().new_page()
    sign_in(group, "owner@example.org")
    group.goto("/organisations/")
    group.get_by_role("link", name="Harlesden Food Hub").click()
    group.get_by_role("link", name="Your group's needs").click()
    axe_check(group)
    group.get_by_role("link", name="Post a need").click()
    expect(group.get_by_role("heading", level=1)).to_have_text("Post a need")
    axe_check(group)

    group.get_by_label("Title", exact=True).fill(TITLE)
    group.get_by_label("Summary", exact=True).fill("Ten laptops so children without one at home can do their homework.")
    group.get_by_label("Description (optional)", exact=True).fill("We meet **every weekday** after school in the library.")
    group.get_by_role("button", name="Preview the description").click()
    expect(group.locator("#preview strong")).to_have_text("every weekday")
    group.get_by_label("Goods").check()
    group.get_by_label("Quantity").fill("10")
    group.get_by_label("Unit").fill("laptops")
    group.get_by_label("Estimated value").fill("2,400")
    group.get_by_label("Ward").select_option(label="Harlesden & Kensal Green")
    group.get_by_label("Priority theme").select_option(index=3)
    group.get_by_label("How many people will benefit?").fill("35")
    group.get_by_label("Day").fill(str(deadline.day))
    group.get_by_label("Month").fill(str(deadline.month))
    group.get_by_label("Year").fill(str(deadline.year))
    group.get_by_label("Photo (optional)", exact=True).set_input_files(str(photo))
    group.get_by_label("Describe the photo (optional)").fill("Children at the homework club")
    # A preview after choosing the photo keeps it, and says which file is attached.
    group.get_by_role("button", name="Preview the description").click()
    expect(group.locator("#attached-photo")).to_contain_text(f"Attached: {photo.name}")
    group.screenshot(path=str(tmp_path / "need-photo-attached.png"), full_page=True)
    axe_check(group)
    group.get_by_role("button", name="Save and send for review").click()
    expect(group.locator(".govuk-notification-banner--success")).to_contain_text("sent to the council for review")
    expect(group.get_by_role("row", name=re.compile(TITLE))).to_contain_text("Waiting for review")
    axe_check(group)

    officer = new_context().new_page()
    sign_in(officer, "officer@example.org")
    officer.goto("/officers/needs")
    axe_check(officer)
    officer.get_by_role("link", name=TITLE).click()
    expect(officer.locator("img.app-need-photo")).to_have_attribute("alt", "Children at the homework club")
    axe_check(officer)
    officer.get_by_label("Comment for the group").fill("Say which ages the club is for.")
    officer.get_by_role("button", name="Request changes").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text("changes requested")
    assert outbox("owner@example.org")[-1].subject == f"Changes requested: {TITLE}"

    group.reload()
    expect(group.get_by_role("row", name=re.compile(TITLE))).to_contain_text("Say which ages the club is for.")
    group.get_by_role("link", name=re.compile(f"Change {TITLE}")).click()
    expect(group.locator(".govuk-inset-text")).to_contain_text("Say which ages the club is for.")
    axe_check(group)
    group.get_by_label("Summary", exact=True).fill("Ten laptops for children aged 8 to 11.")
    group.get_by_role("button", name="Save and send for review").click()
    expect(group.get_by_role("row", name=re.compile(TITLE))).to_contain_text("Waiting for review")

    officer.goto("/officers/needs")
    officer.get_by_role("link", name=TITLE).click()
    officer.get_by_role("button", name="Publish").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text("open")

    visitor = new_context().new_page()
    visitor.goto("/map")
    axe_check(visitor)
    ward = visitor.locator("svg.app-map a[aria-label='Harlesden & Kensal Green: 1 open need']")
    ward.focus()
    visitor.keyboard.press("Enter")
    expect(visitor).to_have_url(re.compile(r"/wards/E05013501$"))
    axe_check(visitor)
    visitor.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.locator(".app-progress")).to_contain_text("Requested 10 laptops; pledged 0; accepted 0; delivered 0.")
    axe_check(visitor)

    visitor.goto("/needs")
    axe_check(visitor)
    visitor.get_by_label("Search").fill("laptop")
    visitor.get_by_label("Ward").select_option(label="Harlesden & Kensal Green")
    visitor.get_by_label("Goods").check()
    visitor.get_by_role("button", name="Apply filters").click()
    expect(visitor.get_by_role("status")).to_contain_text("1 need found")
    expect(visitor.get_by_role("link", name=TITLE)).to_be_visible()
    visitor.get_by_label("Search").fill("freezer")
    visitor.get_by_role("button", name="Apply filters").click()
    expect(visitor.get_by_role("status")).to_contain_text("0 needs found")
    axe_check(visitor)
