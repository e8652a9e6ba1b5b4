"""Account security journeys in the browser, with axe-core on each page: a throttled
owner signs in by an emailed link; an officer whose sign-in is old confirms the password
and returns to the page they asked for."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from models import Role
from tests.factories import PASSWORD, link_in

from .conftest import axe_check, sign_in


def test_a_throttled_owner_asks_for_a_link_and_signs_in_with_it(app, page, make_user, outbox, tmp_path):
    make_user("amara@example.org", "Amara Okafor")
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    for _ in range(3):
        page.goto("/sign-in")
        page.get_by_label("Email address").fill("amara@example.org")
        page.get_by_label("Password", exact=True).fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts to sign in")
    expect(page.get_by_label("Email address")).to_have_value("amara@example.org")
    axe_check(page)
    page.screenshot(path=str(tmp_path / "throttled.png"), full_page=True)

    page.get_by_role("button", name="Email me a link to sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    axe_check(page)
    [message] = outbox(to="amara@example.org")
    page.goto(link_in(message, "/sign-in/link/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to your account")
    axe_check(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def test_an_officer_with_an_old_sign_in_confirms_the_password_and_returns(app, page, make_user, tmp_path):
    make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    sign_in(page, "officer@example.org")
    app.config["REAUTH_AFTER_HOURS"] = 1e-9  # any sign-in is old now
    page.goto("/officers/organisations?status=verified")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your password to continue")
    axe_check(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#password-error")).to_contain_text("Enter your password")
    axe_check(page)
    page.screenshot(path=str(tmp_path / "confirm.png"), full_page=True)
    app.config["REAUTH_AFTER_HOURS"] = 12
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/officers/organisations\?status=verified$"))
