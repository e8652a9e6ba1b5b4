"""The resident's journey in Welsh, in Debian's chromium with axe-core on every page: a
visitor switches to Cymraeg in the header, finds a need, signs in (the choice is kept), and
votes in their ward's round; every page says lang="cy". A need with a Welsh title shows it
(lang="cy" on the fragment), on its page and on the ballot; one without says it is only in
English. And a group posts a need with a Welsh title from the Welsh interface."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from models import Need, Organisation, db, utcnow
from models.core.translations import SecondText
from models.needs.rules import translate_need
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
        # The fridge has a Welsh title; the laptops are only in English.
        needs[1].status = "draft"  # a group translates while it may edit
        translate_need(needs[1], owner, SecondText("cy", "Oergell gymunedol", "Oergell gymunedol i deuluoedd."), ["en", "cy"])
        needs[1].status = "published"
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
    expect(page.get_by_role("link", name="Laptops for homework club")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Oergell gymunedol").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oergell gymunedol")
    expect(page.get_by_role("heading", level=1)).to_have_attribute("lang", "cy")
    expect(page.locator("main")).to_contain_text("Yn gofyn am")
    expect(page.locator("main")).not_to_contain_text("Ar gael yn Saesneg yn unig.")
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
    expect(page.locator("main")).to_contain_text("Ar gael yn Saesneg yn unig.")  # the laptops
    expect(page.locator("label span[lang=cy]", has_text="Oergell gymunedol")).to_be_visible()
    page.get_by_role("checkbox", name="Oergell gymunedol").check()
    page.get_by_role("button", name="Bwrw fy mhleidlais").click()
    expect(page.get_by_role("heading", name="Mae eich pleidlais wedi’i chofnodi")).to_be_visible()
    axe_check(page)
    page.screenshot(path="screenshots/welsh-vote-recorded.png", full_page=True)


@pytest.fixture
def welsh_group(app, places):
    """A verified community group whose owner reads Welsh (her saved choice), with a draft
    need and a published one."""
    with app.app_context():
        officer = factories.officer()
        owner = factories.user("gwen@example.org", "Gwen Jones")
        owner.locale = "cy"
        group = factories.organisation(owner, name="Hwb Bwyd Harlesden", officer=officer)
        factories.themes()
        theme_id = factories.first_theme_id(order_by=Theme.id)
        for title, status in (("Paent i’r neuadd", "draft"), ("Gwirfoddolwyr i’r pantri", "published")):
            factories.need(group, owner, title, status=status, theme_id=theme_id, officer=officer,
                           deadline=date.today() + timedelta(days=60))
        db.session.commit()
        return group.id


def test_a_group_member_signs_in_and_manages_the_groups_needs_in_welsh(new_context, welsh_group):
    page = new_context().new_page()
    page.goto("/")
    page.get_by_role("link", name="Cymraeg").click()
    page.goto("/sign-in")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    # A wrong password: the error in Welsh, beside the field and in the summary.
    page.get_by_label("Cyfeiriad e-bost").fill("gwen@example.org")
    page.get_by_label("Cyfrinair", exact=True).fill("not her password")
    expect(page.get_by_role("button", name="Dangos y cyfrinair")).to_be_visible()
    page.get_by_role("button", name="Mewngofnodi").click()
    expect(page.get_by_role("alert")).to_contain_text("Mae problem wedi codi")
    expect(page.locator(".govuk-error-message")).to_contain_text("Gwall: Rhowch gyfeiriad e-bost a chyfrinair cywir")
    axe_check(page)
    page.get_by_label("Cyfrinair", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Mewngofnodi").click()
    expect(page.get_by_text("Wedi mewngofnodi fel Gwen Jones")).to_be_visible()

    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Eich cyfrif")
    expect(page.locator("main")).to_contain_text("Hwb Bwyd Harlesden – Grŵp cymunedol, wedi’i wirio")
    axe_check(page)
    page.get_by_role("link", name="Hwb Bwyd Harlesden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hwb Bwyd Harlesden")
    axe_check(page)

    page.get_by_role("link", name="Anghenion eich grŵp").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anghenion eich grŵp")
    expect(page.locator("main")).to_contain_text("Drafft")
    axe_check(page)
    page.get_by_role("button", name="Anfon i’w adolygu").click()
    expect(page.get_by_role("alert")).to_contain_text("Mae “Paent i’r neuadd” wedi’i anfon i’w adolygu.")
    axe_check(page)
    page.get_by_role("link", name=re.compile(r"^Cau\b")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ydych chi’n siŵr eich bod am gau “Gwirfoddolwyr i’r pantri”?")
    axe_check(page)
    page.get_by_role("button", name="Ydw, cau’r angen").click()
    expect(page.locator("main")).to_contain_text("Mae “Gwirfoddolwyr i’r pantri” wedi’i gau.")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    axe_check(page)
    page.screenshot(path="screenshots/welsh-group-needs.png", full_page=True)

def test_a_group_posts_a_need_with_a_welsh_title_in_welsh(app, new_context, ward_round):
    with app.app_context():
        group_id = db.session.scalar(select(Organisation.id).where(Organisation.kind == "vcse"))
        theme = db.session.scalar(select(Theme.name).where(Theme.active.is_(True)).order_by(Theme.position))
    page = new_context().new_page()
    page.goto("/language/cy?next=/sign-in")
    page.get_by_label("Cyfeiriad e-bost").fill("group@example.org")
    page.get_by_label("Cyfrinair", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Mewngofnodi").click()
    expect(page.get_by_text("Wedi mewngofnodi fel Gita Group")).to_be_visible()

    page.goto(f"/groups/{group_id}/needs/new")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Postio angen")
    axe_check(page)
    deadline = date.today() + timedelta(days=45)
    page.get_by_label("Teitl", exact=True).fill("Paint for the community hall")
    page.get_by_label("Crynodeb", exact=True).fill("Twenty litres of paint for the hall.")
    page.get_by_label("Nwyddau").check()
    page.get_by_label("Nifer", exact=True).fill("20")
    page.get_by_label("Uned", exact=True).fill("litres")
    page.get_by_label("Amcangyfrif o’r gwerth").fill("300")
    page.get_by_label("Thema blaenoriaeth").select_option(label=theme)
    page.get_by_label("Faint o bobl fydd yn elwa?").fill("60")
    # The date widget's own Day, Month and Year, in Welsh too.
    page.get_by_label("Diwrnod").fill(str(deadline.day))
    page.get_by_label("Mis", exact=True).fill(str(deadline.month))
    page.get_by_label("Blwyddyn").fill(str(deadline.year))
    page.get_by_label("Iaith y testun uchod").select_option("en")
    page.get_by_label("Ail iaith (dewisol)", exact=True).select_option("cy")
    page.get_by_label("Teitl yn yr ail iaith", exact=True).fill("Paent i’r neuadd gymunedol")
    page.get_by_label("Crynodeb yn yr ail iaith", exact=True).fill("Ugain litr o baent i’r neuadd.")
    page.get_by_role("button", name="Cadw fel drafft").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    axe_check(page)

    with app.app_context():
        need = db.session.scalar(select(Need).where(Need.title == "Paint for the community hall"))
        assert [(row.locale, row.title) for row in need.translations] == [("cy", "Paent i’r neuadd gymunedol")]
        need_id = need.id
    page.goto(f"/needs/{need_id}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Paent i’r neuadd gymunedol")
    expect(heading).to_have_attribute("lang", "cy")
    axe_check(page)
    page.goto(f"/language/en?next=/needs/{need_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Paint for the community hall")
    expect(page.get_by_role("heading", level=1)).to_have_attribute("lang", "en")
    axe_check(page)


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
