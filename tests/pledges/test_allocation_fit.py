"""A delivery counts only towards commitments it fits: the commitment's measure is met by
the need's kind and counted in the need's unit. Fifty items of compost are not
apprenticeship weeks, nor goods valued in pounds. One rule (models.pledges.rules), used by
the commitment a pledge names, the officer's confirmation and change, and the allocation
job; the forms offer only commitments that fit, and a tampered submission is refused beside
the field with what was typed kept."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import (
    Allocation,
    Commitment,
    DomainError,
    Need,
    Organisation,
    OrganisationKind,
    Pledge,
    Role,
    Theme,
    User,
    db,
)
from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
from models.needs.rules import NeedDetails, create_need, publish_need, submit_need
from models.places.themes import Measure, save_measure, seed_themes
from models.pledges.rules import (
    accept_pledge,
    confirm_delivery,
    confirm_receipt,
    make_pledge,
    record_delivery,
    set_allocations,
)
from tests.factories import csrf_token, login, post_form

TODAY = date.today()
WEEKS_PROBLEM = (
    "“Apprenticeship weeks for local people” counts weeks of professional skills, and this delivery is "
    "50 items of goods, so it cannot count towards that commitment. Count it only towards commitments that fit it"
)


@pytest.fixture
def garden(app, places, make_user, make_organisation):
    """A group's published need for 50 items of compost and seedlings (goods), and a verified
    supplier with three approved commitments: apprenticeship weeks (skills, in weeks), donated
    goods valued in pounds (goods, in £ value) and garden supplies (goods, in items): only the
    last fits the need."""
    with app.app_context():
        seed_themes()
        db.session.commit()
    officer = make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    owner = make_user("owner@example.org", "Olu Owner")
    seller = make_user("seller@example.org", "Sid Seller")
    group = make_organisation(owner, name="Kilburn Community Garden", officer_id=officer)
    supplier = make_organisation(seller, kind=OrganisationKind.SUPPLIER, name="Green Builders Ltd", officer_id=officer)
    with app.app_context():
        officer_user = db.session.get(User, officer)
        weeks = db.session.scalar(select(Measure).where(Measure.name == "Apprenticeship weeks for local people"))
        donated = db.session.scalar(select(Measure).where(Measure.name == "Donated goods and equipment"))
        items = save_measure(None, db.session.get(Theme, donated.theme_id), "Garden supplies donated", "items", None,
                             "goods", True, officer_user)
        contract = record_contract(
            ContractDetails("RETRO-014", "Home insulation retrofit", None, supplier, 450_000_00, None, None), officer_user
        )
        due = TODAY + timedelta(days=300)
        ids = {
            measure_key: add_commitment(contract, officer_user, CommitmentDetails(measure.id, target, due)).id
            for measure_key, measure, target in (("weeks", weeks, 52), ("donated", donated, 2_000), ("items", items, 100))
        }
        owner_user = db.session.get(User, owner)
        need = create_need(db.session.get(Organisation, group), owner_user, NeedDetails(
            "Compost and seedlings", "For the new raised beds.", "", "goods", 50, "items", 360_00, None,
            donated.theme_id, 30, TODAY + timedelta(days=40)), TODAY)
        submit_need(need, owner_user, TODAY)
        publish_need(need, officer_user, TODAY)
        db.session.commit()
        return {"officer": officer, "owner": owner, "seller": seller, "group": group, "supplier": supplier,
                "need": need.id, **ids}


def delivered_pledge(app, garden, commitment_id=None) -> int:
    """50 items pledged, accepted, delivered and received by the group: ready for an officer."""
    with app.app_context():
        seller, owner = db.session.get(User, garden["seller"]), db.session.get(User, garden["owner"])
        pledge = make_pledge(db.session.get(Need, garden["need"]), db.session.get(Organisation, garden["supplier"]),
                             seller, 50, "Compost and seedlings", commitment_id=commitment_id)
        accept_pledge(pledge, owner)
        record_delivery(pledge, seller, TODAY, "Dropped off at the garden", None, TODAY)
        confirm_receipt(pledge, owner)
        db.session.commit()
        return pledge.id


def client_for(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def field_error(page: str, message: str) -> bool:
    """The message sits in a GOV.UK error message beside its field (not only in a banner)."""
    return bool(re.search(r'class="govuk-error-message"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span>\s*'
                          + re.escape(message), page))


def kept(page: str, commitment_id: int, value: str) -> bool:
    return bool(re.search(rf'name="commitment_{commitment_id}"[^>]*value="{value}"', page))


def allocations(app, pledge_id) -> dict[int, int]:
    with app.app_context():
        return {a.commitment_id: a.quantity for a in db.session.get(Pledge, pledge_id).allocations}


def delivered(app, garden) -> dict[str, int]:
    with app.app_context():
        return {key: db.session.get(Commitment, garden[key]).delivered_quantity for key in ("weeks", "donated", "items")}


# The officer's confirmation -------------------------------------------------------------


def test_the_confirm_form_offers_only_the_commitments_the_delivery_fits(app, garden):
    pledge_id = delivered_pledge(app, garden)
    page = client_for(app, "officer@example.org").get(f"/officers/deliveries/{pledge_id}").get_data(as_text=True)
    assert re.findall(r'name="(commitment_\d+)"', page) == [f"commitment_{garden['items']}"]
    assert "Apprenticeship weeks" not in page and "Donated goods and equipment" not in page
    assert "Only commitments this delivery fits are listed: a measure met by goods and counted in items." in page


def test_a_tampered_confirmation_naming_a_commitment_it_does_not_fit_is_refused_beside_the_field(app, garden):
    pledge_id = delivered_pledge(app, garden)
    officer = client_for(app, "officer@example.org")
    url = f"/officers/deliveries/{pledge_id}"
    response = post_form(officer, url, {
        f"commitment_{garden['items']}": "20", f"commitment_{garden['weeks']}": "30", "confirm": "Confirm the delivery",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(page, f"RETRO-014: {WEEKS_PROBLEM}")
    assert 'href="#allocations"' in page  # the error summary links to the field
    assert kept(page, garden["items"], "20")
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        assert pledge.status == "delivered" and pledge.allocations == []
        assert db.session.get(Need, garden["need"]).delivered_quantity == 0
    assert delivered(app, garden) == {"weeks": 0, "donated": 0, "items": 0}
    # The same delivery counted towards the commitment it fits is confirmed.
    response = post_form(officer, url, {f"commitment_{garden['items']}": "50", "confirm": "Confirm the delivery"})
    assert response.status_code == 302
    assert allocations(app, pledge_id) == {garden["items"]: 50}


def test_goods_valued_in_pounds_do_not_fit_goods_counted_in_items(app, garden):
    pledge_id = delivered_pledge(app, garden)
    response = post_form(client_for(app, "officer@example.org"), f"/officers/deliveries/{pledge_id}", {
        f"commitment_{garden['donated']}": "50", "confirm": "Confirm the delivery",
    })
    assert field_error(response.get_data(as_text=True),
                       "RETRO-014: “Donated goods and equipment” counts £ value of goods, and this delivery is 50 items of goods")
    assert allocations(app, pledge_id) == {}


# The officer's change -------------------------------------------------------------------


def test_a_tampered_change_is_refused_beside_the_field_and_nothing_changes(app, garden):
    pledge_id = delivered_pledge(app, garden)
    officer = client_for(app, "officer@example.org")
    url = f"/officers/deliveries/{pledge_id}"
    assert post_form(officer, url, {f"commitment_{garden['items']}": "30", "confirm": "Confirm the delivery"}).status_code == 302
    response = post_form(officer, f"{url}/allocations", {
        f"commitment_{garden['items']}": "10", f"commitment_{garden['weeks']}": "40",
    }, form_url=url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Change how it counts" in page
    assert field_error(page, "RETRO-014: “Apprenticeship weeks for local people” counts weeks of professional skills")
    assert kept(page, garden["items"], "10")
    assert allocations(app, pledge_id) == {garden["items"]: 30}
    assert delivered(app, garden) == {"weeks": 0, "donated": 0, "items": 30}
    # A value the form itself refuses is also shown beside its field, with the rest kept.
    response = post_form(officer, f"{url}/allocations", {f"commitment_{garden['items']}": "-1"}, form_url=url)
    assert response.status_code == 200 and field_error(response.get_data(as_text=True), "Enter 0 or more")
    assert allocations(app, pledge_id) == {garden["items"]: 30}
    # Without the form's token, or as the supplier, nothing is changed.
    assert officer.post(f"{url}/allocations", data={f"commitment_{garden['weeks']}": "40"}).status_code == 400
    seller = client_for(app, "seller@example.org")
    token = csrf_token(seller, f"/suppliers/{garden['supplier']}")
    assert seller.post(f"{url}/allocations", data={"csrf_token": token,
                                                   f"commitment_{garden['weeks']}": "40"}).status_code == 403
    assert allocations(app, pledge_id) == {garden["items"]: 30}


def test_the_rule_refuses_a_commitment_the_delivery_does_not_fit_whoever_calls_it(app, garden):
    pledge_id = delivered_pledge(app, garden)
    with app.app_context():
        officer = db.session.get(User, garden["officer"])
        pledge = db.session.get(Pledge, pledge_id)
        with pytest.raises(DomainError) as refused:
            confirm_delivery(pledge, officer, [(garden["weeks"], 50)])
        assert refused.value.field == "allocations" and WEEKS_PROBLEM in refused.value.message
        db.session.rollback()
        pledge = db.session.get(Pledge, pledge_id)
        confirm_delivery(pledge, officer, [(garden["items"], 50)])
        db.session.commit()
        for wrong in ("weeks", "donated"):
            with pytest.raises(DomainError):
                set_allocations(db.session.get(Pledge, pledge_id), officer, [(garden[wrong], 10)])
            db.session.rollback()
        # Taking everything off a commitment is always allowed.
        set_allocations(db.session.get(Pledge, pledge_id), officer, [(garden["items"], 0)])
        db.session.commit()
    assert allocations(app, pledge_id) == {}
    assert delivered(app, garden) == {"weeks": 0, "donated": 0, "items": 0}


# The allocation job ---------------------------------------------------------------------


def test_the_allocation_job_counts_a_delivery_only_towards_commitments_it_fits(app, garden, work_jobs):
    pledge_id = delivered_pledge(app, garden)
    officer = client_for(app, "officer@example.org")
    response = post_form(officer, f"/officers/deliveries/{pledge_id}",
                         {f"commitment_{garden['items']}": "0", "confirm": "Confirm the delivery"})
    assert response.status_code == 302
    assert work_jobs() == 0
    # Apprenticeship weeks are due no later and still open, yet only garden supplies count it.
    assert allocations(app, pledge_id) == {garden["items"]: 50}
    assert delivered(app, garden) == {"weeks": 0, "donated": 0, "items": 50}


def test_with_only_commitments_it_does_not_fit_the_delivery_counts_towards_the_need_only(app, garden, work_jobs):
    with app.app_context():
        db.session.get(Commitment, garden["items"]).delivered_quantity = 100  # met: nothing left
        db.session.commit()
    pledge_id = delivered_pledge(app, garden)
    officer = client_for(app, "officer@example.org")
    assert post_form(officer, f"/officers/deliveries/{pledge_id}",
                     {f"commitment_{garden['items']}": "0", "confirm": "Confirm the delivery"}).status_code == 302
    assert work_jobs() == 0
    assert allocations(app, pledge_id) == {}
    assert delivered(app, garden) == {"weeks": 0, "donated": 0, "items": 100}


# The commitment a pledge names ----------------------------------------------------------


def test_a_pledge_offers_and_names_only_commitments_the_need_fits(app, garden):
    seller = client_for(app, "seller@example.org")
    url = f"/needs/{garden['need']}/pledge"
    page = seller.get(url).get_data(as_text=True)
    assert f'value="{garden["items"]}"' in page
    assert "Apprenticeship weeks" not in page and "Donated goods and equipment" not in page
    response = post_form(seller, url, {
        "supplier_id": str(garden["supplier"]), "quantity": "50", "message": "Twenty bags and thirty trays",
        "commitment_id": str(garden["weeks"]),
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(page, "Your “Apprenticeship weeks for local people” counts weeks of professional skills, and "
                             "this need asks for items of goods: choose a commitment that fits it, or no particular commitment")
    assert 'value="50"' in page and "Twenty bags and thirty trays" in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0
        with pytest.raises(DomainError):
            make_pledge(db.session.get(Need, garden["need"]), db.session.get(Organisation, garden["supplier"]),
                        db.session.get(User, garden["seller"]), 5, commitment_id=garden["donated"])
    response = post_form(seller, url, {
        "supplier_id": str(garden["supplier"]), "quantity": "50", "message": "", "commitment_id": str(garden["items"]),
    })
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Pledge.commitment_id)) == garden["items"]


# Allocations made before the rule -------------------------------------------------------


def test_an_allocation_made_before_the_rule_is_shown_and_dropped_when_the_officer_saves(app, garden):
    pledge_id = delivered_pledge(app, garden)
    with app.app_context():
        confirm_delivery(db.session.get(Pledge, pledge_id), db.session.get(User, garden["officer"]), [])
        # As the platform once allowed: the compost counted as apprenticeship weeks.
        db.session.add(Allocation(pledge_id=pledge_id, commitment_id=garden["weeks"], quantity=50))
        db.session.get(Commitment, garden["weeks"]).delivered_quantity = 50
        db.session.commit()
    officer = client_for(app, "officer@example.org")
    url = f"/officers/deliveries/{pledge_id}"
    page = officer.get(url).get_data(as_text=True)
    assert "Counted towards a commitment it does not fit" in page
    assert "RETRO-014: Apprenticeship weeks for local people (weeks of professional skills)" in page
    response = post_form(officer, f"{url}/allocations", {f"commitment_{garden['items']}": "50"}, form_url=url)
    assert response.status_code == 302
    assert allocations(app, pledge_id) == {garden["items"]: 50}
    assert delivered(app, garden) == {"weeks": 0, "donated": 0, "items": 50}
    assert "does not fit" not in officer.get(url).get_data(as_text=True)
