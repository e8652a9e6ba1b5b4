"""The audit trail of a subject (models.core.events.events_for): newest first, with who
did it, only that subject's events, several subjects at once (a contract with its
commitments), and at most `limit`."""

from __future__ import annotations

from models import Role, User, db, record_event
from models.core.tasks import Task


def _task(task_id: str) -> Task:
    task = Task(id=task_id, name="wards_import", description="Wards")
    db.session.add(task)
    return task


def test_events_for_one_subject_or_several_newest_first(app, make_user):
    from models.core.events import events_for

    officer_id = make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    with app.app_context():
        officer = db.session.get(User, officer_id)
        first, second, other = _task("a1"), _task("b2"), _task("c3")
        record_event("wards_import.started", first, actor=officer, to_state="queued")
        record_event("wards_import.started", second, actor=officer, to_state="queued")
        record_event("wards_import.finished", first, to_state="finished")
        record_event("wards_import.started", other, to_state="queued")
        record_event("user.changed", officer, actor=officer)  # a subject in another table
        db.session.commit()

        assert [(e.action, e.subject_id, e.actor_label) for e in events_for(first)] == [
            ("wards_import.finished", "a1", "System or deleted account"),
            ("wards_import.started", "a1", "Oona Officer"),
        ]
        assert [(e.action, e.subject_id) for e in events_for(first, second)] == [
            ("wards_import.finished", "a1"), ("wards_import.started", "b2"), ("wards_import.started", "a1"),
        ]
        mixed = [(e.subject_type, e.action) for e in events_for(officer, other)]
        assert mixed[:2] == [("users", "user.changed"), ("tasks", "wards_import.started")]
        assert {subject_type for subject_type, _ in mixed} == {"users", "tasks"}
        assert ("tasks", "wards_import.finished") not in mixed  # the first task's
        assert [e.subject_id for e in events_for(first, second, limit=2)] == ["a1", "b2"]
        assert events_for() == []


def test_a_contract_page_shows_its_commitments_history_too(app, client, make_user, make_organisation):
    from datetime import date, timedelta

    from sqlalchemy import select

    from models import OrganisationKind
    from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
    from models.places.themes import Measure, seed_themes
    from tests.factories import login

    officer_id = make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    seller = make_user("seller@example.org", "Sid Seller")
    supplier = make_organisation(seller, kind=OrganisationKind.SUPPLIER, name="Builders Ltd", officer_id=officer_id)
    with app.app_context():
        seed_themes()
        officer = db.session.get(User, officer_id)
        measure_id = db.session.scalar(select(Measure.id).where(Measure.name == "Employee volunteering hours"))
        contract = record_contract(ContractDetails("BRENT-7", "Cleaning", None, supplier, 500_000_00, None, None), officer)
        other = record_contract(ContractDetails("BRENT-8", "Parks", None, supplier, 500_000_00, None, None), officer)
        add_commitment(contract, db.session.get(User, seller), CommitmentDetails(measure_id, 40, date.today() + timedelta(days=90)))
        add_commitment(other, officer, CommitmentDetails(measure_id, 10, date.today() + timedelta(days=90)))
        db.session.commit()
        contract_id = contract.id
    login(client, "officer@example.org")
    page = client.get(f"/officers/contracts/{contract_id}").get_data(as_text=True)
    assert "Oona Officer recorded the contract “Cleaning”" in page
    assert "Builders Ltd proposed a commitment under contract BRENT-7" in page
    assert "BRENT-8" not in page  # the other contract's commitment
