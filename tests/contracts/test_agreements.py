"""Agreements of several kinds (issue 18): a commitment belongs to a contract, a planning
obligation, a grant, a community asset transfer, the council's own employment or an
investment; each has a responsible directorate and officer, and the fields its officers
know; the dashboard and the annual report break down by source and by directorate."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import Contract, DomainError, OrganisationKind, Ward, db
from models.contracts.rules import ContractDetails, record_contract
from models.reporting import impact
from tests import factories
from tests.factories import login, post_form


@pytest.fixture
def world(app, places):
    with app.app_context():
        council = factories.officer("officer@example.org", "Olu Officer")
        holder = factories.user("hub@example.org", "Hana Hub")
        other = factories.user("other@example.org", "Omar Other")
        hub = factories.organisation(holder, OrganisationKind.VCSE, "Harlesden Food Hub", officer=council)
        pantry = factories.organisation(other, OrganisationKind.VCSE, "Kilburn Pantry", registration_number="1190002",
                                        officer=council)
        developer = factories.supplier(factories.user("dev@example.org", "Dee Developer"), "Wembley Homes Ltd",
                                       officer=council)
        factories.themes()
        ward = db.session.scalar(select(Ward).order_by(Ward.name).limit(1))
        db.session.commit()
        return {"officer": council.id, "hub": hub.id, "pantry": pantry.id, "developer": developer.id, "ward": ward.id}


def fields(world, **overrides) -> dict:
    return {
        "kind": "grant", "reference": "GRANT-2026-01", "title": "Community kitchen grant",
        "buyer_department": "Communities", "responsible_officer_id": str(world["officer"]),
        "supplier_id": str(world["hub"]), "value": "25000", "programme": "Brent Together Fund",
        **overrides,
    }


def signed_in(app):
    client = app.test_client()
    assert login(client, "officer@example.org").status_code == 302
    return client


def test_an_officer_records_a_grant_with_a_volunteering_commitment(app, world):
    client = signed_in(app)
    response = post_form(client, "/officers/agreements/new", fields(world))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Grant" in page and "Brent Together Fund" in page and "Olu Officer" in page and "Communities" in page
    assert "procurement tiers do not apply" in page
    with app.app_context():
        grant = db.session.scalar(select(Contract).where(Contract.reference == "GRANT-2026-01"))
        assert grant.kind == "grant" and grant.supplier_id == world["hub"] and grant.shortfalls() == []
        factories.commitment(grant, factories.get(factories.User, world["officer"]),
                             factories.measure("Employee volunteering hours").id, 200, date(2027, 3, 31))
        db.session.commit()


@pytest.mark.parametrize("kind, missing, message", [
    ("planning_obligation", "trigger", "Enter the trigger"),
    ("planning_obligation", "planning_reference", "Enter the planning application reference"),
    ("grant", "programme", "Enter the grant programme"),
    ("asset_transfer", "asset", "Enter the asset"),
])
def test_each_kind_asks_for_its_own_fields_beside_them(app, world, kind, missing, message):
    client = signed_in(app)
    known = dict(kind=kind, planning_reference="19/0160/FUL", site="Land at Wembley Park",
                 ward_id=str(world["ward"]), trigger="on commencement", asset="Stonebridge Hall",
                 lease_terms="25 years, peppercorn rent")
    given = fields(world, **{**known, missing: ""})
    response = post_form(client, "/officers/agreements/new", given)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and message in body
    assert 'value="GRANT-2026-01"' in body  # input kept
    with app.app_context():
        assert db.session.scalar(select(Contract).where(Contract.reference == "GRANT-2026-01")) is None


def test_a_planning_obligation_in_another_councils_ward_is_refused(app, world):
    with app.app_context():
        officer = factories.get(factories.User, world["officer"])
        details = ContractDetails("S106-1", "Wembley Park", "Regeneration", world["developer"], 0, None, None,
                                  kind="planning_obligation", planning_reference="19/0160/FUL", site="Land",
                                  ward_id=999_999, trigger="before occupation")
        with pytest.raises(DomainError, match="council's wards"):
            record_contract(details, officer)
    client = signed_in(app)
    response = post_form(client, "/officers/agreements/new", fields(
        world, kind="planning_obligation", supplier_id=str(world["developer"]), planning_reference="19/0160/FUL",
        site="Land", ward_id="999999", trigger="before occupation"))
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)


def test_the_councils_own_employment_is_held_by_the_council(app, world):
    client = signed_in(app)
    response = post_form(client, "/officers/agreements/new", fields(
        world, kind="employment", reference="EMP-APPS", title="Council apprenticeships", supplier_id="0",
        value="", programme="", buyer_department="Resources"))
    # The value is required by the contract form: the pay bill may be £0.
    response = post_form(client, "/officers/agreements/new", fields(
        world, kind="employment", reference="EMP-APPS", title="Council apprenticeships", supplier_id="0",
        value="0", programme="", buyer_department="Resources"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        employment = db.session.scalar(select(Contract).where(Contract.reference == "EMP-APPS"))
        assert employment.kind == "employment" and employment.supplier.legal_form == "council"
        # A second one is held by the same council organisation.
        second = record_contract(ContractDetails("EMP-HIRES", "Local hires", "Resources", 0, 0, None, None,
                                                 kind="employment"), factories.get(factories.User, world["officer"]))
        assert second.supplier_id == employment.supplier_id


def test_a_grant_holder_files_returns_only_for_their_own_grant(app, world):
    with app.app_context():
        officer = factories.get(factories.User, world["officer"])
        grant = record_contract(ContractDetails("GRANT-1", "Kitchen", "Communities", world["hub"], 25_000_00,
                                                date(2025, 4, 1), date(2027, 3, 31), kind="grant",
                                                programme="Brent Together Fund"), officer)
        db.session.commit()
        grant_id = grant.id
    mine, theirs = app.test_client(), app.test_client()
    login(mine, "hub@example.org")
    login(theirs, "other@example.org")
    assert mine.get(f"/suppliers/contracts/{grant_id}/returns").status_code == 200
    assert theirs.get(f"/suppliers/contracts/{grant_id}/returns").status_code == 403


def test_dashboard_and_report_break_down_by_source_and_directorate(app, world):
    with app.app_context():
        officer = factories.get(factories.User, world["officer"])
        due = date(2026, 12, 31)
        hours = factories.measure("Local people hired").id
        for reference, kind, directorate, extra in (
            ("C-1", "contract", "Environment", {}),
            ("S106-1", "planning_obligation", "Regeneration",
             {"planning_reference": "19/0160/FUL", "site": "Land", "ward_id": world["ward"], "trigger": "on commencement"}),
            ("G-1", "grant", "Communities", {"programme": "Brent Together Fund"}),
        ):
            supplier = world["hub"] if kind == "grant" else world["developer"]
            agreement = record_contract(ContractDetails(reference, reference, directorate, supplier, 1_000_00, None, None,
                                                        kind=kind, **extra), officer)
            factories.commitment(agreement, officer, hours, 10, due)
        db.session.commit()
        year = impact.Year(2026)
        sources = {row.key: row.commitments for row in impact.by_source(year)}
        assert sources == {"contract": 1, "planning_obligation": 1, "grant": 1}
        assert [row.label for row in impact.by_source(year)] == ["Contract", "Planning obligation", "Grant"]
        assert {row.key for row in impact.by_directorate(year)} == {"Environment", "Regeneration", "Communities"}
        report = impact.build_report(year, date(2027, 4, 1)).as_dict()
        assert {row["key"] for row in report["by_source"]} == {"contract", "planning_obligation", "grant"}
    client = signed_in(app)
    page = client.get("/officers/impact?year=2026").get_data(as_text=True)
    assert "By source and directorate" in page and "Planning obligation" in page and "Regeneration" in page
