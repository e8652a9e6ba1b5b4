"""Email updates and stories in Debian's chromium, with axe-core on every page: a
resident chooses weekly updates; a group tells the story of its confirmed
delivery with a photo; an officer publishes it, previews a digest and looks at
the background jobs; a visitor reads the story and the newsletter; the resident
unsubscribes from the link in her email without signing in."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests import factories
from workers.digests import send_digests

from .conftest import axe_check
from .conftest import sign_in as _sign_in


def sign_in(page, email: str) -> None:
    """This journey goes on without waiting for the "Signed in as" header."""
    _sign_in(page, email, wait_until_signed_in=False)


@pytest.fixture
def world(app, places):
    return factories.digest_borough(app)


def test_email_updates_and_stories(app, new_context, world, tmp_path, outbox):
    resident = new_context().new_page()
    sign_in(resident, "rory@example.org")
    resident.goto("/account")
    resident.get_by_role("link", name="Change email updates").click()
    expect(resident.get_by_role("heading", level=1)).to_have_text("Email updates")
    expect(resident.get_by_label("Never")).to_be_checked()  # residents: off until they ask
    axe_check(resident)
    resident.get_by_label("Every week").check()
    resident.get_by_label("Kilburn", exact=True).check()
    resident.get_by_role("button", name="Save").click()
    expect(resident.locator(".govuk-notification-banner--success")).to_contain_text("Your email updates have been saved")
    expect(resident.locator(".govuk-summary-list")).to_contain_text("Every week")

    photo = tmp_path / "breakfast.png"
    Image.new("RGB", (120, 80), (0, 112, 60)).save(photo, format="PNG")
    group = new_context().new_page()
    sign_in(group, "grace@example.org")
    group.goto(f"/groups/{world['group']}/needs")
    group.get_by_role("link", name="Tell the story of a delivery").click()
    axe_check(group)
    group.get_by_role("link", name="Tell a story").click()
    axe_check(group)
    group.get_by_label("Which confirmed delivery is it about?").select_option(value=str(world["delivered"]))
    group.get_by_label("Title").fill("Saturday breakfasts")
    group.get_by_label("Summary").fill("Four Saturdays of volunteers kept the pantry open for 120 families.")
    group.get_by_label("The story").fill("We served **480** breakfasts.")
    group.get_by_role("button", name="Preview the story").click()
    expect(group.locator("#preview strong")).to_have_text("480")
    group.get_by_label("Photo (optional)", exact=True).set_input_files(str(photo))
    group.get_by_label("Describe the photo (optional)").fill("Volunteers serving breakfast")
    group.get_by_role("button", name="Save and send to the council").click()
    expect(group.get_by_role("row", name=re.compile("Saturday breakfasts"))).to_contain_text("Waiting for review")
    axe_check(group)

    officer = new_context().new_page()
    sign_in(officer, "officer@example.org")
    officer.goto("/officers/")
    officer.get_by_role("link", name="1 story to review").click()
    axe_check(officer)
    officer.get_by_role("link", name="Saturday breakfasts").click()
    expect(officer.locator("img.app-need-photo")).to_have_attribute("alt", "Volunteers serving breakfast")
    axe_check(officer)
    officer.get_by_role("button", name="Publish").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text("published")
    assert outbox("grace@example.org")[-1].subject == "Published: Saturday breakfasts"

    officer.goto("/officers/")
    officer.get_by_role("link", name=re.compile("Email updates: preview")).click()
    officer.get_by_label("Their email address").fill("rory@example.org")
    officer.get_by_label("Weekly digest").check()
    officer.get_by_role("button", name="Preview").click()
    expect(officer.locator("pre.app-email-body")).to_contain_text("Coaches for the Kilburn youth team")
    axe_check(officer)
    officer.goto("/officers/")
    officer.get_by_role("link", name=re.compile("Background jobs")).click()
    expect(officer.get_by_role("table", name="Queues")).to_contain_text("emails")
    axe_check(officer)

    visitor = new_context().new_page()
    visitor.goto("/")
    visitor.get_by_role("link", name="Stories").click()
    axe_check(visitor)
    visitor.get_by_role("link", name="Saturday breakfasts").click()
    expect(visitor.locator(".govuk-body strong")).to_have_text("480")
    expect(visitor.locator("img.app-need-photo")).to_be_visible()
    axe_check(visitor)
    visitor.goto("/newsletter")
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("Newsletter for suppliers")
    axe_check(visitor)

    with app.app_context():
        send_digests("monthly")
    [digest] = [message for message in outbox("rita@example.org") if message.kind == "monthly_digest"]
    link = re.search(r"http://localhost(/unsubscribe/\S+)", digest.text_body).group(1)
    reader = new_context().new_page()  # not signed in
    reader.goto(link)
    expect(reader.get_by_role("heading", level=1)).to_have_text("Unsubscribe from email updates")
    axe_check(reader)
    reader.get_by_role("button", name="Unsubscribe").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("You have unsubscribed")
    axe_check(reader)
