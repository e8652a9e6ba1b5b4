"""Changing an agreement of any kind (issue 18): the fields of each kind, checked as when it
was recorded (messages beside the fields, what was typed kept), audited field by field; the
organisation kept while there are commitments, and the dates around their due dates; only
officers. The agreements list filters by kind, paginated."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import Contract, Event, Role, db
from models.contracts.rules import ContractDetails, record_contract
from tests import factories
from tests.contracts.test_agreements import fields, signed_in, world  # noqa: F401
from tests.factories import post_form


def grant_id(app, world) -> int:
    client = signed_in(app)
    response = post_form(client, "/officers/agreements/new", fields(world))
    assert response.status_code == 302
    with app.app_context():
        return db.session.scalar(select(Contract.id).where(Contract.reference == "GRANT-2026-01"))


def test_an_officer_changes_a_grant_into_a_planning_obligation_and_it_is_audited(app, world):
    agreement = grant_id(app, world)
    client = signed_in(app)
    page = client.get(f"/officers/contracts/{agreement}/edit").get_data(as_text=True)
    assert "Change grant GRANT-2026-01" in page and 'value="Brent Together Fund"' in page and 'value="25,000.00"' in page
    assert f"/officers/contracts/{agreement}/edit" in client.get(f"/officers/contracts/{agreement}").get_data(as_text=True)
    # A planning obligation needs its own fields: each missing one is said beside it, what was typed kept.
    refused = post_form(client, f"/officers/contracts/{agreement}/edit",
                        fields(world, kind="planning_obligation", supplier_id=str(world["developer"]), title="Homes at Wembley"))
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Enter the planning application reference" in text and 'value="Homes at Wembley"' in text
    saved = post_form(client, f"/officers/contracts/{agreement}/edit", fields(
        world, kind="planning_obligation", supplier_id=str(world["developer"]), title="Homes at Wembley",
        planning_reference="20/1234/FUL", site="Wembley Park", ward_id=str(world["ward"]), trigger="on commencement",
        value="1,200,000"))  # the grant's programme left in the form: not the planning obligation's
    assert saved.status_code == 302
    with app.app_context():
        changed = db.session.get(Contract, agreement)
        assert (changed.kind, changed.supplier_id, changed.planning_reference, changed.ward_id, changed.programme,
                changed.value_pence) == ("planning_obligation", world["developer"], "20/1234/FUL", world["ward"], None, 1_200_000_00)
        event = db.session.scalar(select(Event).where(Event.action == "contract.changed"))
        assert event.detail["kind"] == ["grant", "planning_obligation"]
        assert event.detail["value_pence"] == [25_000_00, 1_200_000_00] and "reference" not in event.detail
    # Saving it unchanged records nothing.
    again = post_form(client, f"/officers/contracts/{agreement}/edit", fields(
        world, kind="planning_obligation", supplier_id=str(world["developer"]), title="Homes at Wembley",
        planning_reference="20/1234/FUL", site="Wembley Park", ward_id=str(world["ward"]), trigger="on commencement",
        programme="", value="1,200,000"))
    assert again.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Event).where(Event.action == "contract.changed")) == 1


def test_the_organisation_and_dates_stay_fit_for_the_commitments(app, world):
    agreement = grant_id(app, world)
    with app.app_context():
        officer = db.session.get(factories.User, world["officer"])
        grant = db.session.get(Contract, agreement)
        measure = factories.measure("Employee volunteering hours")
        factories.commitment(grant, officer, measure.id, 100, date(2027, 6, 30))
        record_contract(ContractDetails("GRANT-OTHER", "Other", "Communities", world["pantry"], 1_00, None, None,
                                        kind="grant", programme="Other fund"), officer)
        db.session.commit()
    client = signed_in(app)
    moved = post_form(client, f"/officers/contracts/{agreement}/edit", fields(world, supplier_id=str(world["pantry"])))
    assert moved.status_code == 400 and "organisation cannot change once the agreement has commitments" in moved.get_data(as_text=True)
    early = post_form(client, f"/officers/contracts/{agreement}/edit",
                      fields(world, **{"end_date": ["31", "3", "2027"]}))
    assert early.status_code == 400 and "due on 30 June 2027, after this end date" in early.get_data(as_text=True)
    taken = post_form(client, f"/officers/contracts/{agreement}/edit", fields(world, reference="GRANT-OTHER"))
    assert taken.status_code == 400 and "already exists" in taken.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Contract, agreement).supplier_id == world["hub"]
        assert db.session.scalar(select(db.func.count()).select_from(Event).where(Event.action == "contract.changed")) == 0


def test_only_officers_change_agreements(app, world, make_user):
    agreement = grant_id(app, world)
    make_user("resident@example.org", "Rae Resident", role=Role.RESIDENT)
    for email in ("hub@example.org", "resident@example.org"):
        client = app.test_client()
        factories.login(client, email)
        assert client.get(f"/officers/contracts/{agreement}/edit").status_code in (302, 403)
        assert client.post(f"/officers/contracts/{agreement}/edit", data=fields(world, title="Taken over")).status_code in (302, 400, 403)
    with app.app_context():
        assert db.session.get(Contract, agreement).title == "Community kitchen grant"
    assert signed_in(app).get("/officers/contracts/999999/edit").status_code == 404


def test_the_agreements_list_filters_by_kind_and_pages(app, world):
    with app.app_context():
        officer = db.session.get(factories.User, world["officer"])
        for number in range(52):
            record_contract(ContractDetails(f"GRANT-{number:03}", f"Grant {number}", "Communities", world["hub"], 1_00,
                                            None, None, kind="grant", programme="Fund"), officer)
        record_contract(ContractDetails("CAT-001", "Old library", "Property", world["pantry"], 1_00, None, None,
                                        kind="asset_transfer", asset="Old library", lease_terms="25 years"), officer)
        db.session.commit()
    client = signed_in(app)
    transfers = client.get("/officers/contracts?kind=asset_transfer").get_data(as_text=True)
    assert "CAT-001" in transfers and "GRANT-000" not in transfers and "1 contract" in transfers
    grants = client.get("/officers/contracts?kind=grant").get_data(as_text=True)
    assert "52 contracts" in grants and "CAT-001" not in grants and "kind=grant" in grants and "page=2" in grants
    second = client.get("/officers/contracts?kind=grant&page=2").get_data(as_text=True)
    assert "CAT-001" not in second and "GRANT-0" in second
    unknown = client.get("/officers/contracts?kind=nonsense")
    assert unknown.status_code == 200 and "CAT-001" in unknown.get_data(as_text=True)
