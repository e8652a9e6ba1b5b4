"""Officers record contracts and commitments, approve what suppliers propose, and
handle unmet commitments; suppliers propose commitments on their own contracts.
Each commitment's ledger (target, pledged, delivered, remaining, value, status),
and the wrong people kept out."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import (
    Allocation,
    Commitment,
    Contract,
    Event,
    Measure,
    Organisation,
    OrganisationKind,
    Pledge,
    User,
    Ward,
    db,
)
from models.contracts.rules import ContractDetails, record_contract
from tests import factories
from tests.factories import post_form, recorded_queries, signed_in

TODAY = date.today()


@pytest.fixture
def world(app, places):
    """An officer, a resident, a verified supplier with a member and a contract, another
    supplier with its member, a community group, and Brent's themes and measures."""
    with app.app_context():
        factories.themes()
        db.session.commit()
        officer = factories.officer()
        resident = factories.user("resident@example.org", "Rae Resident")
        member = factories.user("supplier@example.org", "Sid Supplier")
        rival_member = factories.user("rival@example.org", "Rita Rival")
        group_owner = factories.user("group@example.org", "Gus Group")
        supplier = factories.supplier(member, officer=officer)
        rival = factories.supplier(rival_member, "Rival Works Ltd", registration_number="09000002", officer=officer)
        group = factories.organisation(group_owner, officer=officer)
        db.session.commit()
        contract = factories.contract(
            supplier.id, officer, "BRENT-2025-0001", "Highways maintenance", buyer_department="Environment",
            value_pence=2_500_000_00, start_date=date(2025, 4, 1), end_date=date(TODAY.year + 3, 3, 31),
        )
        db.session.commit()
        measures = {m.name: m.id for m in db.session.scalars(select(Measure))}
        wards = [w.id for w in db.session.scalars(select(Ward).order_by(Ward.name).limit(3))]
        return {
            "officer": officer.id, "resident": resident.id, "member": member.id, "rival_member": rival_member.id,
            "group_owner": group_owner.id, "supplier": supplier.id, "rival": rival.id, "group": group.id,
            "contract": contract.id, "measures": measures, "wards": wards,
        }


@pytest.fixture
def officer(app, world):
    return signed_in(app, "officer@example.org")


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def words(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def contract_form(world, **overrides):
    data = {
        "reference": "BRENT-2025-0142",
        "title": "Library refurbishment",
        "buyer_department": "Communities",
        "supplier_id": str(world["supplier"]),
        "value": "450,000",
        "start_date": ["1", "4", "2025"],
        "end_date": ["31", "3", "2027"],
    }
    data.update(overrides)
    return data


def commitment_form(world, measure="Community investment", due=None, **overrides):
    due = due or TODAY + timedelta(days=200)
    data = {
        "measure_id": str(world["measures"][measure]),
        "target_quantity": "1000",
        "due_date": [str(due.day), str(due.month), str(due.year)],
        "description": "Investment in community projects",
    }
    data.update(overrides)
    return data


def make_commitment(app, world, measure="Community investment", target=1000, due=None, user="officer", wards=()):
    with app.app_context():
        commitment = factories.commitment(
            db.session.get(Contract, world["contract"]), db.session.get(User, world[user]),
            world["measures"][measure], target, due or TODAY + timedelta(days=200), tuple(wards),
        )
        db.session.commit()
        return commitment.id


def contract_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Contract))


# Recording contracts -------------------------------------------------------------------


def test_officer_records_a_contract_and_sees_its_tier_and_shortfall(app, world, officer):
    response = post_form(officer, "/officers/contracts/new", contract_form(world))
    assert response.status_code == 302
    with app.app_context():
        contract = db.session.scalar(select(Contract).where(Contract.reference == "BRENT-2025-0142"))
        assert (contract.value_pence, contract.supplier_id, contract.source) == (450_000_00, world["supplier"], "manual")
        assert (contract.start_date, contract.end_date) == (date(2025, 4, 1), date(2027, 3, 31))
        assert db.session.scalar(
            select(Event.action).where(Event.subject_type == "contracts", Event.subject_id == str(contract.id))
        ) == "contract.recorded"
    assert response.headers["Location"] == f"/officers/contracts/{contract.id}"
    page = text(officer.get(response.headers["Location"]))
    assert "Basic: a contribution in 1 to 2 priority themes" in page
    assert "Contracts in this tier need a social value contribution in 1 to 2 priority themes." in page
    assert "recorded the contract “Library refurbishment”" in page  # the history, in words


@pytest.mark.parametrize(
    ("overrides", "message", "kept"),
    [
        ({"value": "-250"}, "The contract value cannot be negative", 'value="-250"'),
        ({"end_date": ["1", "1", "2025"]}, "The end date must be on or after the start date", 'value="Library refurbishment"'),
        ({"reference": "BRENT-2025-0001"}, "A contract with this reference already exists", 'value="BRENT-2025-0001"'),
        ({"supplier_id": "0"}, "Select the supplier", 'value="450,000"'),
        ({"value": "lots"}, "Enter the amount in pounds", 'value="lots"'),
        ({"value": ""}, "Enter the contract value in pounds", 'value="Library refurbishment"'),
        ({"start_date": ["31", "2", "2025"]}, "Enter a real date", 'value="Library refurbishment"'),
    ],
)
def test_contract_errors_are_shown_by_the_field_and_keep_what_was_typed(app, world, officer, overrides, message, kept):
    response = post_form(officer, "/officers/contracts/new", contract_form(world, **overrides))
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert message in page
    assert kept in page
    assert 'value="Communities"' in page
    assert contract_count(app) == 1


def test_a_supplier_that_is_a_community_group_is_refused(app, world, officer):
    response = post_form(officer, "/officers/contracts/new", contract_form(world, supplier_id=str(world["group"])))
    assert "Not a valid choice" in text(response)
    assert contract_count(app) == 1


def test_contracts_list_filters_by_supplier_and_tier_and_paginates(app, world, officer):
    with app.app_context():
        officer_user = db.session.get(User, world["officer"])
        for n in range(55):
            record_contract(ContractDetails(f"R-{n:03}", f"Small job {n}", None, world["rival"], 10_000_00, None, None), officer_user)
        record_contract(ContractDetails("R-BIG", "Big job", None, world["rival"], 6_000_000_00, None, None), officer_user)
        db.session.commit()
    everything = text(officer.get("/officers/contracts"))
    assert "57 contracts" in everything and 'aria-label="Page 2"' in everything
    assert "Small job" in text(officer.get("/officers/contracts?page=2"))
    builders = text(officer.get(f"/officers/contracts?supplier={world['supplier']}"))
    assert "1 contract</caption>" in builders and "Highways maintenance" in builders and "Small job" not in builders
    strategic = text(officer.get("/officers/contracts?tier=strategic"))
    assert "1 contract</caption>" in strategic and "Big job" in strategic
    kpi = text(officer.get("/officers/contracts?tier=kpi"))
    assert "Highways maintenance" in kpi and "Big job" not in kpi
    assert "56 contracts" in text(officer.get(f"/officers/contracts?supplier={world['rival']}"))
    assert "55 contracts" in text(officer.get("/officers/contracts?tier=none"))
    # A tampered filter is ignored, never an error page.
    assert officer.get("/officers/contracts?tier=gold&supplier=x").status_code == 200


# Commitments and their ledger ------------------------------------------------------------


def test_officer_adds_a_commitment_with_preferred_wards(app, world, officer):
    page = officer.get(f"/officers/contracts/{world['contract']}/commitments/new").get_data(as_text=True)
    assert '<optgroup label="Reducing inequalities and strengthening community wellbeing, resilience, and participation">' in page
    assert 'type="checkbox"' in page
    data = commitment_form(world, ward_ids=[str(w) for w in world["wards"][:2]])
    response = post_form(officer, f"/officers/contracts/{world['contract']}/commitments/new", data)
    assert response.status_code == 302
    with app.app_context():
        commitment = db.session.scalar(select(Commitment))
        assert (commitment.state, commitment.target_quantity) == ("approved", 1000)
        assert sorted(w.id for w in commitment.wards) == sorted(world["wards"][:2])
        assert db.session.scalar(select(Event.action).where(Event.subject_type == "commitments")) == "commitment.added"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"measure_id": "0"}, "Select a measure"),
        ({"target_quantity": "0"}, "The target must be a whole number of at least 1"),
        ({"target_quantity": "ten"}, "Enter target quantity as a whole number"),
        ({"due_date": ["", "", ""]}, "Enter a real due date"),
        ({"ward_ids": ["999999"]}, "is not a valid choice for this field"),
    ],
)
def test_commitment_errors_are_shown_by_the_field(app, world, officer, overrides, message):
    response = post_form(officer, f"/officers/contracts/{world['contract']}/commitments/new", commitment_form(world, **overrides))
    assert response.status_code == 200
    assert message in text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Commitment)) == 0


def _need(app, world, quantity=2000) -> int:
    with app.app_context():
        need = factories.need(
            db.session.get(Organisation, world["group"]), db.session.get(User, world["group_owner"]),
            "Food for the pantry", summary="Help us stock the shelves.", kind="cash", quantity=quantity, unit="£",
            value_pence=quantity * 100, ward_id=None, theme_id=factories.first_theme_id(), beneficiaries=100,
            deadline=TODAY + timedelta(days=90), officer=db.session.get(User, world["officer"]), today=TODAY,
        )
        db.session.commit()
        return need.id


def test_the_ledger_shows_target_pledged_delivered_remaining_value_and_status(app, world, officer):
    money = make_commitment(app, world, "Community investment", target=1000)
    hours = make_commitment(app, world, "Volunteer hours on environmental projects", target=80,
                            due=TODAY + timedelta(days=30))
    need_id = _need(app, world)
    with app.app_context():
        member = world["member"]
        for quantity, status, commitment in [
            (100, "offered", money), (200, "accepted", money), (300, "confirmed", money),
            (50, "withdrawn", money), (70, "declined", money), (25, "delivered", hours), (400, "confirmed", None),
        ]:
            db.session.add(Pledge(need_id=need_id, supplier_id=world["supplier"], commitment_id=commitment,
                                  created_by_id=member, quantity=quantity, status=status))
        db.session.flush()
        confirmed = db.session.scalar(select(Pledge).where(Pledge.quantity == 300))
        db.session.add(Allocation(pledge_id=confirmed.id, commitment_id=money, quantity=300))
        db.session.get(Commitment, money).delivered_quantity = 300
        db.session.commit()

    with recorded_queries(app) as statements:
        page = words(officer.get(f"/officers/contracts/{world['contract']}"))
    # Pledged counts offered, accepted, delivered and confirmed pledges, not withdrawn or declined.
    assert "£1,000 600 300 700 £300 of £1,000 On track" in page
    assert "80 hours 25 0 80 No proxy value At risk" in page
    assert sum(1 for s in statements if "FROM pledges" in s) == 1  # one grouped query for every row
    # KPI tier, two approved commitments: no shortfall warning.
    assert "Clear commitments with agreed KPIs" in page
    assert "need clear commitments" not in page

    commitment_page = words(officer.get(f"/officers/commitments/{money}"))
    assert "Pledged £600" in commitment_page and "Delivered (confirmed) £300" in commitment_page
    assert "Remaining £700" in commitment_page and "£300 delivered of £1,000" in commitment_page
    assert "Food for the pantry £300" in commitment_page  # the allocation


def test_the_ledger_query_count_does_not_grow_with_commitments(app, world, officer):
    for n in range(6):
        make_commitment(app, world, target=10 + n)

    def queries() -> int:
        with recorded_queries(app) as seen:
            assert officer.get(f"/officers/contracts/{world['contract']}").status_code == 200
        return len(seen)

    six = queries()
    for n in range(6):
        make_commitment(app, world, target=100 + n)
    assert queries() == six


def test_a_strategic_contract_warns_until_it_has_three_kpis_across_themes(app, world, officer):
    with app.app_context():
        db.session.get(Contract, world["contract"]).value_pence = 6_000_000_00
        db.session.commit()
    page = text(officer.get(f"/officers/contracts/{world['contract']}"))
    assert "need at least 3 KPIs; this one has 0." in page
    make_commitment(app, world, "Community investment")
    make_commitment(app, world, "Work placement hours")
    make_commitment(app, world, "Volunteer hours on environmental projects", user="member")  # proposed: does not count
    page = text(officer.get(f"/officers/contracts/{world['contract']}"))
    assert "need at least 3 KPIs; this one has 2." in page
    make_commitment(app, world, "Spend with local SMEs and VCSEs")
    page = words(officer.get(f"/officers/contracts/{world['contract']}"))
    assert "Strategic: at least 3 KPIs across several themes" in page
    assert "Contracts over the strategic threshold" not in page


# Proposed by the supplier, approved by an officer ------------------------------------------


def test_supplier_proposes_and_officer_approves(app, world, officer):
    supplier = signed_in(app, "supplier@example.org")
    url = f"/suppliers/contracts/{world['contract']}/commitments/new"
    assert "Propose a commitment" in text(supplier.get(url))
    response = post_form(supplier, url, commitment_form(world, "Work placement hours", target_quantity="120"))
    assert response.status_code == 302
    assert "Waiting for approval" in text(supplier.get(url))
    with app.app_context():
        commitment = db.session.scalar(select(Commitment))
        assert (commitment.state, commitment.proposed_by_id, commitment.approved_by_id) == ("proposed", world["member"], None)
        commitment_id = commitment.id
    assert "Contracts: 1 proposed commitment to approve" in text(officer.get("/officers/"))
    assert "Proposed by the supplier" in text(officer.get(f"/officers/contracts/{world['contract']}"))
    # A proposed commitment does not count towards the tier yet.
    assert "need clear commitments with agreed KPIs" in text(officer.get(f"/officers/contracts/{world['contract']}"))

    response = post_form(officer, f"/officers/commitments/{commitment_id}/decision", {"approve": "Approve"},
                         form_url=f"/officers/contracts/{world['contract']}")
    assert response.status_code == 302
    with app.app_context():
        commitment = db.session.get(Commitment, commitment_id)
        assert (commitment.state, commitment.approved_by_id) == ("approved", world["officer"])
        actions = db.session.scalars(select(Event.action).where(Event.subject_type == "commitments").order_by(Event.id)).all()
        assert actions == ["commitment.proposed", "commitment.approved"]
    page = text(officer.get(f"/officers/contracts/{world['contract']}"))
    assert "need clear commitments" not in page and "approved a commitment under contract" in page
    assert "Contracts: no proposed commitments to approve" in text(officer.get("/officers/"))
    # Deciding again is refused.
    again = post_form(officer, f"/officers/commitments/{commitment_id}/decision", {"reject": "Reject"},
                      form_url=f"/officers/contracts/{world['contract']}", follow_redirects=True)
    assert "Only a proposed commitment can be approved or rejected" in text(again)
    with app.app_context():
        assert db.session.get(Commitment, commitment_id).state == "approved"


def test_officer_rejects_a_proposed_commitment(app, world, officer):
    commitment_id = make_commitment(app, world, user="member")
    response = post_form(officer, f"/officers/commitments/{commitment_id}/decision", {"reject": "Reject", "next": "commitment"},
                         form_url=f"/officers/commitments/{commitment_id}")
    assert response.headers["Location"] == f"/officers/commitments/{commitment_id}"
    with app.app_context():
        assert db.session.get(Commitment, commitment_id).state == "rejected"


def test_another_suppliers_member_cannot_propose_on_this_contract(app, world):
    rival = signed_in(app, "rival@example.org")
    url = f"/suppliers/contracts/{world['contract']}/commitments/new"
    assert rival.get(url).status_code == 403
    # With a valid CSRF token of its own (from the header's sign-out form), still 403.
    assert post_form(rival, url, commitment_form(world), form_url="/").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Commitment)) == 0


def test_a_resident_and_a_group_cannot_propose(app, world):
    for email in ("resident@example.org", "group@example.org"):
        client = signed_in(app, email)
        assert client.get(f"/suppliers/contracts/{world['contract']}/commitments/new").status_code == 403


def test_a_member_of_an_unverified_supplier_cannot_propose(app, world, make_user, make_organisation):
    newcomer = make_user("new@example.org", "Nia New")
    pending = make_organisation(newcomer, OrganisationKind.SUPPLIER, name="New Firm Ltd", registration_number="09000003", verified=False)
    with app.app_context():
        contract = record_contract(ContractDetails("NEW-1", "Cleaning", None, pending, 100_000_00, None, None),
                                   db.session.get(User, world["officer"]))
        db.session.commit()
        contract_id = contract.id
    client = signed_in(app, "new@example.org")
    url = f"/suppliers/contracts/{contract_id}/commitments/new"
    response = post_form(client, url, commitment_form(world))
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Commitment)) == 0


# Unmet commitments: remedial plan and settlement ---------------------------------------------


def test_remedial_plan_only_for_an_unmet_commitment(app, world, officer):
    on_track = make_commitment(app, world, due=TODAY + timedelta(days=200))
    page = text(officer.get(f"/officers/commitments/{on_track}"))
    assert "Agree a remedial plan" not in page and "Settle the commitment" not in page
    later = TODAY + timedelta(days=90)
    plan = {"action": "Two extra placements", "new_date": [str(later.day), str(later.month), str(later.year)], "owner": "Jo Bloggs"}
    refused = post_form(officer, f"/officers/commitments/{on_track}/remedial-plan", plan, form_url=f"/officers/commitments/{on_track}")
    assert refused.status_code == 400
    assert "A remedial plan is for a commitment that is unmet at its due date" in text(refused)

    unmet = make_commitment(app, world, due=TODAY - timedelta(days=1))
    page = text(officer.get(f"/officers/commitments/{unmet}"))
    assert "Unmet" in page and "Agree a remedial plan" in page
    past = TODAY - timedelta(days=3)
    bad = post_form(officer, f"/officers/commitments/{unmet}/remedial-plan",
                    {**plan, "new_date": [str(past.day), str(past.month), str(past.year)]})
    assert bad.status_code == 400 and "The new date must be in the future" in text(bad)
    assert 'value="Jo Bloggs"' in bad.get_data(as_text=True)  # what was typed is kept
    missing = post_form(officer, f"/officers/commitments/{unmet}/remedial-plan", {**plan, "owner": ""})
    assert "Say who owns the plan" in text(missing)
    response = post_form(officer, f"/officers/commitments/{unmet}/remedial-plan", plan)
    assert response.status_code == 302
    with app.app_context():
        commitment = db.session.get(Commitment, unmet)
        assert (commitment.remedial_action, commitment.remedial_due, commitment.remedial_owner) == ("Two extra placements", later, "Jo Bloggs")
        event_row = db.session.scalar(select(Event).where(Event.action == "commitment.remedial_plan"))
        assert event_row.detail == {"action": "Two extra placements", "new_date": later.isoformat(), "owner": "Jo Bloggs"}
    page = words(officer.get(f"/officers/commitments/{unmet}"))
    assert "Remedial plan Action Two extra placements" in page and "recorded a remedial plan for a commitment under contract" in page


def test_settled_by_a_fund_payment_once_only(app, world, officer):
    unmet = make_commitment(app, world, due=TODAY - timedelta(days=10))
    url = f"/officers/commitments/{unmet}/settlement"
    no_amount = post_form(officer, url, {"kind": "fund_payment", "amount": ""}, form_url=f"/officers/commitments/{unmet}")
    assert no_amount.status_code == 400 and "Enter the amount paid into the Social Value Fund" in text(no_amount)
    response = post_form(officer, url, {"kind": "fund_payment", "amount": "12,500.50"}, form_url=f"/officers/commitments/{unmet}")
    assert response.status_code == 302
    with app.app_context():
        commitment = db.session.get(Commitment, unmet)
        assert (commitment.settlement, commitment.fund_payment_pence, commitment.settled_by_id) == ("fund_payment", 12_500_50, world["officer"])
    page = text(officer.get(f"/officers/commitments/{unmet}"))
    assert "Social Value Fund payment in lieu of £12,500.50" in page
    assert "Settle the commitment" not in page  # the form is gone
    twice = post_form(officer, url, {"kind": "credit", "credit_description": "Again"}, form_url=f"/officers/contracts/{world['contract']}")
    assert twice.status_code == 400
    assert "This commitment has already been settled" in text(twice)
    with app.app_context():
        assert db.session.get(Commitment, unmet).settlement == "fund_payment"
        assert db.session.scalar(select(func.count()).select_from(Event).where(Event.action == "commitment.settled")) == 1


def test_settled_by_an_approved_credit(app, world, officer):
    unmet = make_commitment(app, world, due=TODAY - timedelta(days=10))
    url = f"/officers/commitments/{unmet}/settlement"
    empty = post_form(officer, url, {"kind": "credit", "credit_description": " "}, form_url=f"/officers/commitments/{unmet}")
    assert "Describe the substitute delivery the credit is for" in text(empty)
    response = post_form(officer, url, {"kind": "credit", "credit_description": "Refurbished the Church End youth club"},
                         form_url=f"/officers/commitments/{unmet}")
    assert response.status_code == 302
    with app.app_context():
        commitment = db.session.get(Commitment, unmet)
        assert (commitment.settlement, commitment.credit_description) == ("credit", "Refurbished the Church End youth club")
        assert db.session.scalar(select(Event.detail).where(Event.action == "commitment.settled")) == {
            "credit": "Refurbished the Church End youth club"
        }
    assert "Credit: Refurbished the Church End youth club" in text(officer.get(f"/officers/commitments/{unmet}"))


def test_a_commitment_not_yet_due_cannot_be_settled(app, world, officer):
    on_track = make_commitment(app, world)
    response = post_form(officer, f"/officers/commitments/{on_track}/settlement", {"kind": "fund_payment", "amount": "100"},
                         form_url=f"/officers/contracts/{world['contract']}")
    assert response.status_code == 400
    assert "Only an unmet commitment can be settled" in text(response)


# The wrong people ------------------------------------------------------------------------------


def test_residents_and_supplier_members_get_403_on_officer_pages(app, world):
    commitment_id = make_commitment(app, world)
    pages = ["/officers/contracts", "/officers/contracts/new", f"/officers/contracts/{world['contract']}",
             f"/officers/contracts/{world['contract']}/commitments/new", f"/officers/commitments/{commitment_id}",
             "/officers/contracts/import"]
    posts = [f"/officers/commitments/{commitment_id}/decision", f"/officers/commitments/{commitment_id}/remedial-plan",
             f"/officers/commitments/{commitment_id}/settlement", "/officers/contracts/new"]
    for email in ("resident@example.org", "supplier@example.org"):
        client = signed_in(app, email)
        for url in pages:
            assert client.get(url).status_code == 403, (email, url)
        for url in posts:
            assert post_form(client, url, {"approve": "Approve"}, form_url="/").status_code == 403, (email, url)
    anonymous = app.test_client()
    assert anonymous.get("/officers/contracts").status_code == 302
    assert anonymous.get(f"/suppliers/contracts/{world['contract']}/commitments/new").status_code == 302


def test_missing_contracts_and_commitments_are_404(app, world, officer):
    assert officer.get("/officers/contracts/999999").status_code == 404
    assert officer.get("/officers/commitments/999999").status_code == 404
    assert officer.get("/officers/contracts/import/nope").status_code == 404


def test_an_officer_who_reads_welsh_records_a_contract_in_welsh(app, world, officer):
    """Issue 21: the form, the rule's message beside the field and the confirmation are in Welsh."""
    with app.app_context():
        db.session.get(User, world["officer"]).locale = "cy"
        db.session.commit()
    page = text(officer.get("/officers/contracts/new"))
    assert "Cofnodi contract" in page and "Cyfeirnod y contract" in page and "Contract reference" not in page
    response = post_form(officer, "/officers/contracts/new", contract_form(world, reference="BRENT-2025-0001"))
    assert response.status_code == 200
    page = text(response)
    assert "Mae contract gyda’r cyfeirnod hwn eisoes yn bodoli" in page and "already exists" not in page
    response = post_form(officer, "/officers/contracts/new", contract_form(world), follow_redirects=True)
    page = text(response)
    assert "Contract BRENT-2025-0142 wedi’i gofnodi." in page
    assert "Sylfaenol: cyfraniad mewn 1 i 2 thema blaenoriaeth" in page and "Basic: a contribution" not in page
