"""A first walk through the pledge rules (the full suites live beside it)."""

from datetime import date, timedelta

from sqlalchemy import select

from models import Need, OrganisationKind, Role, User, db
from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
from models.needs.rules import NeedDetails, create_need, publish_need, submit_need
from models.pledges.rules import (
    accept_pledge,
    commitment_delivered_from_allocations,
    confirm_delivery,
    confirm_receipt,
    make_pledge,
    record_delivery,
)
from models.places.themes import Measure, seed_themes


def test_pledge_lifecycle_counts_towards_the_need_and_the_commitment(app, places, make_user, make_organisation):
    officer_id = make_user("officer@example.org", role=Role.OFFICER)
    owner_id = make_user("owner@example.org")
    supplier_user_id = make_user("supplier@example.org")
    group_id = make_organisation(owner_id, officer_id=officer_id)
    supplier_id = make_organisation(supplier_user_id, kind=OrganisationKind.SUPPLIER, name="Builders Ltd", officer_id=officer_id)
    with app.app_context():
        from models import Organisation

        seed_themes()
        officer, owner, seller = (db.session.get(User, i) for i in (officer_id, owner_id, supplier_user_id))
        group, supplier = db.session.get(Organisation, group_id), db.session.get(Organisation, supplier_id)
        measure = db.session.scalar(select(Measure).where(Measure.need_kind == "volunteering"))
        today = date.today()
        need = create_need(group, owner, NeedDetails(
            "Pantry volunteers", "Saturday mornings", "", "volunteering", 40, "hours", 60000, None,
            measure.theme_id, 100, today + timedelta(days=30)), today)
        submit_need(need, owner, today)
        publish_need(need, officer, today)
        contract = record_contract(ContractDetails("C-1", "Cleaning", None, supplier.id, 2_000_000_00, None, None), officer)
        commitment = add_commitment(contract, officer, CommitmentDetails(measure.id, 100, today + timedelta(days=200)))
        db.session.commit()

        pledge = make_pledge(need, supplier, seller, 40, "We can help", commitment_id=commitment.id)
        db.session.commit()
        assert db.session.get(Need, need.id).status == "fully_pledged"
        accept_pledge(pledge, owner)
        record_delivery(pledge, seller, today, "Four volunteers for ten Saturdays", None, today)
        confirm_receipt(pledge, owner)
        confirm_delivery(pledge, officer)
        db.session.commit()
        db.session.expire_all()
        need = db.session.get(Need, need.id)
        assert (need.pledged_quantity, need.accepted_quantity, need.delivered_quantity) == (40, 40, 40)
        assert need.status == "delivered"
        assert commitment.delivered_quantity == 40 == commitment_delivered_from_allocations(commitment.id)


def test_a_closed_need_takes_no_acceptance_and_an_officer_cannot_dispute_their_own_supplier(
    app, places, make_user, make_organisation
):
    import pytest

    from models import DomainError, Membership, PermissionDenied
    from models.needs.rules import close_need
    from models.pledges.rules import dispute_delivery, make_pledge

    officer_id = make_user("officer@example.org", role=Role.OFFICER)
    owner_id = make_user("owner@example.org")
    seller_id = make_user("seller@example.org")
    group_id = make_organisation(owner_id, officer_id=officer_id)
    supplier_id = make_organisation(seller_id, kind=OrganisationKind.SUPPLIER, name="Builders Ltd", officer_id=officer_id)
    with app.app_context():
        from models import Organisation

        seed_themes()
        officer, owner, seller = (db.session.get(User, i) for i in (officer_id, owner_id, seller_id))
        group, supplier = db.session.get(Organisation, group_id), db.session.get(Organisation, supplier_id)
        theme_id = db.session.scalar(select(Measure.theme_id))
        today = date.today()
        need = create_need(group, owner, NeedDetails("Paint", "For the hall", "", "goods", 10, "tins", 20000, None,
                                                     theme_id, 50, today + timedelta(days=30)), today)
        submit_need(need, owner, today)
        publish_need(need, officer, today)
        first = make_pledge(need, supplier, seller, 4)
        second = make_pledge(need, supplier, seller, 4)
        db.session.commit()
        accept_pledge(first, owner)
        record_delivery(first, seller, today, "Four tins", None, today)
        close_need(need, owner)
        db.session.commit()
        with pytest.raises(DomainError, match="cannot take this pledge"):
            accept_pledge(second, owner)
        db.session.rollback()
        # An officer who is also a member of the supplier judges nothing of its deliveries.
        db.session.add(Membership(organisation_id=supplier.id, user_id=officer.id))
        db.session.commit()
        with pytest.raises(PermissionDenied):
            dispute_delivery(first, officer, "Not enough tins")
        db.session.rollback()
        assert db.session.get(type(first), first.id).status == "delivered"
