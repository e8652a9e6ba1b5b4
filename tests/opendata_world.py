"""A borough with something of everything the open data and the API publish, and
things they must never publish: confirmed deliveries (cash and in kind, in a ward and
borough-wide, to a charity and to a group with no registration number), pledges at
every other step, needs that are not public, an unverified supplier, contracts with
approved and proposed commitments, and ward votes that are drafts, closed and counted
but unpublished, and published. The people involved have names and email addresses
the tests look for in every public output (PEOPLE), and the organisations have contact
emails that belong in no dataset (CONTACTS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from models import Need, Organisation, OrganisationKind, Pledge, Postcode, Role, User, Ward, db, utcnow
from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
from models.pledges.rules import (
    accept_pledge,
    confirm_delivery,
    confirm_receipt,
    decline_pledge,
    dispute_delivery,
    make_pledge,
    record_delivery,
    withdraw_pledge,
)
from models.voting.setup import (
    RoundFields,
    add_item_option,
    close_round,
    create_round,
    open_round,
    publish_results,
)
from models.voting.ballots import cast_ballot
from models.voting.count import count_round
from models.places.themes import Measure, seed_themes

HARLESDEN = "NW10 8AB"
PEOPLE = (
    "Olu Officer", "officer@example.org", "Gita Group", "owner@example.org", "Ann Allotment", "allot@example.org",
    "Sam Supplier", "supplier1@example.org", "Sue Supplier", "supplier2@example.org", "Pat Pending",
    "pending@example.org", "Rita Resident", "resident1@example.org", "Ravi Resident", "resident2@example.org",
)
CONTACTS = ("hub@example.org", "builders-contact@example.org")  # organisations' contact emails


@dataclass
class World:
    harlesden: str  # ward code
    stonebridge: str
    lad_code: str
    hub: int  # a charity
    allotment: int  # a community group with no registration number
    builders: int  # verified supplier, holds the contract
    cleaners: int  # verified supplier, a contract with only a proposed commitment
    pending: int  # an unverified supplier, with a contract
    contract: int
    investment: int  # commitment, £ with a proxy value
    hours: int  # commitment, volunteer hours, no proxy
    proposed: int  # commitment, not approved
    pledges: dict[str, int]
    needs: dict[str, int]
    rounds: dict[str, int]
    options: dict[str, list[int]]


def _need(group_id, owner_id, title, kind, quantity, unit, value_pence, ward_id, theme_id, status="published") -> Need:
    need = Need(
        organisation_id=group_id, created_by_id=owner_id, title=title, summary=f"{title}, for local families.",
        description=f"**{title}**", kind=kind, quantity=quantity, unit=unit, value_pence=value_pence, ward_id=ward_id,
        theme_id=theme_id, beneficiaries=25, deadline=date.today() + timedelta(days=60), status=status,
        pledged_quantity=0, accepted_quantity=0, delivered_quantity=0,
        published_at=utcnow() if status == "published" else None,
    )
    need.refresh_remaining_value()
    db.session.add(need)
    db.session.flush()
    return need


@pytest.fixture
def world(app, places, make_user, make_organisation) -> World:
    officer_id = make_user("officer@example.org", "Olu Officer", role=Role.OFFICER)
    owner_id = make_user("owner@example.org", "Gita Group")
    allot_id = make_user("allot@example.org", "Ann Allotment")
    first_id = make_user("supplier1@example.org", "Sam Supplier")
    second_id = make_user("supplier2@example.org", "Sue Supplier")
    pending_id = make_user("pending@example.org", "Pat Pending")
    voters = [make_user("resident1@example.org", "Rita Resident"), make_user("resident2@example.org", "Ravi Resident")]
    hub = make_organisation(owner_id, name="Harlesden Food Hub", officer_id=officer_id, contact_email="hub@example.org")
    allotment = make_organisation(allot_id, name="Stonebridge Allotment Society", officer_id=officer_id,
                                  legal_form="community_group", registration_number=None)
    builders = make_organisation(first_id, kind=OrganisationKind.SUPPLIER, name="Builders Ltd", officer_id=officer_id,
                                 contact_email="builders-contact@example.org")
    cleaners = make_organisation(second_id, kind=OrganisationKind.SUPPLIER, name="Cleaners plc", officer_id=officer_id,
                                 registration_number="09000002")
    pending = make_organisation(pending_id, kind=OrganisationKind.SUPPLIER, name="Shady Ltd", verified=False,
                                registration_number="09000003")
    with app.app_context():
        seed_themes()
        officer, owner, allot = (db.session.get(User, user_id) for user_id in (officer_id, owner_id, allot_id))
        sellers = {builders: db.session.get(User, first_id), cleaners: db.session.get(User, second_id)}
        harlesden = db.session.get(Postcode, HARLESDEN).ward
        stonebridge = db.session.scalar(select(Ward).where(Ward.name == "Stonebridge"))
        investment_measure = db.session.scalar(select(Measure).where(Measure.name == "Community investment"))
        hours_measure = db.session.scalar(select(Measure).where(Measure.name == "Employee volunteering hours"))
        inequality, capacity = investment_measure.theme_id, hours_measure.theme_id
        investment_measure, hours_measure = investment_measure.id, hours_measure.id
        today = date.today()

        contract = record_contract(
            ContractDetails("BRENT-FM-001", "Facilities management for civic buildings", "Property", builders,
                            1_200_000_00, date(2025, 4, 1), date(today.year + 3, 3, 31)),  # runs past every due date
            officer,
        )
        investment = add_commitment(contract, officer, CommitmentDetails(investment_measure, 1_000, today + timedelta(days=200)))
        hours = add_commitment(contract, officer, CommitmentDetails(hours_measure, 100, today + timedelta(days=30)))
        cleaning = record_contract(
            ContractDetails("BRENT-CL-002", "Cleaning of libraries", None, cleaners, 400_000_00, None, None), officer
        )
        proposed = add_commitment(cleaning, sellers[cleaners], CommitmentDetails(hours_measure, 77, today + timedelta(days=90)))
        record_contract(ContractDetails("SHADY-1", "Shady works", None, pending, 900_000_00, None, None), officer)

        fridge = _need(hub, owner_id, "Community fridge fund", "cash", 500, "£", 500_00, harlesden.id, inequality)
        laptops = _need(hub, owner_id, "Laptops for homework club", "goods", 3, "laptops", 1_000_00, None, inequality)
        pantry = _need(hub, owner_id, "Pantry volunteers", "volunteering", 40, "hours", 600_00, harlesden.id, capacity)
        tools = _need(allotment, allot_id, "Allotment tools", "goods", 10, "tools", 500_00, stonebridge.id, inequality)
        hidden = {
            status: _need(hub, owner_id, f"Secret {status} need", "cash", 100, "£", 100_00, harlesden.id, inequality, status)
            for status in ("draft", "submitted", "rejected", "withdrawn")
        }

        def pledge(need, supplier_id, quantity, until="confirmed", allocate=None):
            seller = sellers[supplier_id]
            made = make_pledge(need, db.session.get(Organisation, supplier_id), seller, quantity, "Glad to help")
            if until == "withdrawn":
                withdraw_pledge(made, seller)
            elif until == "declined":
                decline_pledge(made, owner if need.organisation_id == hub else allot, "Not needed now")
            elif until != "offered":
                receiver = owner if need.organisation_id == hub else allot
                accept_pledge(made, receiver)
                if until != "accepted":
                    record_delivery(made, seller, today, "Done", None, today)
                    confirm_receipt(made, receiver)
                    if until == "disputed":
                        dispute_delivery(made, officer, "No evidence")
                    elif until == "confirmed":
                        confirm_delivery(made, officer, allocations=allocate)
            db.session.flush()
            return made.id

        pledges = {
            # £500 × 200/500 = £200 cash, counted towards the £ commitment (200 of 1,000)
            "cash": pledge(fridge, builders, 200, allocate=[(investment.id, 200)]),
            # 30 of 40 hours of £600 = £450 in kind, counted towards the hours commitment
            "hours": pledge(pantry, builders, 30, allocate=[(hours.id, 30)]),
            # 1 of 3 laptops of £1,000 = £333.33 in kind, borough-wide
            "laptop": pledge(laptops, cleaners, 1),
            # 10 tools of £500 = £500 in kind, to a group with no registration number
            "tools": pledge(tools, cleaners, 10),
            "offered": pledge(laptops, builders, 1, until="offered"),
            "accepted": pledge(pantry, cleaners, 1, until="accepted"),
            "delivered": pledge(pantry, cleaners, 2, until="delivered"),
            "disputed": pledge(fridge, cleaners, 7, until="disputed"),
            "declined": pledge(fridge, cleaners, 11, until="declined"),
            "withdrawn": pledge(fridge, builders, 13, until="withdrawn"),
        }
        confirmed_at = {"cash": datetime(2025, 6, 1, 9), "hours": datetime(2025, 3, 31, 23), "laptop": datetime(2025, 4, 1, 9),
                        "tools": datetime(2025, 5, 1, 9)}
        for name, moment in confirmed_at.items():
            db.session.get(Pledge, pledges[name]).confirmed_at = moment

        for user_id in voters:
            voter = db.session.get(User, user_id)
            voter.postcode, voter.ward_id = HARLESDEN, harlesden.id
        now = utcnow()

        def ward_round(title, state):
            fields = RoundFields(
                title=title, description="Choose what matters most.", ward_id=harlesden.id, budget_pence=1_000_00,
                opens_at=now - timedelta(hours=2), closes_at=now + timedelta(days=3), method="approval", max_choices=2,
                min_spend_percent=None, rule="greedy",
            )
            made = create_round(officer, fields)
            options = [
                add_item_option(made, officer, f"{title}: benches", "New benches in the park", 600_00).id,
                add_item_option(made, officer, f"{title}: bulbs", "Spring bulbs", 300_00).id,
                add_item_option(made, officer, f"{title}: mural", "A mural", 700_00).id,
            ]
            if state != "draft":
                open_round(made, officer, now)
                cast_ballot(made, db.session.get(User, voters[0]), options[:2], now)
                cast_ballot(made, db.session.get(User, voters[1]), options[:1], now)
            if state in ("closed", "published"):
                close_round(made, officer, utcnow())
                count_round(made.id)
            if state == "published":
                publish_results(made, officer)
            return made.id, options

        rounds, options = {}, {}
        for state in ("draft", "open", "closed", "published"):
            rounds[state], options[state] = ward_round(f"{state.capitalize()} round", state)
        db.session.commit()
        return World(
            harlesden=harlesden.code, stonebridge=stonebridge.code, lad_code=harlesden.lad_code, hub=hub,
            allotment=allotment, builders=builders, cleaners=cleaners, pending=pending, contract=contract.id,
            investment=investment.id, hours=hours.id, proposed=proposed.id, pledges=pledges,
            needs={"fridge": fridge.id, "laptops": laptops.id, "pantry": pantry.id, "tools": tools.id,
                   **{status: need.id for status, need in hidden.items()}},
            rounds=rounds, options=options,
        )

