"""User journeys through the real UI, in Debian's chromium, with axe-core on every page."""

from __future__ import annotations

import os
import re

from playwright.sync_api import expect

from tests.factories import PASSWORD, link_in
from models import Role

from .conftest import axe_check

GROUP = "Harlesden Food Hub"


def summary_value(page, key: str):
    """The value cell of the GOV.UK summary list row whose key is exactly `key`."""
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator(".govuk-summary-list__key", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$"))
    )
    return row.locator(".govuk-summary-list__value")


def success_banner(page):
    return page.locator(".govuk-notification-banner--success")


def test_register_verify_email_create_group_and_officer_verifies_it(page, new_context, places, outbox, make_user):
    owner_email = "amara.okafor@example.org"

    # Register, with a lower-case postcode that the app normalises and places in a ward.
    page.goto("/")
    page.get_by_role("link", name="Create an account").first.click()
    expect(page).to_have_url(re.compile(r"/register$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    axe_check(page)
    page.get_by_label("Full name").fill("Amara Okafor")
    page.get_by_label("Email address").fill(owner_email)
    page.get_by_label("Postcode (optional)").fill("nw10 8ab")
    page.get_by_label("Create a password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # The same page whether or not the address already had an account: check your email.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("main")).to_contain_text(f"We have sent an email to {owner_email}")
    axe_check(page)

    # Verify the address by the link in the email (delivered by a real RQ worker), then sign in.
    messages = outbox(to=owner_email)
    assert [message.subject for message in messages] == ["Confirm your email address"]
    page.goto(link_in(messages[-1], "/verify-email/"))
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(success_banner(page)).to_contain_text("Your email address is confirmed.")
    page.get_by_label("Email address").fill(owner_email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))  # nothing waiting for a new resident yet
    page.goto("/account")
    expect(summary_value(page, "Postcode")).to_have_text("NW10 8AB")
    expect(summary_value(page, "Ward").get_by_role("link", name="Harlesden & Kensal Green")).to_have_attribute(
        "href", "/wards/E05013501"
    )
    expect(summary_value(page, "Email address")).to_have_text(f"{owner_email} (confirmed)")
    axe_check(page)

    # Register a community group.
    page.get_by_role("link", name="Register a community group or a supplier").click()
    expect(page).to_have_url(re.compile(r"/organisations/new$"))
    axe_check(page)
    page.get_by_label("A community group, charity or social enterprise (VCSE)").check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(r"/organisations/new\?kind=vcse$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a community group")
    axe_check(page)
    page.get_by_label("Name of the organisation").fill(GROUP)
    page.get_by_label("Registered charity", exact=True).check()
    page.get_by_label("Charity or company number").fill("1190001")
    page.get_by_label("The organisation is based in the borough").check()
    page.get_by_label("Ward where it is based (optional)").select_option(label="Harlesden & Kensal Green")
    page.get_by_label("What the organisation does").fill(
        "We collect **surplus food** from local shops and cook community meals in Harlesden."
    )
    page.get_by_label("Website (optional)").fill("https://harlesdenfoodhub.example.org")
    page.get_by_label("Contact email (optional)").fill("hello@harlesdenfoodhub.example.org")
    page.get_by_role("button", name="Save and send for verification").click()

    expect(page).to_have_url(re.compile(r"/organisations/\d+$"))
    organisation_path = re.search(r"/organisations/\d+$", page.url).group(0)
    expect(success_banner(page)).to_contain_text(f"{GROUP} has been sent to the council for verification.")
    expect(page.get_by_role("heading", level=1)).to_have_text(GROUP)
    expect(page.locator(".govuk-inset-text")).to_contain_text("Waiting for the council to verify this organisation")
    expect(summary_value(page, "Type")).to_have_text("Registered charity")
    expect(summary_value(page, "Registration number")).to_have_text("1190001")
    expect(summary_value(page, "Ward")).to_have_text("Harlesden & Kensal Green")
    expect(summary_value(page, "Website").get_by_role("link")).to_have_attribute(
        "href", "https://harlesdenfoodhub.example.org"
    )
    expect(summary_value(page, "Status")).to_have_text("Waiting for verification")
    expect(page.locator("strong", has_text="surplus food")).to_be_visible()
    axe_check(page)
    if os.environ.get("BROWSER_SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["BROWSER_SCREENSHOT_DIR"], "organisation-pending.png"), full_page=True)

    # An officer, in a browser of their own, verifies the group.
    make_user(email="olu.adeyemi@brent.example.org", name="Olu Adeyemi", role=Role.OFFICER)
    officer = new_context().new_page()
    officer.goto("/sign-in")
    officer.get_by_label("Email address").fill("olu.adeyemi@brent.example.org")
    officer.get_by_label("Password", exact=True).fill(PASSWORD)
    officer.get_by_role("button", name="Sign in").click()
    expect(officer.locator(".app-user-bar")).to_contain_text("Signed in as Olu Adeyemi")

    officer.get_by_role("link", name="Officer dashboard").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Officer dashboard")
    axe_check(officer)
    officer.get_by_role("link", name="1 organisation to verify").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Organisations")
    axe_check(officer)
    officer.get_by_role("link", name=GROUP).click()
    expect(officer).to_have_url(re.compile(r"/officers/organisations/\d+$"))
    expect(officer.get_by_role("heading", level=1)).to_have_text(GROUP)
    expect(summary_value(officer, "Registration number")).to_have_text("1190001")
    axe_check(officer)
    officer.get_by_role("button", name=f"Verify {GROUP}").click()
    expect(success_banner(officer)).to_contain_text(f"{GROUP} is now verified. We have emailed its owners.")
    expect(officer.get_by_text("No organisations here.")).to_be_visible()

    # The owner sees it verified, and has an email saying so that links to it.
    page.reload()
    expect(summary_value(page, "Status")).to_have_text("Verified")
    expect(page.locator(".govuk-inset-text")).to_have_count(0)
    axe_check(page)
    decision = [message for message in outbox(to=owner_email) if message.kind == "organisation_decision"]
    assert len(decision) == 1
    assert decision[0].subject == f"{GROUP}: verified"
    assert f"has verified {GROUP}" in decision[0].text_body
    assert link_in(decision[0], "/organisations/") == organisation_path


def test_registration_errors_are_shown_and_typed_answers_kept(page, places):
    page.goto("/register")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_title(re.compile(r"^Error: Create an account"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    for message in ("Enter your name", "Enter your email address", "Enter a password"):
        expect(summary.get_by_role("link", name=message)).to_be_visible()
    expect(page.locator("#name-error")).to_contain_text("Enter your name")
    expect(page.locator("#email-error")).to_contain_text("Enter your email address")
    expect(page.locator("#password-error")).to_contain_text("Enter a password")
    # The summary's links take you to the field.
    summary.get_by_role("link", name="Enter your email address").click()
    expect(page.locator("#email")).to_be_focused()
    axe_check(page)

    # A weak password: the error is on the password, and the name and email are kept.
    page.get_by_label("Full name").fill("Sam Weekes")
    page.get_by_label("Email address").fill("sam.weekes@example.org")
    page.get_by_label("Postcode (optional)").fill("nw10 8ab")
    page.get_by_label("Create a password", exact=True).fill("password1234")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("#password-error")).to_be_visible()
    expect(page.locator("#name-error")).to_have_count(0)
    expect(page.locator("#email-error")).to_have_count(0)
    expect(page.get_by_label("Full name")).to_have_value("Sam Weekes")
    expect(page.get_by_label("Email address")).to_have_value("sam.weekes@example.org")
    expect(page.get_by_label("Postcode (optional)")).to_have_value("NW10 8AB")
    axe_check(page)


def test_keyboard_tab_from_the_top_reaches_the_skip_link_first(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to main content")
    expect(focused).to_have_attribute("href", "#main-content")
    assert page.locator("#main-content").count() == 1
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    axe_check(page)
