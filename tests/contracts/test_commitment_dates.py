"""A commitment is due while its contract runs: not before the contract starts, nor after
it ends when it has an end date (models.contracts.rules.due_date_problem). Officers adding
one and suppliers proposing one get the reason beside the due date, with what they typed
kept, and nothing is saved."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from models import Commitment, Contract, DomainError, Measure, OrganisationKind, Role, User, db
from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
from models.places.themes import seed_themes
from tests.factories import login, post_form

STARTS, ENDS = date(2025, 4, 1), date(2027, 3, 31)
BEFORE_START = "The due date must be on or after 1 April 2025, when the contract starts"
AFTER_END = "The due date must be on or before 31 March 2027, when the contract ends"


@pytest.fixture
def contracts(app, make_user, make_organisation):
    """A verified supplier with a member, holding a contract that runs from 1 April 2025 to
    31 March 2027, one that has only a start date and one with no dates."""
    with app.app_context():
        seed_themes()
        db.session.commit()
    officer = make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    member = make_user("supplier@example.org", "Sid Supplier")
    supplier = make_organisation(member, OrganisationKind.SUPPLIER, name="Builders Ltd", officer_id=officer)
    with app.app_context():
        officer_user = db.session.get(User, officer)
        ids = {
            key: record_contract(ContractDetails(reference, "Highways maintenance", None, supplier, 2_500_000_00, start, end),
                                 officer_user).id
            for key, reference, start, end in (
                ("dated", "BRENT-2025-0001", STARTS, ENDS),
                ("open_ended", "BRENT-2025-0002", STARTS, None),
                ("undated", "BRENT-2025-0003", None, None),
            )
        }
        measure = db.session.scalar(select(Measure.id).where(Measure.name == "Community investment"))
        db.session.commit()
    return {"officer": officer, "member": member, "measure": measure, **ids}


def signed_in(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def form(contracts, due: date) -> dict:
    return {
        "measure_id": str(contracts["measure"]),
        "target_quantity": "1234",
        "due_date": [str(due.day), str(due.month), str(due.year)],
        "description": "Investment in youth projects",
    }


def field_error(page: str, message: str) -> bool:
    """The message sits in a GOV.UK error message beside its field (not only in a banner)."""
    return bool(re.search(r'class="govuk-error-message"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span>\s*'
                          + re.escape(message), page))


def commitments(app) -> list[tuple[int, date, str]]:
    with app.app_context():
        return [(c.contract_id, c.due_date, c.state) for c in db.session.scalars(select(Commitment).order_by(Commitment.id))]


URLS = {
    "officer": ("officer@example.org", "/officers/contracts/{}/commitments/new", "approved"),
    "supplier": ("supplier@example.org", "/suppliers/contracts/{}/commitments/new", "proposed"),
}


@pytest.mark.parametrize("who", sorted(URLS))
@pytest.mark.parametrize(("due", "message"), [
    (date(2025, 3, 31), BEFORE_START),
    (date(2024, 12, 1), BEFORE_START),
    (date(2027, 4, 1), AFTER_END),
])
def test_a_due_date_outside_the_contract_is_refused_beside_the_field(app, contracts, who, due, message):
    email, url, _ = URLS[who]
    client = signed_in(app, email)
    response = post_form(client, url.format(contracts["dated"]), form(contracts, due))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(page, message)
    assert 'href="#due_date' in page  # the error summary leads to the field
    assert 'value="1234"' in page and "Investment in youth projects" in page  # what was typed is kept
    assert f'value="{due.year}"' in page
    assert commitments(app) == []


@pytest.mark.parametrize("who", sorted(URLS))
def test_a_due_date_while_the_contract_runs_is_accepted_up_to_both_ends(app, contracts, who):
    email, url, state = URLS[who]
    client = signed_in(app, email)
    for due in (STARTS, ENDS):
        response = post_form(client, url.format(contracts["dated"]), form(contracts, due))
        assert response.status_code == 302, response.get_data(as_text=True)
    assert commitments(app) == [(contracts["dated"], STARTS, state), (contracts["dated"], ENDS, state)]


def test_the_form_says_when_the_contract_runs(app, contracts):
    client = signed_in(app, "officer@example.org")
    page = client.get(f"/officers/contracts/{contracts['dated']}/commitments/new").get_data(as_text=True)
    assert "When it must be delivered by: between 1 April 2025 and 31 March 2027, while the contract runs. For example, 31 3 2027" in page
    page = client.get(f"/officers/contracts/{contracts['undated']}/commitments/new").get_data(as_text=True)
    assert "When it must be delivered by. For example" in page


def test_a_contract_without_an_end_date_bounds_only_the_start_and_one_without_dates_nothing(app, contracts):
    with app.app_context():
        officer = db.session.get(User, contracts["officer"])
        open_ended = db.session.get(Contract, contracts["open_ended"])
        with pytest.raises(DomainError) as refused:
            add_commitment(open_ended, officer, CommitmentDetails(contracts["measure"], 10, date(2025, 3, 31)))
        assert (refused.value.field, refused.value.message) == ("due_date", BEFORE_START)
        add_commitment(open_ended, officer, CommitmentDetails(contracts["measure"], 10, date(2045, 3, 31)))
        add_commitment(db.session.get(Contract, contracts["undated"]), officer,
                       CommitmentDetails(contracts["measure"], 10, date(2001, 1, 1)))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Commitment)) == 2
