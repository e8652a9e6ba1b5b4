"""Import batches (issue 12): each import of an OCDS file is recorded (who, when, the file, what
it did) and can be undone while nothing depends on it. Undoing removes the contracts and the
unverified suppliers it created and puts back the contracts it updated, with audit events;
it is refused, with every reason, when a contract has commitments, a contract has changed
since, or a supplier it created has been verified, gained members or holds other contracts."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import (
    Contract,
    DomainError,
    Event,
    Membership,
    Organisation,
    OrganisationKind,
    PermissionDenied,
    Role,
    User,
    db,
)
from models.contracts.import_batches import undo_blockers, undo_import
from models.contracts.models import ImportBatch
from models.contracts.ocds_import import import_ocds, load_releases
from models.contracts.rules import CommitmentDetails, add_commitment
from models.people.organisations import verify_organisation
from models.places.themes import Measure, seed_themes
from tests.factories import login, post_form
from tests.contracts.ocds_files import HUNDRED, council_is, dumps

MERTON = [
    "ocds-b5fd17-e3b5f385-5989-4cf1-8849-01c247fc9c30",  # Parking Pilot - CEO, Marstons
    "ocds-b5fd17-deddd0f5-7f54-41ae-9c16-bbd0e5933625",
    "ocds-b5fd17-d474bdd4-a0d8-4d20-b725-521e5199be07",
]


def merton() -> list[dict]:
    releases = load_releases(HUNDRED.read_bytes())
    return [copy.deepcopy(next(r for r in releases if r["ocid"] == ocid)) for ocid in MERTON]


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Contract)),
        db.session.scalar(select(func.count()).select_from(Organisation)),
    )


@pytest.fixture
def officer_id(app, make_user):
    officer = make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    with app.app_context():
        council_is(names=["London Borough of Merton"])
    return officer


def officer() -> User:
    return db.session.scalar(select(User).where(User.email == "officer@example.org"))


def imported(*releases: dict) -> ImportBatch:
    report = import_ocds(dumps(*releases), officer(), file_name="merton.json")
    db.session.commit()
    return db.session.get(ImportBatch, report.batch_id)


def contract_of(ocid: str) -> Contract:
    return db.session.scalar(select(Contract).where(Contract.ocid == ocid))


def actions() -> list[str]:
    return list(db.session.scalars(select(Event.action).order_by(Event.id)))


# Undoing ------------------------------------------------------------------------------------


def test_an_import_is_recorded_and_undoing_it_removes_what_it_created(app, officer_id):
    with app.app_context():
        batch = imported(*merton())
        assert (batch.file_name, batch.created_by_id, batch.status) == ("merton.json", officer_id, "applied")
        assert (batch.created_count, batch.updated_count, batch.suppliers_created_count) == (3, 0, 3)
        assert sorted(change.kind for change in batch.changes) == ["contract_created"] * 3 + ["supplier_created"] * 3
        assert counts() == (3, 3)
        assert "contract_import.applied" in actions()
        assert undo_blockers(batch) == []

        done = undo_import(batch, officer())
        db.session.commit()
        assert done == {"contracts_removed": 3, "contracts_restored": 0, "suppliers_removed": 3}
        assert counts() == (0, 0)
        batch = db.session.get(ImportBatch, batch.id)
        assert (batch.status, batch.undone_by_id) == ("undone", officer_id)
        assert batch.undone_at is not None
        # The record of what it did stays, naming what is gone.
        assert {change.label for change in batch.changes if change.kind == "contract_created"} == {
            f"{ocid}/{ocid}-1" for ocid in MERTON
        }
        assert all(change.contract_id is None for change in batch.changes)
        after = actions()
        assert after.count("contract.removed") == 3 and after.count("organisation.removed") == 3
        undone = db.session.scalar(select(Event).where(Event.action == "contract_import.undone"))
        assert (undone.actor_id, undone.from_state, undone.to_state) == (officer_id, "applied", "undone")
        assert undone.detail["contracts_removed"] == 3
        # ...and it cannot be undone twice.
        assert undo_blockers(batch) == ["This import has already been undone."]
        with pytest.raises(DomainError, match="already been undone"):
            undo_import(batch, officer())


def test_undoing_an_update_puts_the_contract_back_as_it_was(app, officer_id):
    with app.app_context():
        first = imported(*merton())
        changed = merton()
        changed[0]["awards"][0]["value"]["amount"] = 250000
        changed[0]["tender"]["title"] = "Parking Pilot - CEO (extended)"
        second = imported(*changed)
        assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 1, 2)
        contract = contract_of(MERTON[0])
        assert (contract.value_pence, contract.title) == (25_000_000, "Parking Pilot - CEO (extended)")
        # The first import cannot be undone under the second: its contract has changed since.
        assert undo_blockers(first) == [
            f"Contract {MERTON[0]}/{MERTON[0]}-1 has changed since this import (by a later import)."
        ]
        undo_import(second, officer())
        db.session.commit()
        contract = contract_of(MERTON[0])
        assert (contract.value_pence, contract.title) == (9_300_700, "Parking Pilot - CEO")
        restored = db.session.scalar(select(Event).where(Event.action == "contract.restored"))
        assert sorted(restored.detail["fields"]) == ["title", "value_pence"]
        assert counts() == (3, 3)
        # Now the first can go too.
        undo_import(db.session.get(ImportBatch, first.id), officer())
        db.session.commit()
        assert counts() == (0, 0)


def test_undoing_an_update_that_moved_a_contract_to_a_new_supplier_removes_that_supplier(app, officer_id):
    with app.app_context():
        imported(*merton())
        marstons = contract_of(MERTON[0]).supplier_id
        reassigned = merton()
        reassigned[0]["awards"][0]["suppliers"] = [{"id": "new", "name": "Parking Partners Ltd"}]
        second = imported(*reassigned)
        assert (second.updated_count, second.suppliers_created_count) == (1, 1)
        assert contract_of(MERTON[0]).supplier.name == "Parking Partners Ltd"
        assert undo_blockers(second) == []
        undo_import(second, officer())
        db.session.commit()
        assert contract_of(MERTON[0]).supplier_id == marstons
        assert db.session.scalar(select(Organisation).where(Organisation.name == "Parking Partners Ltd")) is None
        assert counts() == (3, 3)


def test_a_contract_with_a_commitment_keeps_its_import(app, officer_id):
    with app.app_context():
        seed_themes()
        batch = imported(*merton())
        measure = db.session.scalar(select(Measure).order_by(Measure.id))
        contract = contract_of(MERTON[0])
        # Due while the contract runs (a commitment outside its contract is refused).
        add_commitment(contract, officer(), CommitmentDetails(measure.id, 10, contract.end_date or contract.start_date))
        db.session.commit()
        reasons = undo_blockers(batch)
        assert reasons == [f"Contract {MERTON[0]}/{MERTON[0]}-1 now has 1 commitment."]
        with pytest.raises(DomainError) as error:
            undo_import(batch, officer())
        db.session.rollback()
        assert error.value.message == "This import cannot be undone: " + reasons[0]
        assert counts() == (3, 3)
        assert db.session.get(ImportBatch, batch.id).status == "applied"
        assert "contract_import.undone" not in actions()


def test_a_commitment_with_a_pledge_against_it_is_named_in_the_refusal(app, officer_id, make_user, make_organisation):
    from models.needs.rules import NeedDetails, create_need, publish_need, submit_need
    from models.pledges.rules import make_pledge

    seller = make_user("seller@marstons.example")
    owner = make_user("owner@example.org")
    # Marstons registered itself: the import matches it by name and creates no supplier.
    marstons = make_organisation(seller, OrganisationKind.SUPPLIER, name="Marstons holdings plc", officer_id=officer_id)
    group = make_organisation(owner, name="Harlesden Food Hub", officer_id=officer_id)
    with app.app_context():
        seed_themes()
        batch = imported(merton()[0])
        assert batch.suppliers_created_count == 0 and contract_of(MERTON[0]).supplier_id == marstons
        measure = db.session.scalar(select(Measure).where(Measure.name == "Employee volunteering hours"))
        contract = contract_of(MERTON[0])
        commitment = add_commitment(contract, officer(), CommitmentDetails(measure.id, 40, contract.end_date or contract.start_date))
        today = date.today()
        need = create_need(
            db.session.get(Organisation, group), db.session.get(User, owner),
            NeedDetails("Volunteers for the pantry", "Four volunteers.", "", "volunteering", 20, "volunteer hours",
                        30000, None, measure.theme_id, 50, today + timedelta(days=60)),
            today,
        )
        submit_need(need, db.session.get(User, owner), today)
        publish_need(need, officer(), today)
        make_pledge(need, db.session.get(Organisation, marstons), db.session.get(User, seller), 10, "Ten hours",
                    commitment_id=commitment.id, today=today)
        db.session.commit()
        assert undo_blockers(batch) == [f"Contract {MERTON[0]}/{MERTON[0]}-1 now has 1 commitment, 1 pledge."]


def test_a_supplier_verified_since_keeps_its_import(app, officer_id):
    with app.app_context():
        batch = imported(*merton())
        supplier = contract_of(MERTON[0]).supplier
        verify_organisation(supplier, officer())
        db.session.commit()
        assert undo_blockers(batch) == [f"Supplier {supplier.name} has since been verified by an officer."]


def test_a_supplier_with_members_keeps_its_import(app, officer_id, make_user):
    staff = make_user("staff@marstons.example")
    with app.app_context():
        batch = imported(*merton())
        supplier = contract_of(MERTON[0]).supplier
        db.session.add(Membership(organisation_id=supplier.id, user_id=staff, is_owner=True))  # its staff claimed it
        db.session.commit()
        assert undo_blockers(batch) == [f"Supplier {supplier.name} has members or invitations now."]


def test_a_supplier_that_a_later_import_gave_another_contract_keeps_its_import(app, officer_id):
    with app.app_context():
        first, second, third = merton()
        batch = imported(first)
        supplier = contract_of(MERTON[0]).supplier
        # A later notice of the council's for the same firm: matched to the supplier by name.
        later = copy.deepcopy(second)
        later["awards"][0]["suppliers"] = [{"id": "s", "name": supplier.name}]
        later["parties"] = [party for party in later["parties"] if "buyer" in party["roles"]]
        imported(later)
        assert contract_of(MERTON[1]).supplier_id == supplier.id
        assert undo_blockers(batch) == [
            f"Supplier {supplier.name} holds 1 contract from another import or recorded by hand."
        ]


def test_an_import_that_changed_nothing_leaves_no_batch(app, officer_id):
    with app.app_context():
        imported(*merton())
        again = import_ocds(dumps(*merton()), officer())
        db.session.commit()
        assert (again.unchanged, again.batch_id) == (3, None)
        assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 1


def test_only_officers_undo(app, officer_id, make_user):
    make_user("resident@example.org")
    with app.app_context():
        batch = imported(*merton())
        resident = db.session.scalar(select(User).where(User.email == "resident@example.org"))
        with pytest.raises(PermissionDenied):
            undo_import(batch, resident)
        db.session.rollback()
        assert counts() == (3, 3)


# The pages -------------------------------------------------------------------------------------


def test_an_officer_undoes_an_import_from_its_page(app, officer_id):
    with app.app_context():
        batch_id = imported(*merton()).id
        contract_id = contract_of(MERTON[0]).id
    client = app.test_client()
    login(client, "officer@example.org")
    # The contract's page says which import it came from.
    contract_page = client.get(f"/officers/contracts/{contract_id}").get_data(as_text=True)
    assert f'href="/officers/contracts/imports/{batch_id}">import {batch_id}</a>' in contract_page
    assert f"Open Contracting import ({MERTON[0]})" in contract_page
    listing = client.get("/officers/contracts/imports").get_data(as_text=True)
    assert "merton.json" in listing and "Oona Officer" in listing
    page = client.get(f"/officers/contracts/imports/{batch_id}").get_data(as_text=True)
    assert "govuk-button--warning" in page and "Parking Pilot - CEO" in page
    response = post_form(client, f"/officers/contracts/imports/{batch_id}/undo", {},
                         form_url=f"/officers/contracts/imports/{batch_id}")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import undone: 3 contracts removed, 0 restored, 3 new suppliers removed." in page
    assert "Undone" in page and "Undo this import" not in page
    with app.app_context():
        assert counts() == (0, 0)


def test_a_refused_undo_says_why_and_changes_nothing(app, officer_id):
    with app.app_context():
        batch = imported(*merton())
        verify_organisation(contract_of(MERTON[0]).supplier, officer())
        db.session.commit()
        batch_id = batch.id
    client = app.test_client()
    login(client, "officer@example.org")
    page = client.get(f"/officers/contracts/imports/{batch_id}").get_data(as_text=True)
    assert "This import cannot be undone now." in page and "has since been verified" in page
    assert "govuk-button--warning" not in page  # no undo button
    # A tampered POST (the button was not offered) is refused with the reason.
    response = post_form(client, f"/officers/contracts/imports/{batch_id}/undo", {},
                         form_url=f"/officers/contracts/imports/{batch_id}")
    assert response.status_code == 409
    assert "This import cannot be undone: Supplier" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == (3, 3)
        assert db.session.get(ImportBatch, batch_id).status == "applied"


def test_undo_needs_an_officer_and_a_csrf_token(app, officer_id, make_user, make_organisation):
    make_user("resident@example.org")
    member = make_user("member@example.org")
    make_organisation(member, kind=OrganisationKind.SUPPLIER, name="Builders Ltd")
    with app.app_context():
        batch_id = imported(*merton()).id
    for email in ("resident@example.org", "member@example.org"):
        client = app.test_client()
        login(client, email)
        assert client.get("/officers/contracts/imports").status_code == 403
        assert client.get(f"/officers/contracts/imports/{batch_id}").status_code == 403
        response = post_form(client, f"/officers/contracts/imports/{batch_id}/undo", {}, form_url="/account")
        assert response.status_code == 403
    client = app.test_client()
    login(client, "officer@example.org")
    assert client.post(f"/officers/contracts/imports/{batch_id}/undo").status_code == 400  # no CSRF token
    assert client.get("/officers/contracts/imports/999999").status_code == 404
    with app.app_context():
        assert db.session.get(ImportBatch, batch_id).status == "applied"
        assert counts()[0] == 3


# The command line -------------------------------------------------------------------------------


def test_the_command_line_undoes_an_import_or_says_why_not(app, officer_id, runner):
    with app.app_context():
        batch_id = imported(*merton()).id
    answered_no = runner.invoke(args=["contracts", "undo-import", str(batch_id)], input="n\n")
    assert answered_no.exit_code == 1 and "Aborted" in answered_no.output
    with app.app_context():
        assert counts() == (3, 3)
    result = runner.invoke(args=["contracts", "undo-import", str(batch_id), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Undone: 3 contracts removed, 0 restored, 3 suppliers removed." in result.output
    again = runner.invoke(args=["contracts", "undo-import", str(batch_id), "--yes"])
    assert again.exit_code == 1 and "This import has already been undone." in again.output
    missing = runner.invoke(args=["contracts", "undo-import", "999999", "--yes"])
    assert missing.exit_code == 1 and "There is no import 999999." in missing.output
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.action == "contract_import.undone"))
        assert event.actor_id is None  # the command line


# In Welsh (issue 21) ------------------------------------------------------------------------------


@pytest.mark.parametrize("english, welsh", [
    (f"Contract {MERTON[0]}-1 now has 2 commitments, 1 pledge, 3 allocated deliveries.",
     f"Mae gan gontract {MERTON[0]}-1 2 ymrwymiad, 1 addewid, 3 cyflawniad wedi’u dyrannu erbyn hyn."),
    (f"Contract {MERTON[0]}-1 now has 1 commitment.", f"Mae gan gontract {MERTON[0]}-1 1 ymrwymiad erbyn hyn."),
    ("Supplier Marston's PLC has since been verified by an officer.",
     "Mae swyddog wedi dilysu’r cyflenwr Marston's PLC ers hynny."),
    ("Supplier Marston's PLC has since been rejected by an officer.",
     "Mae swyddog wedi gwrthod y cyflenwr Marston's PLC ers hynny."),
    ("Supplier Marston's PLC holds 7 contracts from another import or recorded by hand.",
     "Mae gan y cyflenwr Marston's PLC 7 o gontractau o fewnforio arall neu wedi’u cofnodi â llaw."),
    ("This import cannot be undone: Supplier Marston's PLC has pledges or stories now.",
     "Ni ellir dadwneud y mewnforio hwn: Mae gan y cyflenwr Marston's PLC addewidion neu straeon erbyn hyn."),
])
def test_each_reason_an_import_cannot_be_undone_is_in_welsh(app, english, welsh):
    from flask_babel import force_locale

    from brokerage.rule_messages import translate_rule_message

    with app.test_request_context("/"), force_locale("cy"):
        assert translate_rule_message(english) == welsh
    with app.test_request_context("/"), force_locale("en"):
        assert translate_rule_message(english) == english


def test_a_count_of_things_no_rule_names_is_left_as_it_is(app):
    from flask_babel import force_locale

    from brokerage.rule_messages import translate_rule_message

    with app.test_request_context("/"), force_locale("cy"):
        # "2 widgets" is not a count the rules make: the sentence is translated, the count kept.
        assert translate_rule_message("Contract X-1 now has 2 widgets.") == "Mae gan gontract X-1 2 widgets erbyn hyn."


def test_a_refused_undo_says_why_in_welsh(app, officer_id):
    with app.app_context():
        batch = imported(*merton())
        supplier = contract_of(MERTON[0]).supplier
        verify_organisation(supplier, officer())
        db.session.commit()
        batch_id, name = batch.id, supplier.name
    client = app.test_client()
    login(client, "officer@example.org")
    client.set_cookie("language", "cy")
    page = client.get(f"/officers/contracts/imports/{batch_id}").get_data(as_text=True)
    assert f"Mae swyddog wedi dilysu’r cyflenwr {name} ers hynny." in page.replace("&#39;", "'")
    assert "has since been verified" not in page
    response = post_form(client, f"/officers/contracts/imports/{batch_id}/undo", {},
                         form_url=f"/officers/contracts/imports/{batch_id}")
    assert response.status_code == 409
    text = response.get_data(as_text=True).replace("&#39;", "'")
    assert f"Ni ellir dadwneud y mewnforio hwn: Mae swyddog wedi dilysu’r cyflenwr {name} ers hynny." in text
    assert "cannot be undone" not in text
