"""Whether a supplier may pledge to a need is decided once, in models/pledges/rules.py:
the rule pledging enforces it in the same words, and the need page and the supplier's
recommendations offer the pledge button exactly when it holds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import DomainError, Need, Organisation, OrganisationKind, PermissionDenied, Role, User, db
from models.needs.rules import NeedDetails, create_need, publish_need, submit_need
from models.places.themes import Theme, seed_themes
from models.pledges.rules import (
    NOT_A_SUPPLIER_MEMBER,
    NOT_VERIFIED,
    make_pledge,
    may_pledge,
    need_pledge_problem,
    pledge_choice,
    supplier_pledge_problem,
)
from tests.factories import login

TODAY = date.today()


@pytest.fixture
def world(app, make_user, make_organisation) -> dict:
    officer = make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    owner = make_user("owner@example.org", "Olu Owner")
    seller = make_user("seller@example.org", "Sid Seller")
    newcomer = make_user("newcomer@example.org", "Nia Newcomer")
    resident = make_user("resident@example.org", "Rae Resident")
    group = make_organisation(owner, name="Harlesden Food Hub", officer_id=officer)
    supplier = make_organisation(seller, kind=OrganisationKind.SUPPLIER, name="Builders Ltd", officer_id=officer)
    unverified = make_organisation(newcomer, kind=OrganisationKind.SUPPLIER, name="New Firm Ltd",
                                   registration_number="09000002", verified=False)
    with app.app_context():
        seed_themes()
        theme_id = db.session.scalar(db.select(Theme.id).order_by(Theme.id))
        needs = {}
        for title, publish in (("Open need", True), ("Under review", False)):
            need = create_need(db.session.get(Organisation, group), db.session.get(User, owner), NeedDetails(
                title, "Help.", "", "volunteering", 40, "hours", 60_000, None, theme_id, 10, TODAY + timedelta(days=30),
            ), TODAY)
            submit_need(need, db.session.get(User, owner), TODAY)
            if publish:
                publish_need(need, db.session.get(User, officer), TODAY)
            needs[title] = need
        db.session.commit()
        return {"officer": officer, "owner": owner, "seller": seller, "newcomer": newcomer, "resident": resident,
                "group": group, "supplier": supplier, "unverified": unverified,
                "open": needs["Open need"].id, "review": needs["Under review"].id}


def get(model, world, key):
    return db.session.get(model, world[key])


def test_the_supplier_side(app, world):
    with app.app_context():
        supplier, unverified, group = (get(Organisation, world, key) for key in ("supplier", "unverified", "group"))
        assert supplier_pledge_problem(supplier, get(User, world, "seller")) is None
        assert supplier_pledge_problem(unverified, get(User, world, "newcomer")) == NOT_VERIFIED
        assert supplier_pledge_problem(supplier, get(User, world, "newcomer")) == NOT_A_SUPPLIER_MEMBER
        assert supplier_pledge_problem(group, get(User, world, "owner")) == NOT_A_SUPPLIER_MEMBER  # not a supplier


def test_the_need_side(app, world):
    with app.app_context():
        need = get(Need, world, "open")
        assert need_pledge_problem(need, TODAY) is None
        assert need_pledge_problem(need, need.deadline + timedelta(days=1)) == "This need is past its deadline"
        assert need_pledge_problem(get(Need, world, "review"), TODAY) == "This need is waiting for review, so it is not taking pledges"


def test_make_pledge_refuses_in_the_rules_words(app, world):
    with app.app_context():
        supplier, seller = get(Organisation, world, "supplier"), get(User, world, "seller")
        with pytest.raises(PermissionDenied) as refused:
            make_pledge(get(Need, world, "open"), get(Organisation, world, "unverified"), get(User, world, "newcomer"), 5)
        assert refused.value.message == NOT_VERIFIED
        review = get(Need, world, "review")
        with pytest.raises(DomainError) as refused:
            make_pledge(review, supplier, seller, 5)
        assert refused.value.message == need_pledge_problem(review, TODAY)
        late = get(Need, world, "open")
        with pytest.raises(DomainError) as refused:
            make_pledge(late, supplier, seller, 5, today=late.deadline + timedelta(days=1))
        assert refused.value.message == "This need is past its deadline"
        assert may_pledge(late, supplier, seller, TODAY)
        pledge = make_pledge(late, supplier, seller, 5)
        assert pledge.status == "offered"


def test_pledge_choice_says_who_may_pledge(app, world):
    with app.app_context():
        need = get(Need, world, "open")
        seller_choice = pledge_choice(need, get(User, world, "seller"), TODAY)
        assert [s.name for s in seller_choice.suppliers] == ["Builders Ltd"] and seller_choice.unverified == []
        newcomer_choice = pledge_choice(need, get(User, world, "newcomer"), TODAY)
        assert newcomer_choice.suppliers == [] and [s.name for s in newcomer_choice.unverified] == ["New Firm Ltd"]
        assert pledge_choice(need, get(User, world, "resident"), TODAY) == pledge_choice(need, None, TODAY)
        assert pledge_choice(need, get(User, world, "seller"), need.deadline + timedelta(days=1)).suppliers == []


def test_the_need_page_offers_the_button_exactly_when_the_rule_allows(app, world):
    button = "Pledge to this need"
    url = f"/needs/{world['open']}"
    seller = app.test_client()
    login(seller, "seller@example.org")
    assert button in seller.get(url).get_data(as_text=True)

    newcomer = app.test_client()
    login(newcomer, "newcomer@example.org")
    page = newcomer.get(url).get_data(as_text=True)
    assert button not in page and "The council must verify New Firm Ltd before it can pledge." in page

    resident = app.test_client()
    login(resident, "resident@example.org")
    page = resident.get(url).get_data(as_text=True)
    assert button not in page and "must verify" not in page

    with app.app_context():  # time passes: the deadline is yesterday, the expiry job has not run yet
        get(Need, world, "open").deadline = TODAY - timedelta(days=1)
        db.session.commit()
    page = seller.get(url).get_data(as_text=True)
    assert button not in page
    refused = seller.get(f"/needs/{world['open']}/pledge", follow_redirects=True).get_data(as_text=True)
    assert "This need is past its deadline" in refused
