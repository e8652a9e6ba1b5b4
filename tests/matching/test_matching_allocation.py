"""Allocation: a confirmed delivery that names no commitment is counted, by a job
on a real RQ worker, towards the supplier's open commitments that fit (the
measure, then the earliest due), never beyond what each still needs; what fits
nowhere stays unallocated and says so; the officer sees it and can change it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import Commitment, Contract, Event, Need, Organisation, Pledge, User, db
from models.contracts.rules import CommitmentDetails, add_commitment
from models.pledges.rules import allocate_automatically
from models.places.themes import Measure
from tests import factories
from tests.factories import post_form, signed_in

TODAY = date.today()


@pytest.fixture
def world(app, places):
    """The same people, organisations and commitment as the matching tests."""
    return factories.matching_borough(app, TODAY)


def make_need(app, world, **fields) -> int:
    return factories.matching_need(app, world, today=TODAY, **fields)


def add(app, world, measure_name, target, due_days, delivered=0) -> int:
    with app.app_context():
        officer = db.session.get(User, world["officer"])
        measure_id = db.session.scalar(select(Measure.id).where(Measure.name == measure_name))
        commitment = add_commitment(db.session.get(Contract, world["contract"]), officer,
                                    CommitmentDetails(measure_id, target, TODAY + timedelta(days=due_days)))
        commitment.delivered_quantity = delivered
        db.session.commit()
        return commitment.id


def delivered_pledge(app, world, need_id, quantity, commitment_id=None) -> int:
    """A pledge delivered and received by the group: ready for an officer."""
    with app.app_context():
        pledge = factories.pledge(
            db.session.get(Need, need_id), db.session.get(Organisation, world["supplier"]),
            db.session.get(User, world["seller"]), quantity, commitment_id=commitment_id, until="received",
            receiver=db.session.get(User, world["owner"]), today=TODAY,
        )
        db.session.commit()
        return pledge.id


def confirm_with_nothing_allocated(app, pledge_id):
    officer = signed_in(app, "officer@example.org")
    url = f"/officers/deliveries/{pledge_id}"
    page = officer.get(url).get_data(as_text=True)
    assert "it is allocated automatically" in page
    fields = {name: "0" for name in re.findall(r'name="(commitment_\d+)"', page)}
    response = post_form(officer, url, {**fields, "confirm": "Confirm the delivery"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return officer


def allocations(app, pledge_id) -> dict[int, int]:
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        return {a.commitment_id: a.quantity for a in pledge.allocations}


def delivered(app, commitment_id) -> int:
    with app.app_context():
        return db.session.get(Commitment, commitment_id).delivered_quantity


@pytest.fixture
def commitments(app, world):
    """Besides the 120-hour volunteering commitment due in 6 weeks: cash and skills
    due first, one with 10 hours left due sooner, a later one, and volunteering
    under another theme (environment) due soonest of all."""
    return {
        "main": world["commitment"],
        "cash": add(app, world, "Community investment", 5_000, 5),
        "skills": add(app, world, "Pro bono professional hours", 100, 3),
        "soon": add(app, world, "Employee volunteering hours", 50, 10, delivered=40),
        "later": add(app, world, "Employee volunteering hours", 300, 200),
        "other_theme": add(app, world, "Volunteer hours on environmental projects", 50, 1),
    }


def test_a_delivery_naming_no_commitment_fills_those_that_fit_earliest_due_first(app, world, commitments, work_jobs):
    need = make_need(app, world, quantity=60)
    pledge_id = delivered_pledge(app, world, need, 30)
    officer = confirm_with_nothing_allocated(app, pledge_id)
    assert allocations(app, pledge_id) == {}  # the job has not run yet
    assert "the allocation job will propose how it counts" in officer.get(f"/officers/deliveries/{pledge_id}").get_data(as_text=True)
    assert work_jobs() == 0
    # Volunteering hours only (not cash, not skills), under the need's theme first; the
    # soonest due (10 hours left) first, then the next.
    assert allocations(app, pledge_id) == {commitments["soon"]: 10, commitments["main"]: 20}
    assert delivered(app, commitments["soon"]) == 50 and delivered(app, commitments["main"]) == 20
    assert delivered(app, commitments["cash"]) == 0 and delivered(app, commitments["skills"]) == 0
    with app.app_context():
        event = db.session.scalars(
            select(Event).where(Event.action == "pledge.allocated", Event.subject_id == str(pledge_id)).order_by(Event.id.desc())
        ).first()
        assert event.actor_id is None and event.detail["automatic"] is True
    page = officer.get(f"/officers/deliveries/{pledge_id}").get_data(as_text=True)
    assert "Allocated automatically" in page and "Change how it counts" in page
    # Run again: nothing changes.
    with app.app_context():
        assert allocate_automatically(pledge_id) is None
    assert allocations(app, pledge_id) == {commitments["soon"]: 10, commitments["main"]: 20}


def test_allocation_never_goes_beyond_what_remains(app, world, commitments, work_jobs):
    need = make_need(app, world, quantity=500)
    pledge_id = delivered_pledge(app, world, need, 500)
    confirm_with_nothing_allocated(app, pledge_id)
    assert work_jobs() == 0
    # The need's theme first, earliest due first; then the other theme; 20 hours left over count towards none.
    assert allocations(app, pledge_id) == {
        commitments["soon"]: 10, commitments["main"]: 120, commitments["later"]: 300, commitments["other_theme"]: 50}
    for name, target in (("soon", 50), ("main", 120), ("later", 300), ("other_theme", 50)):
        assert delivered(app, commitments[name]) == target


def test_the_officer_can_change_an_automatic_allocation(app, world, commitments, work_jobs):
    need = make_need(app, world, quantity=60)
    pledge_id = delivered_pledge(app, world, need, 30)
    officer = confirm_with_nothing_allocated(app, pledge_id)
    assert work_jobs() == 0
    url = f"/officers/deliveries/{pledge_id}"
    response = post_form(officer, f"{url}/allocations", {
        f"commitment_{commitments['later']}": "30", f"commitment_{commitments['soon']}": "0",
        f"commitment_{commitments['main']}": "0",
    }, form_url=url)
    assert response.status_code == 302
    assert allocations(app, pledge_id) == {commitments["later"]: 30}
    assert delivered(app, commitments["soon"]) == 40 and delivered(app, commitments["main"]) == 0
    assert delivered(app, commitments["later"]) == 30
    assert work_jobs() == 0  # the rematching it enqueued does not bring the job's proposal back
    assert allocations(app, pledge_id) == {commitments["later"]: 30}
    # More than was delivered is refused, and nothing changes.
    response = post_form(officer, f"{url}/allocations", {f"commitment_{commitments['later']}": "31"}, form_url=url,
                         follow_redirects=True)
    assert "You can allocate at most the 30 hours delivered" in response.get_data(as_text=True)
    assert allocations(app, pledge_id) == {commitments["later"]: 30}
    # Only officers change allocations.
    seller = signed_in(app, "seller@example.org")
    assert post_form(seller, f"{url}/allocations", {f"commitment_{commitments['later']}": "0"},
                     form_url=f"/suppliers/{world['supplier']}").status_code == 403


def test_with_no_commitment_that_fits_the_delivery_stays_unallocated_and_visible(app, world, work_jobs):
    with app.app_context():
        db.session.get(Commitment, world["commitment"]).delivered_quantity = 120  # met: nothing left
        db.session.commit()
    need = make_need(app, world, quantity=60)
    pledge_id = delivered_pledge(app, world, need, 30)
    officer = confirm_with_nothing_allocated(app, pledge_id)
    assert work_jobs() == 0
    assert allocations(app, pledge_id) == {}
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).auto_allocated_at is not None
        assert db.session.get(Need, need).delivered_quantity == 30  # it still counts towards the need
    page = officer.get(f"/officers/deliveries/{pledge_id}").get_data(as_text=True)
    assert "Not counted towards any commitment: none of Builders Ltd" in page
    board = officer.get("/officers/brokerage").get_data(as_text=True)
    assert "Deliveries that count towards no commitment" in board
    assert f'href="/officers/deliveries/{pledge_id}"' in board


def test_a_delivery_that_names_a_commitment_or_was_allocated_by_hand_is_left_alone(app, world, commitments, work_jobs):
    need = make_need(app, world, quantity=60)
    named = delivered_pledge(app, world, need, 20, commitment_id=commitments["later"])
    by_hand = delivered_pledge(app, world, need, 10)
    officer = signed_in(app, "officer@example.org")
    for pledge_id, fields in ((named, {f"commitment_{commitments['later']}": "20"}),
                              (by_hand, {f"commitment_{commitments['main']}": "4"})):
        response = post_form(officer, f"/officers/deliveries/{pledge_id}", {**fields, "confirm": "Confirm the delivery"})
        assert response.status_code == 302
    assert work_jobs() == 0
    assert allocations(app, named) == {commitments["later"]: 20}
    assert allocations(app, by_hand) == {commitments["main"]: 4}
    with app.app_context():
        assert allocate_automatically(named) is None and allocate_automatically(by_hand) is None
