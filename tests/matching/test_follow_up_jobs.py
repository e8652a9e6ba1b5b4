"""When matching and allocation run again is decided by the rules that change what they
read (models/matching/matches.py names the jobs): each rule registers its job, which is
enqueued once its transaction commits; the views add nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import Contract, Need, Organisation, OrganisationKind, Pledge, Role, User, db
from models.contracts.rules import (
    CommitmentDetails,
    ContractDetails,
    add_commitment,
    decide_commitment,
    record_contract,
    settle_commitment,
)
from models.needs.rules import NeedDetails, create_need, publish_need, submit_need
from models.places.themes import Measure, seed_themes
from models.pledges.rules import (
    accept_pledge,
    confirm_delivery,
    confirm_receipt,
    make_pledge,
    record_delivery,
    set_allocations,
)
from tests.factories import login, post_form

TODAY = date.today()


def queued(app) -> list[tuple[str, list]]:
    from brokerage.extensions import rq
    from brokerage.jobs import QUEUES

    with app.app_context():
        return sorted((job.func_name, list(job.args)) for name in QUEUES for job in rq.queue(name).jobs)


def empty_the_queues(app) -> None:
    from brokerage.extensions import rq
    from brokerage.jobs import QUEUES

    with app.app_context():
        for name in QUEUES:
            rq.queue(name).empty()


@pytest.fixture
def world(app, make_user, make_organisation) -> dict:
    """A verified group and supplier, a contract with no commitments yet, nothing queued."""
    with app.app_context():
        seed_themes()
        db.session.commit()
    officer = make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    owner = make_user("owner@example.org", "Olu Owner")
    seller = make_user("seller@example.org", "Sid Seller")
    group = make_organisation(owner, name="Harlesden Food Hub", officer_id=officer)
    supplier = make_organisation(seller, kind=OrganisationKind.SUPPLIER, name="Builders Ltd", officer_id=officer)
    with app.app_context():
        contract = record_contract(
            ContractDetails("BRENT-001", "Estate cleaning", None, supplier, 2_000_000_00, None, None),
            db.session.get(User, officer),
        )
        measure = db.session.scalar(select(Measure).where(Measure.name == "Employee volunteering hours"))
        db.session.commit()
        world = {"officer": officer, "owner": owner, "seller": seller, "group": group, "supplier": supplier,
                 "contract": contract.id, "measure": measure.id, "theme": measure.theme_id}
    empty_the_queues(app)
    return world


def user(world, who: str) -> User:
    return db.session.get(User, world[who])


def commitment(world, who: str = "officer", due_days: int = 60, target: int = 100) -> int:
    added = add_commitment(db.session.get(Contract, world["contract"]), user(world, who),
                           CommitmentDetails(world["measure"], target, TODAY + timedelta(days=due_days)))
    db.session.flush()
    return added.id


def published_need(world) -> Need:
    need = create_need(db.session.get(Organisation, world["group"]), user(world, "owner"), NeedDetails(
        "Volunteers for the pantry", "Help each Saturday.", "", "volunteering", 40, "hours", 60_000, None,
        world["theme"], 100, TODAY + timedelta(days=90)), TODAY)
    submit_need(need, user(world, "owner"), TODAY)
    publish_need(need, user(world, "officer"), TODAY)
    return need


def test_publishing_a_need_asks_for_matching_for_it(app, world):
    with app.app_context():
        need = published_need(world)
        db.session.commit()
        need_id = need.id
    assert queued(app) == [("workers.matching.match_for_need", [need_id])]


def test_commitments_are_rematched_when_approved_but_not_while_proposed(app, world):
    from models import Commitment

    with app.app_context():
        by_officer = commitment(world)  # an officer's is approved at once
        proposed = commitment(world, who="seller")
        db.session.commit()
    assert queued(app) == [("workers.matching.match_commitments", [by_officer])]
    empty_the_queues(app)

    with app.app_context():
        decide_commitment(db.session.get(Commitment, proposed), user(world, "officer"), approve=True)
        db.session.commit()
        rejected = commitment(world, who="seller")
        db.session.commit()
        decide_commitment(db.session.get(Commitment, rejected), user(world, "officer"), approve=False)
        db.session.commit()
    assert queued(app) == [("workers.matching.match_commitments", [proposed])]


def test_settling_an_unmet_commitment_drops_its_suggestions_through_a_rematch(app, world):
    from models import Commitment

    with app.app_context():
        unmet = commitment(world, due_days=10)
        db.session.commit()
    empty_the_queues(app)
    with app.app_context():
        settle_commitment(db.session.get(Commitment, unmet), user(world, "officer"), "fund_payment",
                          TODAY + timedelta(days=11), fund_payment_pence=500_00)
        db.session.commit()
    assert queued(app) == [("workers.matching.match_commitments", [unmet])]


def delivered_pledge(world, commitment_id: int | None = None) -> Pledge:
    need = published_need(world)
    pledge = make_pledge(need, db.session.get(Organisation, world["supplier"]), user(world, "seller"), 10,
                         commitment_id=commitment_id)
    accept_pledge(pledge, user(world, "owner"))
    record_delivery(pledge, user(world, "seller"), TODAY, "Done", None, TODAY)
    confirm_receipt(pledge, user(world, "owner"))
    return pledge


def test_confirming_a_delivery_without_a_commitment_asks_for_the_allocation(app, world, work_jobs):
    with app.app_context():
        open_commitment = commitment(world)
        pledge = delivered_pledge(world)
        db.session.commit()
        pledge_id = pledge.id
    empty_the_queues(app)
    with app.app_context():
        confirm_delivery(db.session.get(Pledge, pledge_id), user(world, "officer"))
        db.session.commit()
    assert queued(app) == [("workers.matching.allocate_delivery", [pledge_id])]
    assert work_jobs() == 0
    with app.app_context():
        assert {a.commitment_id: a.quantity for a in db.session.get(Pledge, pledge_id).allocations} == {open_commitment: 10}


def test_allocations_rematch_the_commitments_they_left_and_joined(app, world):
    with app.app_context():
        first, second = commitment(world), commitment(world, due_days=90)
        pledge = delivered_pledge(world, commitment_id=first)
        db.session.commit()
        pledge_id = pledge.id
    empty_the_queues(app)
    with app.app_context():
        confirm_delivery(db.session.get(Pledge, pledge_id), user(world, "officer"))  # counts towards the one it named
        db.session.commit()
    assert queued(app) == [("workers.matching.match_commitments", [first])]  # and no allocation job
    empty_the_queues(app)
    with app.app_context():
        set_allocations(db.session.get(Pledge, pledge_id), user(world, "officer"), [(second, 10)])
        db.session.commit()
    assert queued(app) == [("workers.matching.match_commitments", [first, second])]


def test_the_officers_views_leave_the_jobs_to_the_rules(app, world):
    with app.app_context():
        need = create_need(db.session.get(Organisation, world["group"]), user(world, "owner"), NeedDetails(
            "Volunteers for the pantry", "Help each Saturday.", "", "volunteering", 40, "hours", 60_000, None,
            world["theme"], 100, TODAY + timedelta(days=90)), TODAY)
        submit_need(need, user(world, "owner"), TODAY)
        db.session.commit()
        need_id = need.id
    officer = app.test_client()
    login(officer, "officer@example.org")
    response = post_form(officer, f"/officers/needs/{need_id}", {"publish": "Publish"})
    assert response.status_code == 302
    assert [job for job in queued(app) if job[0].startswith("workers.matching")] == [
        ("workers.matching.match_for_need", [need_id])
    ]
