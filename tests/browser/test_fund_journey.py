"""The Social Value Fund spent on a need, in Debian's chromium with axe-core on every page
(issue 18): £1,000 came in as a payment in lieu; an officer opens a published need, asks the
Fund for more than the need lacks (refused beside the box, what was typed kept), funds part
of it, and sees it on the Fund's ledger, the public ledger ("Funded by the council's Social
Value Fund"), the dashboard's table by financial year and the open data page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from models import User, db
from tests import factories
from tests.fund.conftest import world  # noqa: F401 (a fixture: the Fund holds £1,000)

from .conftest import axe_check, sign_in


@pytest.fixture
def kitchen(app, world) -> int:  # noqa: F811
    with app.app_context():
        officer = db.session.get(User, world["officer"])
        owner = db.session.scalar(select(User).where(User.email == "hub@example.org"))
        need = factories.need(owner.organisations()[0], owner, "A new kitchen", kind="cash", quantity=800, unit="£",
                              value_pence=800_00, theme_id=factories.first_theme_id(), officer=officer)
        db.session.commit()
        return need.id


def test_an_officer_funds_a_need_from_the_fund(page, kitchen):
    sign_in(page, "officer@example.org")
    page.goto(f"/officers/needs/{kitchen}")
    main = page.locator("main")
    expect(main).to_contain_text("It still lacks £800")
    axe_check(page)
    amount = page.get_by_label("Amount to pay from the Fund")
    amount.fill("900")
    page.get_by_role("button", name="Fund this need").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("This need still lacks £800.00: fund that or less")
    expect(page.locator("#amount-error")).to_contain_text("fund that or less")
    expect(amount).to_have_value("900")
    axe_check(page)
    amount.fill("300")
    page.get_by_role("button", name="Fund this need").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is funded by the council's Social Value Fund")
    expect(page.locator("#need-lacks")).to_have_text("£500")
    expect(main).to_contain_text("paid towards the need “A new kitchen” from the Social Value Fund")
    axe_check(page)

    page.goto("/officers/fund")
    expect(page.locator("#fund-balance")).to_have_text("£700")
    expect(main).to_contain_text("Funded a community need")
    axe_check(page)
    page.goto("/officers/impact")
    expect(page.locator("#fund-years")).to_contain_text("£700")
    axe_check(page)
    page.goto("/ledger")
    expect(main).to_contain_text("Funded by the council's Social Value Fund")
    axe_check(page)
    page.goto("/open-data")
    expect(page.locator("#fund-balance")).to_have_text("£700")
    axe_check(page)
