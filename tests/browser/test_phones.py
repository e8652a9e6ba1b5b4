"""At 375 px wide (a small phone): wide tables scroll inside their own labelled, focusable
box rather than the whole page scrolling sideways; the needs list shows its results first
with the filters behind "Show filters" (which works without JavaScript too); and the
knapsack ballot's running total stays on screen while residents choose. Each page is
checked with axe-core (every impact) and photographed: the screenshots go to
$SCREENSHOT_DIR when it is set (to look at), else to the test's temporary folder."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from models import Organisation, Round, RoundOption, db, utcnow
from tests import factories

from .conftest import run_axe, sign_in

PHONE = {"width": 375, "height": 700}


def shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"phone-{name}.png"), full_page=True)


def no_sideways_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1]:
        # The outermost elements that stick out, to say what to fix.
        culprits = page.evaluate("""w => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w && !(e.parentElement && e.parentElement.getBoundingClientRect().right > w))
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""", widths[1])
        raise AssertionError(f"{page.url} scrolls sideways at {widths[1]} px: {widths[0]} px wide, because of {culprits}")


def no_violations(page) -> None:
    violations = run_axe(page)["violations"]
    assert not violations, [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]) for v in violations]


@pytest.fixture
def borough(app, places):
    world = factories.impact_borough(app, date.today())
    with app.app_context():
        world["builders"] = db.session.scalar(select(Organisation.id).where(Organisation.name == "Builders Ltd"))
    return world


@pytest.mark.parametrize(
    "who, path",
    [
        (None, "/ledger"),
        (None, "/organisations/{builders}"),
        ("seller@example.org", "/suppliers/{builders}"),
        ("officer@example.org", "/officers/impact"),
        ("officer@example.org", "/officers/report"),
    ],
    ids=["ledger", "scorecard", "supplier-dashboard", "impact", "report"],
)
def test_wide_tables_scroll_in_their_own_box(new_context, borough, tmp_path, who, path):
    page = new_context().new_page()
    page.set_viewport_size(PHONE)
    if who:
        sign_in(page, who)
    url = path.format(**borough)
    page.goto(url)
    boxes = page.locator(".app-table-scroll")
    assert boxes.count() >= 1
    for box in boxes.all():
        assert box.get_attribute("role") == "region" and box.get_attribute("tabindex") == "0"
        assert box.get_attribute("aria-label")
    no_sideways_scroll(page)
    no_violations(page)
    # A box wider than its contents can be scrolled from the keyboard.
    wide = [box for box in boxes.all() if box.evaluate("b => b.scrollWidth > b.clientWidth")]
    for box in wide[:1]:
        box.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        expect(box).to_be_focused()
        # Chromium scrolls smoothly: wait for the box to have moved, however long that takes.
        page.wait_for_function("b => b.scrollLeft > 0", arg=box.element_handle())
    shot(page, tmp_path, url.strip("/").replace("/", "-"))


def test_the_needs_list_shows_results_first_and_filters_on_request(new_context, borough, tmp_path):
    page = new_context().new_page()
    page.set_viewport_size(PHONE)
    page.goto("/needs")
    search = page.get_by_label("Search")
    expect(search).to_be_hidden()
    expect(page.get_by_text("Show filters")).to_be_visible()
    first_result = page.locator("main .app-need-card").first
    assert first_result.bounding_box()["y"] < PHONE["height"], "the first need should be on the first screen"
    no_sideways_scroll(page)
    no_violations(page)
    shot(page, tmp_path, "needs")
    page.locator("summary.app-filters__toggle").click()
    expect(search).to_be_visible()
    expect(page.get_by_text("Hide filters")).to_be_visible()
    no_violations(page)
    shot(page, tmp_path, "needs-filters")
    # After filtering the results still come first; the button says filters are in use.
    search.fill("kit")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("Show filters (1 in use)")).to_be_visible()
    expect(page.get_by_label("Search")).to_be_hidden()
    expect(page.locator("main .app-need-card")).to_have_count(1)

    # Wider, the filters sit beside the results with no button.
    wide = new_context().new_page()
    wide.set_viewport_size({"width": 1280, "height": 900})
    wide.goto("/needs")
    expect(wide.get_by_label("Search")).to_be_visible()
    expect(wide.get_by_text("Show filters")).to_be_hidden()


def test_the_needs_filters_work_without_javascript(browser, live_server, borough, tmp_path):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/needs")
        expect(page.get_by_label("Search")).to_be_hidden()
        page.locator("summary.app-filters__toggle").click()
        expect(page.get_by_label("Search")).to_be_visible()
        page.get_by_label("Search").fill("kit")
        page.get_by_role("button", name="Apply filters").click()
        expect(page.locator("main")).to_contain_text("Kit fund")
        no_sideways_scroll(page)
        shot(page, tmp_path, "needs-no-javascript")
    finally:
        context.close()


@pytest.fixture
def knapsack_round(app, places) -> int:
    with app.app_context():
        resident = factories.user("resident@example.org", "Rae Resident")
        harlesden = factories.ward_of(factories.HARLESDEN_POSTCODE)
        factories.living_in(resident, harlesden.id, factories.HARLESDEN_POSTCODE)
        now = utcnow()
        made = Round(title="Harlesden budget 2027", ward_id=harlesden.id, budget_pence=10_000_00, method="knapsack",
                     opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7), state="open")
        db.session.add(made)
        db.session.flush()
        for position in range(1, 11):
            db.session.add(RoundOption(round_id=made.id, position=position, title=f"Priority number {position}",
                                       description="A longer description of what this priority would pay for. " * 3,
                                       cost_pence=1_500_00 + position * 100_00))
        db.session.commit()
        return made.id


def test_the_knapsack_total_stays_in_view_while_choosing(new_context, knapsack_round, tmp_path):
    page = new_context().new_page()
    page.set_viewport_size(PHONE)
    sign_in(page, "resident@example.org")
    page.goto(f"/rounds/{knapsack_round}")
    total = page.locator("#ballot-total")
    for position in (1, 2):
        box = page.get_by_role("checkbox", name=f"{position}. Priority number {position}", exact=False)
        box.scroll_into_view_if_needed()
        box.check()
        expect(total).to_contain_text("£3,300" if position == 2 else "£1,600")
        top, bottom = total.evaluate("b => { const r = b.getBoundingClientRect(); return [r.top, r.bottom]; }")
        assert 0 <= top and bottom <= PHONE["height"], f"the running total is off screen ({top}, {bottom})"
    no_sideways_scroll(page)
    no_violations(page)
    page.screenshot(path=str(Path(os.environ.get("SCREENSHOT_DIR") or tmp_path) / "phone-knapsack.png"))


def test_a_ballot_shown_to_someone_who_cannot_vote_is_readable(new_context, knapsack_round, tmp_path):
    """Signed out, the options cannot be ticked: only their boxes are greyed, the words keep
    their contrast (axe `color-contrast`, any impact)."""
    page = new_context().new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"/rounds/{knapsack_round}")
    box = page.get_by_role("checkbox", name="1. Priority number 1", exact=False)
    expect(box).to_be_disabled()
    label_opacity = page.locator("label[for^=option-]").first.evaluate("l => getComputedStyle(l).opacity")
    assert label_opacity == "1"
    no_violations(page)
    shot(page, tmp_path, "ballot-signed-out")
