"""Bad input gets an answer, never a server error: a NUL byte anywhere in a request's
values is refused with a 400 before any page (or download) starts, and a form posted
without its date field gets the message beside the field, with the rest of what the
person typed kept."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import Contract, Need, Round, db
from models.contracts.models import Commitment
from tests import factories
from tests.factories import csrf_token, login
from tests.factories import OpenDataBorough as World

@pytest.fixture
def world(app, places) -> World:
    return factories.open_data_borough(app)

NUL = "\x00"
# Every page that reads a query string, with every argument it reads.
PAGES_WITH_ARGS = [
    "/needs?q={v}&ward={v}&theme={v}&kind={v}&status={v}&sort={v}&open={v}&page={v}",
    "/needs/near?postcode={v}",
    "/postcode?postcode={v}",
    "/rounds?ward={v}",
    "/ledger?ward={v}&theme={v}&supplier={v}&kind={v}&year={v}",
    "/ledger.csv?ward={v}&theme={v}",
    "/open-data/360giving.json?ward={v}&theme={v}",
    "/open-data/360giving.csv?ward={v}",
    "/stories?page={v}",
    "/api/v1/needs?ward={v}",
    "/sign-in?next={v}",
]
OFFICER_PAGES_WITH_ARGS = [
    "/officers/audit?action={v}",
    "/officers/organisations?status={v}",
    "/officers/outbox?status={v}",
    "/officers/contracts?supplier={v}&tier={v}",
]


def read(response) -> str:
    """The whole body (a streamed download too), with the response closed."""
    try:
        return response.get_data(as_text=True)
    finally:
        response.close()


def signed_in(app, email: str):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def test_a_nul_byte_in_the_query_string_is_refused_with_a_400(client, world: World):
    for page in PAGES_WITH_ARGS:
        response = client.get(page.format(v=f"{world.harlesden}%00"))
        body = read(response)
        assert response.status_code == 400, page
        if response.mimetype == "application/json":
            assert json.loads(body)["error"] == "Sorry, there is a problem with the request"
        else:
            assert "a character that cannot be used" in body and "\x00" not in body
        # The same page without it answers.
        fine = client.get(page.format(v=world.harlesden))
        read(fine)
        assert fine.status_code in (200, 302), page


def test_a_nul_byte_on_an_officer_page_is_refused_with_a_400(app, world: World):
    officer = signed_in(app, "officer@example.org")
    for page in OFFICER_PAGES_WITH_ARGS:
        refused = officer.get(page.format(v="x%00y"))
        read(refused)
        assert refused.status_code == 400, page
        assert officer.get(page.format(v="xy")).status_code == 200, page


def test_the_360giving_file_with_a_nul_byte_is_a_400_and_never_a_broken_200(client, world: World):
    response = client.get(f"/open-data/360giving.json?ward={world.harlesden}%00")
    read(response)
    assert response.status_code == 400
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    # Without it, the same file is whole JSON.
    whole = client.get(f"/open-data/360giving.json?ward={world.harlesden}")
    assert whole.status_code == 200
    assert json.loads(read(whole))["grants"]


def test_a_nul_byte_in_the_path_is_refused_with_a_400(client, world: World):
    for path in ("/wards/E050%00", "/api/v1/wards/E050%00", "/unsubscribe/abc%00def"):
        assert client.get(path).status_code == 400, path


def test_a_nul_byte_in_a_posted_form_value_or_name_is_refused_and_nothing_is_saved(app, world: World):
    owner = signed_in(app, "owner@example.org")
    url = f"/groups/{world.hub}/needs/new"
    token = csrf_token(owner, url)
    for data in ({"title": "Tea\x00urn"}, {"ti\x00tle": "Tea urn"}):
        response = owner.post(url, data={"csrf_token": token, **NEED, **data, "deadline": DEADLINE})
        assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Need).where(Need.title.like("Tea%"))) == 0


def test_a_nul_byte_in_an_uploaded_file_name_is_refused(app, world: World):
    owner = signed_in(app, "owner@example.org")
    url = f"/groups/{world.hub}/needs/new"
    token = csrf_token(owner, url)
    response = owner.post(
        url,
        data={"csrf_token": token, **NEED, "deadline": DEADLINE, "photo": (io.BytesIO(b"x"), "a\x00.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


# A POST without its date field -------------------------------------------------------

IN_A_MONTH = date.today() + timedelta(days=30)
DEADLINE = [str(IN_A_MONTH.day), str(IN_A_MONTH.month), str(IN_A_MONTH.year)]
NEED = {
    "title": "Tea urn for the lunch club",
    "summary": "A big urn, for 60 cups.",
    "description": "",
    "kind": "goods",
    "quantity": "1",
    "unit": "urns",
    "value": "120",
    "ward_id": "0",
    "theme_id": "-1",
    "beneficiaries": "60",
    "save": "Save as draft",
}


def field_error(page: str, message: str) -> bool:
    """The GOV.UK error message beside a field (and in the summary at the top)."""
    text = html.unescape(page)
    return bool(re.search(r'govuk-error-message">\s*<span class="govuk-visually-hidden">Error:</span>\s*' + re.escape(message), text))


def theme_id(app) -> str:
    from models import Theme

    with app.app_context():
        return str(db.session.scalar(select(Theme.id).order_by(Theme.position)))


def test_a_need_posted_without_its_deadline_gets_a_field_error_and_keeps_the_rest(app, world: World):
    owner = signed_in(app, "owner@example.org")
    url = f"/groups/{world.hub}/needs/new"
    response = owner.post(url, data={"csrf_token": csrf_token(owner, url), **NEED, "theme_id": theme_id(app)})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "Enter a real deadline, with a day, month and year")
    assert 'value="Tea urn for the lunch club"' in page and 'value="urns"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Need).where(Need.title.like("Tea%"))) == 0


def test_a_commitment_proposed_without_its_due_date_gets_a_field_error(app, world: World):
    supplier = signed_in(app, "supplier1@example.org")
    url = f"/suppliers/contracts/{world.contract}/commitments/new"
    with app.app_context():
        measure_id = db.session.get(Commitment, world.hours).measure_id
        before = db.session.scalar(select(func.count()).select_from(Commitment))
    response = supplier.post(
        url,
        data={"csrf_token": csrf_token(supplier, url), "measure_id": str(measure_id), "target_quantity": "250",
              "description": "Mentoring for school leavers"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "Enter a real due date, with a day, month and year")
    assert 'value="250"' in page and "Mentoring for school leavers" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Commitment)) == before


ROUND = {
    "title": "Harlesden priorities 2027",
    "description": "Choose what matters.",
    "ward_id": "borough",
    "budget": "10,000",
    "opens_time": "09:00",
    "closes_time": "17:00",
    "method": "approval",
    "max_choices": "3",
    "rule": "greedy",
}


@pytest.mark.parametrize(
    "left_out, message",
    [("opens_on", "Enter the date voting opens"), ("closes_on", "Enter the date voting closes")],
)
def test_a_round_posted_without_a_date_field_gets_a_field_error(app, world: World, left_out, message):
    officer = signed_in(app, "officer@example.org")
    url = "/officers/rounds/new"
    dates = {"opens_on": ["1", "3", "2031"], "closes_on": ["31", "3", "2031"]}
    del dates[left_out]
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Round))
    response = officer.post(url, data={"csrf_token": csrf_token(officer, url), **ROUND, **dates})
    assert response.status_code == 400  # the round form answers 400 with its errors
    page = response.get_data(as_text=True)
    assert field_error(page, message)
    assert 'value="Harlesden priorities 2027"' in page and 'value="10,000"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round)) == before


def supplier_choice(app, world: World) -> str:
    return str(world.builders)


def test_a_contract_posted_without_its_optional_dates_and_a_bad_value_shows_the_value_error(app, world: World):
    officer = signed_in(app, "officer@example.org")
    url = "/officers/contracts/new"
    data = {"reference": "BRENT-NEW-9", "title": "Grounds maintenance", "buyer_department": "",
            "supplier_id": supplier_choice(app, world), "value": "lots"}
    response = officer.post(url, data={"csrf_token": csrf_token(officer, url), **data})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "Enter the amount in pounds, like 250000 or 250,000.50")
    assert 'value="BRENT-NEW-9"' in page and 'value="lots"' in page


def test_a_contract_posted_without_its_optional_dates_is_recorded_without_them(app, world: World):
    officer = signed_in(app, "officer@example.org")
    url = "/officers/contracts/new"
    data = {"reference": "BRENT-NEW-10", "title": "Grounds maintenance", "buyer_department": "",
            "supplier_id": supplier_choice(app, world), "value": "300,000"}
    response = officer.post(url, data={"csrf_token": csrf_token(officer, url), **data})
    assert response.status_code == 302
    with app.app_context():
        contract = db.session.scalar(select(Contract).where(Contract.reference == "BRENT-NEW-10"))
        assert contract.start_date is None and contract.end_date is None
