"""The rules of supplier returns (models/returns/rules.py): draft, submit, accept, query,
reject, correct by a new version, never counting a pledge twice; and their unhappy paths."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import Commitment, DomainError, Event, PermissionDenied, User, db
from models.returns.models import SupplierReturn
from models.returns.rules import (
    LineDetails,
    accept_return,
    query_return,
    reject_return,
    save_line,
    start_correction,
    start_return,
    submit_return,
)
from tests import factories
from tests.factories import get

TODAY = date(2025, 11, 1)  # the first two quarters have ended
Q1, Q2, Q3 = date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 1)


@pytest.fixture
def world(app, places):
    return factories.returns_borough(app)


def filed(world, period=Q1, quantity=26, commitment="apprenticeships", submit=True) -> int:
    seller = get(User, world.seller)
    made = start_return(get_contract(world), seller, period, TODAY)
    save_line(made, get(Commitment, getattr(world, commitment)), seller,
              LineDetails(quantity, "Two apprentices, 13 weeks each", beneficiaries=2, beneficiaries_in_borough=2))
    if submit:
        submit_return(made, seller)
    db.session.commit()
    return made.id


def get_contract(world):
    from models import Contract

    return get(Contract, world.contract)


def test_accepted_return_counts_once_and_every_step_is_audited(app, world):
    with app.app_context():
        return_id = filed(world)
        assert get(Commitment, world.apprenticeships).total_delivered == 0  # submitted: not yet
        accept_return(return_id, get(User, world.officer))
        db.session.commit()
        commitment = get(Commitment, world.apprenticeships)
        assert (commitment.delivered_quantity, commitment.returned_quantity, commitment.total_delivered) == (0, 26, 26)
        actions = db.session.scalars(select(Event.action).where(Event.subject_type == "supplier_returns")
                                     .order_by(Event.id)).all()
        assert actions == ["return.started", "return.line_saved", "return.submitted", "return.accepted"]
        with pytest.raises(DomainError, match="already accepted"):
            accept_return(return_id, get(User, world.second_officer))  # accepting twice
        db.session.rollback()
        assert get(Commitment, world.apprenticeships).returned_quantity == 26


def test_a_period_not_yet_ended_or_already_accepted_is_refused(app, world):
    with app.app_context():
        seller = get(User, world.seller)
        with pytest.raises(DomainError, match="file its return after that"):
            start_return(get_contract(world), seller, Q3, TODAY)
        with pytest.raises(DomainError, match="no reporting period"):
            start_return(get_contract(world), seller, date(2025, 4, 2), TODAY)
        accept_return(filed(world), get(User, world.officer))
        db.session.commit()
        with pytest.raises(DomainError, match="start a correction"):
            start_return(get_contract(world), seller, Q1, TODAY)


@pytest.mark.parametrize("quantity, words", [(-1, "cannot be negative"), (10**12, "check it is in weeks"),
                                             (5_201, "more than ten times")])
def test_negative_huge_and_wrong_unit_quantities_are_refused(app, world, quantity, words):
    with app.app_context():
        seller = get(User, world.seller)
        made = start_return(get_contract(world), seller, Q1, TODAY)
        with pytest.raises(DomainError, match=words) as raised:
            save_line(made, get(Commitment, world.apprenticeships), seller, LineDetails(quantity, "Apprentices"))
        assert raised.value.field == "quantity"


def test_another_suppliers_member_cannot_file_or_touch_a_return(app, world):
    with app.app_context():
        outsider = get(User, world.outsider)
        with pytest.raises(PermissionDenied):
            start_return(get_contract(world), outsider, Q1, TODAY)
        return_id = filed(world, submit=False)
        with pytest.raises(PermissionDenied):
            submit_return(get(SupplierReturn, return_id), outsider)
        with pytest.raises(PermissionDenied):  # a supplier is not an officer
            accept_return(return_id, get(User, world.seller))


def test_needs_only_measures_and_spend_split(app, world):
    with app.app_context():
        seller = get(User, world.seller)
        made = start_return(get_contract(world), seller, Q1, TODAY)
        with pytest.raises(DomainError, match="delivered through community needs"):
            save_line(made, get(Commitment, world.donations), seller, LineDetails(5, "Goods"))
        spend = get(Commitment, world.spend)
        with pytest.raises(DomainError, match="Split the spend"):
            save_line(made, spend, seller, LineDetails(100_000, "Local spend"))
        with pytest.raises(DomainError, match="adds up to 90,000"):
            save_line(made, spend, seller, LineDetails(100_000, "Local spend", spend={
                "micro": 10_000, "small": 40_000, "medium": 40_000, "large": 0}))
        line = save_line(made, spend, seller, LineDetails(100_000, "Local spend", spend={
            "micro": 10_000, "small": 50_000, "medium": 40_000, "large": 0, "vcse": 5_000, "in_borough": 60_000}))
        assert (line.spend_small, line.spend_vcse, line.spend_in_borough) == (50_000, 5_000, 60_000)
        with pytest.raises(DomainError, match="cannot be more than the people"):
            save_line(made, get(Commitment, world.hires), seller,
                      LineDetails(3, "Hired", beneficiaries=3, beneficiaries_in_borough=4))


def test_query_answer_resubmit_then_reject_and_correct_by_a_new_version(app, world):
    with app.app_context():
        officer, seller = get(User, world.officer), get(User, world.seller)
        return_id = filed(world)
        with pytest.raises(DomainError, match="Enter the question"):
            query_return(return_id, officer, "  ")
        query_return(return_id, officer, "Which apprentices live in Brent?")
        db.session.commit()
        queried = get(SupplierReturn, return_id)
        with pytest.raises(DomainError, match="Answer the council"):
            submit_return(queried, seller, "")
        submit_return(queried, seller, "Both live in Harlesden")
        db.session.commit()
        accept_return(return_id, officer)
        db.session.commit()
        # A correction: a new version; the accepted one counts until the correction is accepted.
        correction = start_correction(get(SupplierReturn, return_id), seller)
        save_line(correction, get(Commitment, world.apprenticeships), seller, LineDetails(20, "Corrected: 20 weeks"))
        submit_return(correction, seller)
        db.session.commit()
        assert correction.version == 2
        assert get(Commitment, world.apprenticeships).returned_quantity == 26
        with pytest.raises(DomainError, match="Enter the reason"):
            reject_return(correction.id, officer, "")
        accept_return(correction.id, officer)
        db.session.commit()
        assert get(Commitment, world.apprenticeships).returned_quantity == 20
        assert get(SupplierReturn, return_id).state == "superseded"
        # History kept: both versions.
        assert db.session.scalars(select(SupplierReturn.version).order_by(SupplierReturn.version)).all() == [1, 2]


def test_a_confirmed_pledge_in_the_period_is_noted_and_not_counted_again(app, world):
    with app.app_context():
        from datetime import datetime, timedelta

        from models import Organisation, Pledge

        council, seller = get(User, world.officer), get(User, world.seller)
        owner = factories.user("group@example.org", "Gita Group")
        group = factories.organisation(owner, officer=council)
        volunteering = get(Commitment, world.volunteering)
        need = factories.need(group, owner, "Pantry volunteers", summary="Help at the pantry", kind="volunteering",
                              quantity=30, unit="hours", value_pence=300_00, ward_id=None,
                              theme_id=volunteering.measure.theme_id, beneficiaries=10,
                              deadline=date.today() + timedelta(days=60), officer=council)
        made = factories.pledge(need, get(Organisation, world.supplier), seller, 30, until="confirmed", receiver=owner,
                                officer=council, allocations=[(volunteering.id, 30)])
        made.confirmed_at = datetime(2025, 5, 10, 12)
        db.session.commit()
        supplier_return = start_return(get_contract(world), seller, Q1, TODAY)
        line = save_line(supplier_return, volunteering, seller, LineDetails(50, "Staff volunteering besides the pantry"))
        assert line.pledged_in_period == 30
        submit_return(supplier_return, seller)
        accept_return(supplier_return.id, council)
        db.session.commit()
        counted = get(Commitment, world.volunteering)
        assert (counted.delivered_quantity, counted.returned_quantity, counted.total_delivered) == (30, 50, 80)
        assert get(Pledge, made.id).status == "confirmed"
