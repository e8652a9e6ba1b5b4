"""Every response of the API (/api/v1/) checked against its OpenAPI document by tools
that are not ours: openapi-spec-validator checks the document itself, and openapi-core
checks each request and its response (status, content type, and the body against the
operation's schema, formats included).

Schemathesis (tests/test_api_schemathesis.py) samples a dozen generated requests per
operation, so it can miss the one item that breaks the document. Here nothing is
sampled: starting from the index, the test walks every list to its last page, follows
every item to its own endpoint, and asks for each error the document promises, on a
borough with something of everything (tests/factories.py `open_data_borough`) plus what that world
lacks: a settled commitment and a borough-wide round."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_spec_validator import validate as validate_document
from sqlalchemy import select

from models import Commitment, Contract, Round, User, db, utcnow
from models.contracts.rules import CommitmentDetails, add_commitment, settle_commitment
from models.places.themes import Measure
from models.voting.setup import RoundFields, add_item_option, create_round, open_round
from tests import factories
from tests.factories import OpenDataBorough as World

API = "/api/v1"
HOST = "http://localhost"

@pytest.fixture
def world(app, places) -> World:
    return factories.open_data_borough(app)


@pytest.fixture
def borough(app, world: World) -> World:
    """The world, plus a commitment settled by a payment into the Social Value Fund and
    an open borough-wide round (no ward), as the demo and real use have."""
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
        contract = db.session.get(Contract, world.contract)
        placements = db.session.scalar(select(Measure).where(Measure.name == "Work placement hours"))
        today = date.today()
        lapsed = add_commitment(contract, officer, CommitmentDetails(placements.id, 50, today - timedelta(days=30)))
        settle_commitment(lapsed, officer, "fund_payment", today, fund_payment_pence=2_500_00)
        now = utcnow()
        fields = RoundFields(
            title="Borough-wide round", description="For the whole borough.", ward_id=None, budget_pence=5_000_00,
            opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7), method="knapsack",
            max_choices=None, min_spend_percent=None, rule="equal-shares-add1",
        )
        made = create_round(officer, fields)
        add_item_option(made, officer, "Tree planting", "Trees on every high street", 3_000_00)
        add_item_option(made, officer, "Library hours", "Longer opening on Saturdays", 2_500_00)
        open_round(made, officer, now)
        db.session.commit()
        assert db.session.get(Commitment, lapsed.id).settlement == "fund_payment"
        assert db.session.get(Round, made.id).ward_id is None
    return world


class Checker:
    """Sends GETs to the app and checks each request and response with openapi-core."""

    def __init__(self, client, document: dict):
        self.client = client
        self.openapi = OpenAPI.from_dict(document)
        self.templates = {
            path: re.compile("^" + API + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$")
            for path in document["paths"]
        }
        self.seen: dict[str, set[int]] = {}  # path template: the statuses it answered

    def get(self, url: str, status: int = 200):
        response = self.client.get(url.removeprefix(HOST))
        assert response.status_code == status, (url, response.get_data(as_text=True))
        request = WerkzeugOpenAPIRequest(response.request)
        for check in (lambda: self.openapi.validate_request(request),
                      lambda: self.openapi.validate_response(request, WerkzeugOpenAPIResponse(response))):
            try:
                check()
            except Exception as error:  # openapi-core's errors name the rule; their causes hold the schema errors
                raise AssertionError(f"{url} ({response.status_code}): {describe(error)}") from error
        path = next(template for template, pattern in self.templates.items() if pattern.match(response.request.path))
        self.seen.setdefault(path, set()).add(response.status_code)
        return response.get_json()


def describe(error: BaseException) -> str:
    """openapi-core's error and what it wraps, down to each schema error with its place."""
    parts, cause = [], error
    while cause is not None:
        parts.append(f"{type(cause).__name__}: {str(cause)[:200]}")
        for schema_error in getattr(cause, "schema_errors", ()):
            parts.append(f"  at {list(schema_error.absolute_path)}: {schema_error.message}")
        cause = cause.__cause__
    return "\n".join(parts)


def is_list(operation: dict) -> bool:
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return schema.get("$ref", "").endswith(("Page", "List"))


def test_the_openapi_document_is_valid_openapi_3_1(client, borough: World):
    document = client.get(f"{API}/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    validate_document(document)  # openapi-spec-validator: raises on an invalid document


def test_every_response_of_every_list_and_item_matches_the_document(client, borough: World):
    document = client.get(f"{API}/openapi.json").get_json()
    checker = Checker(client, document)
    start = checker.get(f"{API}/")
    assert checker.get(start["openapi"]) == document
    # the one object that is neither a list nor an item: the Social Value Fund (the payment in lieu came in)
    assert checker.get(f"{API}/fund")["by_source"] == {"payment_in_lieu": 2_500_00}

    walked: dict[str, list[dict]] = {}
    for path, operation in document["paths"].items():
        operation = operation["get"]
        if "{" in path or not is_list(operation):
            continue
        paginated = any(parameter.get("$ref", "").endswith("/per_page") for parameter in operation["parameters"])
        url, items, pages = f"{API}{path}" + ("?per_page=1" if paginated else ""), [], 0
        while url:
            found = checker.get(url)
            items += found["items"]
            pages += 1
            url = found.get("next")
        if paginated:
            assert len(items) == found["total"] == pages, path  # one item a page, to the last
        walked[path] = items

    details = 0
    for path, items in walked.items():
        assert items, f"{path} listed nothing: the walk would check no item"
        for item in items:
            if "api_url" in item:  # the item's own endpoint
                checker.get(item["api_url"])
                details += 1
    assert details == sum(len(walked[path]) for path in ("/needs", "/wards", "/rounds", "/suppliers"))

    # what makes the document's difference: null and non-null settlements, a round with no ward
    builders = checker.get(f"{API}/suppliers/{borough.builders}")
    assert {line["settlement"] for line in builders["commitments"]} == {None, "fund_payment"}
    assert any(item["ward"] is None for item in walked["/rounds"])

    # the errors the document promises: 400 on every operation, 404 on every one with a path parameter
    missing = {"need_id": "2147483647", "round_id": "2147483647", "supplier_id": "2147483647", "code": "E05999999"}
    for path, operation in document["paths"].items():
        concrete = re.sub(r"\{(\w+)\}", lambda match: missing[match.group(1)], path)
        assert "400" in operation["get"]["responses"], path
        checker.get(f"{API}{concrete}?colour=red", status=400)
        if "{" in path:
            checker.get(f"{API}{concrete}", status=404)

    assert set(checker.seen) == set(document["paths"])  # every operation was walked
    for path, statuses in checker.seen.items():
        assert statuses == {int(code) for code in document["paths"][path]["get"]["responses"]}, path


def test_a_response_that_breaks_the_document_is_caught(client, borough: World):
    """The checker is not a rubber stamp: a body its schema refuses fails the walk."""
    document = client.get(f"{API}/openapi.json").get_json()
    strict = {**document, "components": {**document["components"], "schemas": {
        **document["components"]["schemas"],
        "Theme": {**document["components"]["schemas"]["Theme"], "properties": {
            **document["components"]["schemas"]["Theme"]["properties"], "slug": {"type": "integer"}}},
    }}}
    with pytest.raises(AssertionError, match=r"/api/v1/themes \(200\)"):
        Checker(client, strict).get(f"{API}/themes")
