"""Residents shape the ballot, in Debian's chromium with axe-core on every page: an officer
sets up a Harlesden & Kensal Green round with an ideas phase; two residents propose ideas,
support and comment; one comment is reported and the officer hides it; the officer marks
one idea feasible with a cost and another not feasible with a reason, merges a duplicate,
and puts the feasible one on the ballot; the proposer and supporters are emailed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from models import EmailMessage, Round, db
from models.ideas.ideas import Idea
from tests import factories

from .conftest import axe_check as axe_serious, sign_in
from .test_rounds_journey import fill_date


def axe_check(page) -> None:
    """No axe violation of any impact (minor and moderate too) against WCAG. Best-practice
    rules aside: base.html's back link sits outside a landmark on every page ("region")."""
    violations = [v for v in axe_serious(page)["violations"] if "best-practice" not in v["tags"]]
    assert violations == [], [(page.url, v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in violations]


@pytest.fixture
def ward(app, places):
    with app.app_context():
        factories.officer()
        residents = [factories.user(f"resident{i}@example.org", f"Resident {i}") for i in range(3)]
        factories.themes()
        harlesden = factories.ward_of("NW10 8AB")
        for resident in residents:
            factories.living_in(resident, harlesden.id, "NW10 8AB")
        db.session.commit()
        return harlesden.name, (harlesden.latitude, harlesden.longitude)


def propose(page, round_id: int, title: str, description: str, cost: str, point: tuple[float, float] | None = None) -> None:
    page.goto(f"/rounds/{round_id}/ideas")
    axe_check(page)
    page.get_by_role("link", name="Propose an idea").click()
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Describe your idea").fill(description)
    page.get_by_label("Rough cost in pounds").fill(cost)
    page.get_by_label("Where (optional)").fill("Craven Park Road")
    if point is not None:
        page.get_by_label("Latitude (optional)").fill(str(point[0]))
        page.get_by_label("Longitude (optional)").fill(str(point[1]))
    axe_check(page)
    page.get_by_role("button", name="Propose idea").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    axe_check(page)


def idea_id(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Idea.id).where(Idea.title == title))


def test_residents_propose_support_and_discuss_and_the_officer_puts_an_idea_on_the_ballot(app, new_context, ward, work_jobs):
    officer = new_context().new_page()
    sign_in(officer, "officer@example.org")
    officer.goto("/officers/rounds/new")
    officer.get_by_label("Title").fill("Harlesden priorities 2027")
    ward, centre = ward
    officer.get_by_label("Ward").select_option(label=ward)
    officer.get_by_label("Budget in pounds").fill("8,000")
    fill_date(officer, "Voting opens", date.today() + timedelta(days=8))
    officer.get_by_label("Opening time").fill("9am")
    fill_date(officer, "Voting closes", date.today() + timedelta(days=20))
    officer.get_by_label("Closing time").fill("5pm")
    fill_date(officer, "Ideas phase opens (optional)", date.today() - timedelta(days=1))
    fill_date(officer, "Ideas phase closes (optional)", date.today() + timedelta(days=5))
    officer.get_by_label("Approval: choose up to a number of options").check()
    officer.get_by_label("Approval: how many options each resident can choose").fill("2")
    officer.get_by_label("Method of Equal Shares (with add-one completion)").check()
    axe_check(officer)
    officer.get_by_role("button", name="Save round").click()
    expect(officer.get_by_text("Round created")).to_be_visible()
    with app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.title == "Harlesden priorities 2027"))

    first = new_context().new_page()
    sign_in(first, "resident0@example.org")
    propose(first, round_id, "Benches on Craven Park Road", "Four **benches** for older residents.", "4,000", centre)
    second = new_context().new_page()
    sign_in(second, "resident1@example.org")
    propose(second, round_id, "A swimming pool", "An outdoor pool for the summer.", "2,000,000")
    third = new_context().new_page()
    sign_in(third, "resident2@example.org")
    propose(third, round_id, "Seats on the high street", "Somewhere to sit near the shops.", "3,000")

    benches = idea_id(app, "Benches on Craven Park Road")
    second.goto(f"/ideas/{benches}")
    second.get_by_role("button", name="Support this idea").click()
    expect(second.get_by_role("button", name="Stop supporting this idea")).to_be_visible()
    second.get_by_label("Add a comment").fill("Yes please, by the bus stop.")
    second.get_by_role("button", name="Post comment").click()
    expect(second.get_by_text("Your comment is published")).to_be_visible()
    third.goto(f"/ideas/{benches}")
    third.get_by_label("Add a comment").fill("Benches attract litter, and you are all fools.")
    third.get_by_role("button", name="Post comment").click()
    axe_check(third)

    # resident 0 reports the rude comment; the officer hides it
    first.goto(f"/ideas/{benches}")
    first.locator("summary", has_text="Resident 2’s comment").click()
    first.get_by_label("Report Resident 2’s comment: what is wrong with it?").fill("Insulting")
    first.get_by_role("button", name="Report comment by Resident 2").click()
    expect(first.get_by_text("an officer will look at what you reported")).to_be_visible()
    axe_check(first)
    officer.goto("/officers/")
    officer.get_by_role("link", name="Residents’ ideas: 1 report").click()
    axe_check(officer)
    officer.get_by_role("button", name="Hide it").click()
    expect(officer.get_by_text("No reports waiting")).to_be_visible()
    first.reload()
    expect(first.locator("main")).not_to_contain_text("you are all fools")
    expect(first.locator("main")).to_contain_text("Yes please, by the bus stop.")

    # the officer assesses, merges and puts the feasible idea on the ballot
    officer.goto(f"/officers/rounds/{round_id}/ideas")
    axe_check(officer)
    officer.get_by_role("link", name="A swimming pool").click()
    officer.get_by_label("Not feasible").check()
    officer.get_by_label("Explanation").fill("A pool costs far more than the £8,000 budget.")
    axe_check(officer)
    officer.get_by_role("button", name="Save assessment").click()
    expect(officer.get_by_text("Assessment saved")).to_be_visible()
    officer.goto(f"/officers/ideas/{idea_id(app, 'Seats on the high street')}")
    officer.get_by_label("Merge into").select_option(label="Benches on Craven Park Road (1 supporter)")
    officer.get_by_role("button", name="Merge this duplicate").click()
    expect(officer.get_by_text("Merged into “Benches on Craven Park Road”")).to_be_visible()
    officer.get_by_label("Feasible", exact=True).check()
    officer.get_by_label("Cost estimate in pounds (feasible ideas)").fill("3,600")
    officer.get_by_label("Explanation").fill("Four benches at £900 each, installed.")
    officer.get_by_role("button", name="Save assessment").click()
    expect(officer.get_by_text("Assessment saved")).to_be_visible()
    officer.get_by_role("button", name="Put it on the ballot at £3,600").click()
    expect(officer.get_by_text("The idea is on the ballot")).to_be_visible()
    axe_check(officer)
    officer.goto(f"/officers/rounds/{round_id}")
    expect(officer.locator("main")).to_contain_text("Benches on Craven Park Road")
    axe_check(officer)

    visitor = new_context().new_page()
    visitor.goto(f"/rounds/{round_id}/ideas")
    expect(visitor.locator("main")).to_contain_text("on the ballot")
    expect(visitor.locator("main")).not_to_contain_text("Seats on the high street")
    expect(visitor.locator("svg.app-idea-map circle")).to_have_count(1)
    axe_check(visitor)
    visitor.screenshot(path="/tmp/ideas_page.png", full_page=True)
    visitor.goto(f"/ideas/{idea_id(app, 'A swimming pool')}")
    expect(visitor.locator("main")).to_contain_text("A pool costs far more than the £8,000 budget.")
    axe_check(visitor)

    assert work_jobs() == 0
    with app.app_context():
        told = sorted(db.session.execute(select(EmailMessage.to_address, EmailMessage.kind).where(EmailMessage.kind.like("idea_%"))).all())
    assert told == sorted([
        ("resident1@example.org", "idea_not_feasible"),
        ("resident2@example.org", "idea_merged"),
        ("resident0@example.org", "idea_feasible"), ("resident1@example.org", "idea_feasible"), ("resident2@example.org", "idea_feasible"),
        ("resident0@example.org", "idea_on_ballot"), ("resident1@example.org", "idea_on_ballot"), ("resident2@example.org", "idea_on_ballot"),
    ])
    first.screenshot(path="/tmp/idea_page.png", full_page=True)
