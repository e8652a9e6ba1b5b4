"""A verified organisation that changes its name, legal form or registration number goes
back to an officer, and keeps its verified details everywhere else until an officer
accepts the change; two organisations never share a registration number (a unique index
per register, and a message beside the field). The issue's attack: a supplier renamed
itself to another's name and company number, and the 360Giving file credited its
delivery to the other."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from models import DomainError, Event, Organisation, OrganisationKind, PermissionDenied, User, db
from models.people.organisations import (
    approve_organisation_change,
    create_organisation,
    reject_organisation_change,
    update_organisation_details,
)
from tests import factories
from tests.conftest import login, post_form
from tests.factories import OpenDataBorough as World

@pytest.fixture
def world(app, places) -> World:
    return factories.open_data_borough(app)

SUPPLIER_FORM = {
    "legal_form": "company",
    "size_band": "small",
    "ward_id": "0",
    "description": "We build things.",
    "website": "",
    "contact_email": "",
}


def signed_in(app, email: str):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else None


def input_value(page: str, field: str) -> str | None:
    match = re.search(rf'<input[^>]*\bname="{field}"[^>]*>', page)
    value = re.search(r'value="([^"]*)"', match.group(0)) if match else None
    return html.unescape(value.group(1)) if value else None


def get(app, organisation_id: int) -> Organisation:
    with app.app_context():
        found = db.session.get(Organisation, organisation_id)
        found.change  # loaded while the session is open
        db.session.expunge_all()
        return found


def actions(app, organisation_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Event.action)
                .where(Event.subject_type == "organisations", Event.subject_id == str(organisation_id))
                .order_by(Event.id)
            )
        )


def grants_json(client) -> dict:
    response = client.get("/open-data/360giving.json")
    try:
        return json.loads(response.get_data(as_text=True))
    finally:
        response.close()


def funders(package: dict) -> set[tuple[str, str]]:
    return {(grant["fundingOrganization"][0]["id"], grant["fundingOrganization"][0]["name"]) for grant in package["grants"]}


# The attack ------------------------------------------------------------------------------


def test_a_supplier_cannot_take_another_suppliers_company_number(app, world: World):
    """Cleaners plc tries to become Builders Ltd, number and all: the number is refused
    beside the field, and nothing changes (no waiting change either)."""
    cleaners = signed_in(app, "supplier2@example.org")
    url = f"/organisations/{world.cleaners}/edit"
    response = post_form(cleaners, url, {**SUPPLIER_FORM, "name": "Builders Ltd", "registration_number": "09000001"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "registration_number") == (
        "Error: An organisation with this registration number is already registered. Ask one of its members to invite you."
    )
    assert input_value(page, "name") == "Builders Ltd"  # what was typed is kept
    found = get(app, world.cleaners)
    assert (found.name, found.registration_number, found.change) == ("Cleaners plc", "09000002", None)
    assert "organisation.change_requested" not in actions(app, world.cleaners)


def test_a_verified_supplier_renaming_itself_keeps_its_verified_name_until_an_officer_accepts(app, client, world: World):
    before = funders(grants_json(client))
    assert ("GB-COH-09000002", "Cleaners plc") in before

    cleaners = signed_in(app, "supplier2@example.org")
    response = post_form(
        cleaners, f"/organisations/{world.cleaners}/edit",
        {**SUPPLIER_FORM, "name": "Builders Ltd", "registration_number": "09000002", "description": "New blurb"},
    )
    assert response.status_code == 302
    flashed = cleaners.get(response.headers["Location"]).get_data(as_text=True)
    assert "The council will check the new name before anyone else sees them." in flashed
    assert 'id="change-waiting"' in flashed

    found = get(app, world.cleaners)
    assert found.name == "Cleaners plc" and found.status == "verified"
    assert found.description == "New blurb"  # not part of what is verified: changed at once
    assert (found.change.status, found.change.name) == ("pending", "Builders Ltd")
    assert actions(app, world.cleaners)[-2:] == ["organisation.change_requested", "organisation.updated"]

    # The public, the API and the open data still see the verified name.
    public = client.get(f"/organisations/{world.cleaners}").get_data(as_text=True)
    assert "Cleaners plc" in public and "Builders Ltd" not in public and 'id="change-waiting"' not in public
    assert funders(grants_json(client)) == before
    assert client.get(f"/api/v1/suppliers/{world.cleaners}").get_json()["name"] == "Cleaners plc"

    # The edit form shows the owners what they asked for.
    edit = cleaners.get(f"/organisations/{world.cleaners}/edit").get_data(as_text=True)
    assert input_value(edit, "name") == "Builders Ltd"

    # It waits in the officers' queue, and the officer sees both.
    officer = signed_in(app, "officer@example.org")
    assert "2 organisations to verify" in officer.get("/officers/").get_data(as_text=True)  # and Shady Ltd, new
    queue = officer.get("/officers/organisations").get_data(as_text=True)
    assert "Cleaners plc" in queue and "Change of details" in queue
    review = officer.get(f"/officers/organisations/{world.cleaners}").get_data(as_text=True)
    assert "Change of details to check" in review and "<strong>Builders Ltd</strong>" in review


def test_an_officer_accepts_the_change_and_the_owners_are_told(app, client, world: World, outbox):
    with app.app_context():
        cleaners = db.session.get(Organisation, world.cleaners)
        owner = db.session.scalar(select(User).where(User.email == "supplier2@example.org"))
        update_organisation_details(cleaners, owner, name="Cleaners Group plc", legal_form="plc", registration_number="09000002")
        db.session.commit()
    officer = signed_in(app, "officer@example.org")
    url = f"/officers/organisations/{world.cleaners}"
    response = post_form(officer, url, {"action": "approve_change", "approve-change-submit": "Accept"})
    assert response.status_code == 302
    found = get(app, world.cleaners)
    assert (found.name, found.legal_form, found.change) == ("Cleaners Group plc", "plc", None)
    assert actions(app, world.cleaners)[-1] == "organisation.change_approved"
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.action == "organisation.change_approved"))
        assert event.detail["from"]["name"] == "Cleaners plc" and event.detail["to"]["name"] == "Cleaners Group plc"
    assert ("GB-COH-09000002", "Cleaners Group plc") in funders(grants_json(client))
    [message] = outbox("supplier2@example.org")[-1:]
    assert message.subject == "Cleaners plc: change of details accepted"
    assert "It is now Cleaners Group plc" in message.text_body
    assert "1 organisation to verify" in officer.get("/officers/").get_data(as_text=True)  # Shady Ltd, new


def test_an_officer_refuses_the_change_with_a_reason_the_owners_see(app, client, world: World, outbox):
    with app.app_context():
        cleaners = db.session.get(Organisation, world.cleaners)
        owner = db.session.scalar(select(User).where(User.email == "supplier2@example.org"))
        update_organisation_details(cleaners, owner, name="Builders Ltd")
        db.session.commit()
    officer = signed_in(app, "officer@example.org")
    url = f"/officers/organisations/{world.cleaners}"
    empty = post_form(officer, url, {"action": "reject_change", "reject-change-reason": "", "reject-change-submit": "x"})
    assert empty.status_code == 400
    response = post_form(
        officer, url,
        {"action": "reject_change", "reject-change-reason": "That is another company's name", "reject-change-submit": "x"},
    )
    assert response.status_code == 302
    found = get(app, world.cleaners)
    assert found.name == "Cleaners plc"
    assert (found.change.status, found.change.reason) == ("rejected", "That is another company's name")
    assert actions(app, world.cleaners)[-1] == "organisation.change_rejected"
    page = signed_in(app, "supplier2@example.org").get(f"/organisations/{world.cleaners}").get_data(as_text=True)
    assert "The council did not accept your change of details" in page and "another company&#39;s name" in page
    assert "Builders Ltd" not in client.get(f"/organisations/{world.cleaners}").get_data(as_text=True)
    [message] = outbox("supplier2@example.org")[-1:]
    assert message.subject == "Cleaners plc: change of details not accepted"
    assert "That is another company's name" in message.text_body


def test_going_back_to_the_verified_details_withdraws_the_change(app, world: World):
    with app.app_context():
        cleaners = db.session.get(Organisation, world.cleaners)
        owner = db.session.scalar(select(User).where(User.email == "supplier2@example.org"))
        update_organisation_details(cleaners, owner, name="Cleaners Two plc")
        db.session.commit()
        update_organisation_details(cleaners, owner, name="Cleaners Two plc", description="Again")
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Event).where(
            Event.action == "organisation.change_requested")) == 1  # the same change, asked again, is one
        update_organisation_details(cleaners, owner, name="Cleaners plc")
        db.session.commit()
        assert cleaners.change is None and cleaners.name == "Cleaners plc"
    assert "organisation.change_withdrawn" in actions(app, world.cleaners)


def test_other_details_and_unverified_organisations_change_at_once(app, world: World):
    with app.app_context():
        builders = db.session.get(Organisation, world.builders)
        owner = db.session.scalar(select(User).where(User.email == "supplier1@example.org"))
        update_organisation_details(builders, owner, website="https://builders.example", size_band="medium")
        pending = db.session.get(Organisation, world.pending)
        pending_owner = db.session.scalar(select(User).where(User.email == "pending@example.org"))
        update_organisation_details(pending, pending_owner, name="Honest Ltd", registration_number="09000099")
        db.session.commit()
        assert builders.change is None and builders.website == "https://builders.example"
        assert pending.change is None and (pending.name, pending.registration_number) == ("Honest Ltd", "09000099")


def test_only_officers_decide_a_change(app, world: World):
    with app.app_context():
        cleaners = db.session.get(Organisation, world.cleaners)
        owner = db.session.scalar(select(User).where(User.email == "supplier2@example.org"))
        update_organisation_details(cleaners, owner, name="Cleaners Two plc")
        db.session.commit()
        with pytest.raises(PermissionDenied):
            approve_organisation_change(cleaners, owner)
        with pytest.raises(PermissionDenied):
            reject_organisation_change(cleaners, owner, "no")
        db.session.rollback()
    supplier = signed_in(app, "supplier2@example.org")
    response = post_form(
        supplier, f"/officers/organisations/{world.cleaners}", {"action": "approve_change"}, form_url="/organisations/"
    )
    assert response.status_code == 403
    assert get(app, world.cleaners).name == "Cleaners plc"


def test_a_change_to_a_number_taken_meanwhile_cannot_be_accepted(app, world: World):
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        cleaners = db.session.get(Organisation, world.cleaners)
        owner = db.session.scalar(select(User).where(User.email == "supplier2@example.org"))
        update_organisation_details(cleaners, owner, registration_number="09000077")
        pending = db.session.get(Organisation, world.pending)
        update_organisation_details(pending, officer, registration_number="09000077")  # an officer's edit applies at once
        db.session.commit()
        with pytest.raises(DomainError, match="Another organisation now has this registration number"):
            approve_organisation_change(cleaners, officer)
        db.session.rollback()
        assert cleaners.registration_number == "09000002" and cleaners.pending_change is not None


# One organisation per number ----------------------------------------------------------------


def test_the_database_refuses_a_second_organisation_with_a_number(app, world: World):
    """Below the rules: a unique index per register (company numbers here)."""
    with app.app_context():
        with pytest.raises(IntegrityError):
            with db.session.begin_nested():
                db.session.add(Organisation(kind="supplier", name="Copy Ltd", legal_form="llp", registration_number="09000001", size_band="small"))
                db.session.flush()
        db.session.rollback()
        # A CIC (a community group) with a supplier's company number is the same company.
        owner = db.session.scalar(select(User).where(User.email == "owner@example.org"))
        with pytest.raises(DomainError, match="already registered") as refused:
            create_organisation(owner, OrganisationKind.VCSE, "Builders CIC", "cic", "09000001")
        assert refused.value.field == "registration_number"
        db.session.rollback()
        # A Scottish charity and a Scottish company can have the same characters: different registers.
        create_organisation(owner, OrganisationKind.VCSE, "Glasgow Food Bank", "charity", "SC012345")
        create_organisation(owner, OrganisationKind.VCSE, "Glasgow Builders CIC", "cic", "SC012345")
        # Groups with no register (community groups) may write anything, or nothing.
        create_organisation(owner, OrganisationKind.VCSE, "Allotment A", "community_group", "")
        create_organisation(owner, OrganisationKind.VCSE, "Allotment B", "community_group", "")
        db.session.commit()


def test_registering_with_a_taken_number_is_a_field_error(app, world: World):
    client = signed_in(app, "owner@example.org")
    response = post_form(
        client, "/organisations/new?kind=supplier",
        {**SUPPLIER_FORM, "name": "Second Builders", "registration_number": "9000001"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "already registered" in (field_error(page, "registration_number") or "")
    assert input_value(page, "name") == "Second Builders"


# The migration ---------------------------------------------------------------------------------


@pytest.fixture
def old_database(tmp_path, redis_url):
    """A SQLite database at the revision before this one, with two suppliers that share a
    company number (as the attack left them) and two groups that do not."""
    from alembic import command

    from brokerage import create_app

    uri = f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app({
        "APP_ENV": "test", "TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": uri,
        "REDIS_URL": redis_url, "UPLOAD_DIR": str(tmp_path / "uploads"), "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
    })

    def upgrade(revision: str = "head") -> None:  # Alembic's own, so its error is not turned into an exit
        command.upgrade(app.extensions["migrate"].migrate.get_config(), revision)

    def downgrade(revision: str) -> None:
        command.downgrade(app.extensions["migrate"].migrate.get_config(), revision)

    with app.app_context():
        upgrade("69c5dd4e92ee")
        rows = [
            (1, "supplier", "Builders Ltd", "company", "09000001", "verified"),
            (2, "supplier", "Builders Ltd", "llp", "09000001", "verified"),
            (3, "vcse", "Food Hub", "charity", "1190001", "verified"),
            (4, "vcse", "Allotment", "community_group", None, "verified"),
        ]
        with db.engine.begin() as connection:
            for row in rows:
                connection.execute(
                    text("INSERT INTO organisations (id, kind, name, legal_form, registration_number, status, based_in_borough, "
                         "description, created_at, submitted_at) VALUES (:id, :kind, :name, :form, :number, :status, 0, '', "
                         "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                    dict(zip(("id", "kind", "name", "form", "number", "status"), row)),
                )
    yield app, upgrade, downgrade
    with app.app_context():
        db.engine.dispose()


def test_the_upgrade_stops_with_the_clashes_named_and_nothing_changed(old_database):
    app, upgrade, downgrade = old_database
    with app.app_context():
        with pytest.raises(RuntimeError) as stopped:
            upgrade()
        message = str(stopped.value)
        assert "company number 09000001:" in message
        assert "organisation 1 (supplier, verified): Builders Ltd" in message
        assert "organisation 2 (supplier, verified): Builders Ltd" in message
        assert "UPDATE organisations SET registration_number = NULL, status = 'pending' WHERE id = 2;" in message
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "69c5dd4e92ee"
            assert "organisation_changes" not in db.inspect(connection).get_table_names()

        # Done as the message says, the upgrade goes through, and the index holds from then on.
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE organisations SET registration_number = NULL, status = 'pending' WHERE id = 2"))
        upgrade()
        with db.engine.begin() as connection:
            assert "organisation_changes" in db.inspect(connection).get_table_names()
        with pytest.raises(IntegrityError):
            with db.engine.begin() as connection:
                connection.execute(text("UPDATE organisations SET registration_number = '09000001' WHERE id = 2"))
        downgrade("69c5dd4e92ee")  # and back
        with db.engine.begin() as connection:
            assert "organisation_changes" not in db.inspect(connection).get_table_names()
