"""Importing contracts as a new council would, in Debian's chromium, with axe-core on every
page (issue 12): the administrator says who the council is as a buyer (Council settings);
an officer uploads the real Contracts Finder file, sees in the preview only the council's
own contracts to create and every other buyer's release skipped with its ocid and reason,
confirms, finds the import among earlier imports, and undoes it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from models import Role

from .conftest import axe_check

CONTRACTS_FINDER = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "ocds" / "contracts_finder_ocds_search_2025-01-20_to_23_100releases.json"
)


def sign_in(page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


@pytest.fixture
def people(make_user):
    if not CONTRACTS_FINDER.exists():
        pytest.fail(f"the shared Contracts Finder file is missing: {CONTRACTS_FINDER}")
    make_user("admin@example.org", "Ada Admin", role=Role.ADMIN)
    make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)


def test_the_council_imports_only_its_own_contracts_from_a_preview_and_undoes_the_import(new_context, people, work_jobs):
    admin = new_context().new_page()
    sign_in(admin, "admin@example.org")
    admin.goto("/admin/settings")
    admin.get_by_label("Names this council buys under").fill("Merton Council")
    axe_check(admin)
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator(".govuk-notification-banner--success")).to_contain_text("Settings saved")

    officer = new_context().new_page()
    sign_in(officer, "officer@example.org")
    officer.goto("/officers/contracts/import")
    expect(officer.locator("main")).to_contain_text("Merton Council")
    axe_check(officer)
    officer.get_by_label("Open Contracting (OCDS) file").set_input_files(str(CONTRACTS_FINDER))
    officer.get_by_role("button", name="Preview the import").click()
    # The page that waits for the preview (the shared task page): it moves on by itself
    # once the job has run (static/js/task.mjs), with no reload.
    expect(officer.locator("main")).to_contain_text("Nothing is imported until you check and confirm it")
    axe_check(officer)
    assert work_jobs() == 0

    main = officer.locator("main")
    expect(main).to_contain_text("Check the contracts in", timeout=15_000)
    created = officer.get_by_role("table", name=re.compile("To create"))
    expect(created.get_by_role("row")).to_have_count(4)  # a header and Merton's three awards
    expect(created).to_contain_text("Parking Pilot - CEO")
    expect(created).to_contain_text("ocds-b5fd17-e3b5f385-5989-4cf1-8849-01c247fc9c30")
    skipped = officer.get_by_role("table", name="Each skipped release or award")
    expect(skipped.get_by_role("row", name=re.compile("ocds-b5fd17-df573cfb-5162-43b2-8790-19c1859f6f62"))).to_contain_text(
        "buyer is Met Office, not this council"
    )
    axe_check(officer)
    officer.get_by_role("button", name="Import 3 contracts").click()
    assert work_jobs() == 0
    expect(main).to_contain_text("3 created, 0 updated, 97 skipped", timeout=15_000)
    axe_check(officer)

    officer.goto("/officers/contracts")
    officer.get_by_role("link", name="Earlier imports").click()
    axe_check(officer)
    officer.get_by_role("link", name=re.compile("contracts_finder_ocds_search")).click()
    expect(main).to_contain_text("3 created, 0 updated")
    axe_check(officer)
    officer.get_by_role("button", name="Undo this import").click()
    expect(officer.locator(".govuk-notification-banner--success")).to_contain_text(
        "Import undone: 3 contracts removed, 0 restored, 3 new suppliers removed."
    )
    axe_check(officer)
    officer.goto("/officers/contracts")
    expect(main).not_to_contain_text("Parking Pilot - CEO")
