"""The ward vote in Debian's chromium, with axe-core on every page: an officer
sets up a round in Harlesden & Kensal Green and puts the ward's needs on the
ballot, three residents vote (one changes their vote), the officer enters a batch
of paper ballots and closes voting, a worker counts the votes, and the results
page shows the winners under most-votes-first and the Method of Equal Shares."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from models import Round, db
from models.places.themes import Theme
from tests import factories

from .conftest import axe_check, sign_in

# cost £, on the ballot as 1, 2, 3
NEEDS = [("Laptops for homework club", 4_000), ("Community fridge", 3_000), ("Allotment tools", 5_000)]


@pytest.fixture
def ward(app, places):
    with app.app_context():
        officer = factories.officer()
        owner = factories.user("group@example.org", "Gita Group")
        residents = [factories.user(f"resident{i}@example.org", f"Resident {i}") for i in range(3)]
        group = factories.organisation(owner, officer=officer)
        db.session.commit()
        factories.themes()
        harlesden = factories.ward_of("NW10 8AB")
        for resident in residents:
            factories.living_in(resident, harlesden.id, "NW10 8AB")
        today = date.today()
        theme_id = factories.first_theme_id(order_by=Theme.id)
        for title, pounds in NEEDS:
            factories.need(
                group, owner, title, summary=f"{title} for families.", kind="cash", quantity=pounds, unit="pounds",
                value_pence=pounds * 100, ward_id=harlesden.id, theme_id=theme_id, beneficiaries=40,
                deadline=today + timedelta(days=60), officer=officer, today=today,
            )
        db.session.commit()
        return harlesden.name


def fill_date(page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def cast_vote(new_context, email: str, choices: list[str], round_id: int, change: bool = False) -> None:
    page = new_context().new_page()
    sign_in(page, email)
    page.goto(f"/rounds/{round_id}")
    axe_check(page)
    for title, _ in NEEDS:
        box = page.get_by_role("checkbox", name=title)
        if (title in choices) != box.is_checked():
            box.click()
    page.get_by_role("button", name="Change my vote" if change else "Cast my vote").click()
    expect(page.get_by_role("heading", name="Your vote has been recorded")).to_be_visible()
    for title in choices:
        expect(page.locator("main")).to_contain_text(title)
    axe_check(page)


def test_a_ward_votes_and_sees_the_winners_under_both_rules(app, new_context, ward, work_jobs):
    officer = new_context().new_page()
    sign_in(officer, "officer@example.org")
    officer.goto("/officers/rounds")
    axe_check(officer)
    officer.get_by_role("link", name="Set up a round").click()
    officer.get_by_label("Title").fill("Harlesden priorities 2027")
    officer.get_by_label("Ward").select_option(label=ward)
    officer.get_by_label("Budget in pounds").fill("8,000")
    # Not in the past (refused): today, from midnight, so voting is open now.
    fill_date(officer, "Voting opens", datetime.now(ZoneInfo("Europe/London")).date())
    officer.get_by_label("Opening time").fill("00:00")
    fill_date(officer, "Voting closes", date.today() + timedelta(days=7))
    officer.get_by_label("Closing time").fill("5pm")
    officer.get_by_label("Approval: choose up to a number of options").check()
    officer.get_by_label("Approval: how many options each resident can choose").fill("2")
    officer.get_by_label("Method of Equal Shares (with add-one completion)").check()
    axe_check(officer)
    officer.get_by_role("button", name="Save round").click()
    expect(officer.get_by_text("Round created")).to_be_visible()
    for title, _ in NEEDS:
        officer.get_by_role("checkbox", name=title).check()
    axe_check(officer)
    officer.get_by_role("button", name="Add to the ballot").click()
    expect(officer.get_by_text("3 needs added to the ballot")).to_be_visible()
    officer.get_by_role("link", name="Open the round").click()
    expect(officer.get_by_role("heading", name="Are you sure you want to open this round?")).to_be_visible()
    axe_check(officer)
    officer.get_by_role("button", name="Yes, open the round").click()
    expect(officer.get_by_text("The round is open")).to_be_visible()
    with app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.title == "Harlesden priorities 2027"))

    cast_vote(new_context, "resident0@example.org", ["Laptops for homework club", "Community fridge"], round_id)
    cast_vote(new_context, "resident1@example.org", ["Laptops for homework club"], round_id)
    cast_vote(new_context, "resident2@example.org", ["Allotment tools"], round_id)
    cast_vote(new_context, "resident2@example.org", ["Community fridge", "Allotment tools"], round_id, change=True)

    officer.goto(f"/officers/rounds/{round_id}")
    officer.get_by_role("link", name="Enter paper ballots").click()
    officer.get_by_label("Batch reference").fill("HKG-LIBRARY-01")
    officer.get_by_label("Ballots").fill("1, 3\n3\n")
    axe_check(officer)
    officer.get_by_role("button", name="Enter batch").click()
    expect(officer.get_by_text("Batch HKG-LIBRARY-01: 2 paper ballots entered")).to_be_visible()
    expect(officer.locator("main")).to_contain_text("3 online, 2 on paper")
    officer.get_by_role("link", name="Close voting now").click()
    expect(officer.locator("main")).to_contain_text("Nobody can vote or change their vote after this")
    officer.get_by_role("button", name="Yes, close voting now").click()
    expect(officer.get_by_text("Voting has closed")).to_be_visible()
    assert work_jobs() == 0
    officer.reload()
    officer.get_by_role("link", name="Results", exact=True).click()
    axe_check(officer)
    main = officer.locator("main")
    # 5 ballots: laptops 3 votes, allotment tools 3, fridge 2, on a £8,000 budget.
    # Most votes first: laptops (£4,000), then tools (£5,000) no longer fits, then the fridge.
    # Equal Shares gives each voter £1,600: only the laptops' three supporters can pay
    # together at first; add-one completion then raises shares and fills by votes.
    expect(main).to_contain_text("5")
    expect(main).to_contain_text("3 online, 2 on paper")
    table = officer.get_by_role("table")
    expect(table.get_by_role("row", name="Laptops for homework club")).to_contain_text("Funded")
    expect(table.get_by_role("row", name="Community fridge")).to_contain_text("Would be funded")
    expect(officer.locator("svg.app-chart")).to_be_visible()
    officer.goto(f"/officers/rounds/{round_id}")
    officer.get_by_role("link", name="Publish the results").click()
    officer.get_by_role("button", name="Yes, publish the results").click()
    expect(officer.get_by_text("Results published. The winning needs")).to_be_visible()

    visitor = new_context().new_page()
    visitor.goto("/rounds")
    axe_check(visitor)
    visitor.get_by_role("link", name="Harlesden priorities 2027").click()
    expect(visitor.get_by_role("heading", name="Funded priorities")).to_be_visible()
    expect(visitor.locator("main")).not_to_contain_text("Resident 0")
    axe_check(visitor)
