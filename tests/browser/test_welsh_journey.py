"""The resident's journey in Welsh, in Debian's chromium with axe-core on every page: a
visitor switches to Cymraeg in the header, finds a need, signs in (the choice is kept), and
votes in their ward's round; every page says lang="cy"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from models import Need, db, utcnow
from models.places.themes import Theme
from models.voting.setup import add_need_options, create_round, open_round
from tests import factories
from tests.factories import PASSWORD

from .conftest import axe_check


@pytest.fixture
def ward_round(app, places):
    with app.app_context():
        officer = factories.officer()
        owner = factories.user("group@example.org", "Gita Group")
        resident = factories.user("resident@example.org", "Rhys Resident")
        group = factories.organisation(owner, officer=officer)
        db.session.commit()
        factories.themes()
        harlesden = factories.ward_of("NW10 8AB")
        factories.living_in(resident, harlesden.id, "NW10 8AB")
        theme_id = factories.first_theme_id(order_by=Theme.id)
        needs = [
            factories.need(group, owner, title, summary=f"{title} for families.", kind="cash", quantity=pounds,
                           unit="pounds", value_pence=pounds * 100, ward_id=harlesden.id, theme_id=theme_id,
                           beneficiaries=40, deadline=date.today() + timedelta(days=60), officer=officer)
            for title, pounds in (("Laptops for homework club", 4_000), ("Community fridge", 3_000))
        ]
        round_ = create_round(officer, factories.round_fields(harlesden.id))
        add_need_options(round_, officer, [db.session.get(Need, need.id) for need in needs])
        open_round(round_, officer, utcnow())
        db.session.commit()
        return round_.id


def test_a_resident_finds_needs_and_votes_in_welsh(new_context, ward_round):
    page = new_context().new_page()
    page.goto("/")
    page.get_by_role("link", name="Cymraeg").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gwerth cymdeithasol sy’n cyrraedd eich cymuned")
    axe_check(page)

    page.get_by_role("link", name="Anghenion", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anghenion cymunedol")
    expect(page.get_by_role("status")).to_contain_text("Daethpwyd o hyd i 2 angen.")
    axe_check(page)
    page.get_by_role("link", name="Community fridge").click()
    expect(page.locator("main")).to_contain_text("Yn gofyn am")
    axe_check(page)

    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mewngofnodi")
    axe_check(page)
    page.get_by_label("Cyfeiriad e-bost").fill("resident@example.org")
    page.get_by_label("Cyfrinair", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Mewngofnodi").click()
    expect(page.get_by_text("Wedi mewngofnodi fel Rhys Resident")).to_be_visible()

    page.goto(f"/rounds/{ward_round}")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    axe_check(page)
    page.get_by_role("checkbox", name="Community fridge").check()
    page.get_by_role("button", name="Bwrw fy mhleidlais").click()
    expect(page.get_by_role("heading", name="Mae eich pleidlais wedi’i chofnodi")).to_be_visible()
    axe_check(page)
    page.screenshot(path="screenshots/welsh-vote-recorded.png", full_page=True)


@pytest.fixture
def tendered(app, places):
    """Issue 17's scene: an open tender, and Harlesden's published vote (counted)."""
    from models import Round

    made = factories.tender_borough(app)
    with app.app_context():
        db.session.get(Round, made["round"]).counted_at = utcnow()
        db.session.commit()
    return made


def test_a_visitor_reads_the_public_record_in_welsh(new_context, tendered):
    """The map, a ward vote's results, the ledger, the open tenders and a bid pack, the open
    data and the cookies page, in Welsh, each checked with axe."""
    page = new_context().new_page()
    page.goto("/language/cy?next=/map")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Map o anghenion agored")
    expect(page.get_by_role("table")).to_contain_text("Anghenion agored yn ôl ward")
    axe_check(page)

    page.goto(f"/rounds/{tendered['round']}/results")
    expect(page.locator("main")).to_contain_text("Canlyniadau pleidlais ward")
    expect(page.get_by_role("heading", name="Blaenoriaethau a ariennir")).to_be_visible()
    expect(page.locator("main")).to_contain_text("30 o bleidleisiau")  # Welsh plural form 5, "other"
    axe_check(page)

    page.goto("/ledger")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cyflawniadau wedi’u cadarnhau")
    expect(page.get_by_role("status")).to_contain_text("o gyflawniadau wedi’u cadarnhau, gwerth £0")
    axe_check(page)

    page.get_by_role("link", name="Tendrau", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tendrau agored")
    expect(page.get_by_role("table")).to_contain_text("1 tendr agored")
    axe_check(page)
    page.get_by_role("link", name="Grounds maintenance").click()
    expect(page.locator("main")).to_contain_text("Pecyn cynnig ar gyfer tendr BRENT-T-2027-01")
    expect(page.get_by_role("heading", name="Beth mae’r haen yn ei ofyn")).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Data agored", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data agored")
    axe_check(page)
    page.get_by_role("link", name="Cwcis", exact=True).click()
    expect(page.get_by_role("table")).to_contain_text("Yn cofio’r iaith a ddewisoch")
    axe_check(page)
    page.screenshot(path="screenshots/welsh-cookies.png", full_page=True)
