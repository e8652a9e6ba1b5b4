"""The API's OpenAPI 3.1 document, written by hand beside the routes it describes.
tests/test_api_schemathesis.py checks every response against it, so a change to a
route's output that is not made here too fails the tests."""

from __future__ import annotations

from typing import Any

from flask import current_app

from brokerage.api.params import DEFAULT_PER_PAGE, MAX_PER_PAGE
from brokerage.pagination import COUNT_CAP, MAX_PAGE
from models.contracts.agreements import KINDS as AGREEMENT_KINDS
from models.fund.ledger import SOURCES as FUND_SOURCES
from models.voting.models import RULE_LABELS
from models.places.themes import NeedKind

PUBLIC_NEED_STATUSES = ["published", "fully_pledged", "delivered", "closed", "expired"]
ROUND_STATES = ["open", "closed", "published"]
WARD_PATTERN = "^[EWSN]05[0-9]{6}$"
# A `next` link's cursor: the last item's time in microseconds since 1970 (UTC) and its id,
# as brokerage.pagination.Keyset writes them; every string of this pattern is one it reads.
CURSOR_PATTERN = "^[0-9]{1,17}_[1-9][0-9]{0,17}$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _null(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, or null. An `enum` lists every allowed value, so null joins it too."""
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    nullable = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object with exactly these properties, all required but the optional ones."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def _page(item: str) -> dict[str, Any]:
    link = _null({"type": "string", "format": "uri"})
    return _object({
        "items": {"type": "array", "items": _ref(item)},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "total": {"type": "integer", "minimum": 0, "description": "How many items match (at least, when total_capped)."},
        "total_capped": {
            "type": "boolean",
            "description": f"True when there are more than {COUNT_CAP:,} items: counting stops there, and total says {COUNT_CAP:,}.",
        },
        "next": {**link, "description": "The next page, or null on the last page. Follow it rather than building page numbers: "
                 "on lists in newest-first order it carries an `after` cursor, so deep pages cost what the first does."},
        "previous": {**link, "description": "The previous page, or null on the first."},
    })


def _list(item: str) -> dict[str, Any]:
    return _object({"items": {"type": "array", "items": _ref(item)}})


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
PENCE = {"type": "integer", "minimum": 0, "description": "Money in pence (the currency's minor unit)."}
DAY = {"type": "string", "format": "date"}
MOMENT = {"type": "string", "format": "date-time"}
URL = {"type": "string", "format": "uri"}
KINDS = [kind.value for kind in NeedKind]

SCHEMAS: dict[str, Any] = {
    "Error": _object({"error": STRING, "detail": _null(STRING)}),
    "WardRef": _object({"code": {"type": "string", "pattern": WARD_PATTERN}, "name": STRING}),
    "OrganisationRef": _object({"id": INTEGER, "name": STRING}),
    "ThemeRef": _object({"slug": STRING, "name": STRING}),
    "Theme": _object({"slug": STRING, "name": STRING, "description": STRING}),
    "ThemeList": _list("Theme"),
    "Need": _object({
        "id": INTEGER,
        "title": STRING,
        "summary": STRING,
        "kind": {"type": "string", "enum": KINDS},
        "status": {"type": "string", "enum": PUBLIC_NEED_STATUSES},
        "quantity": {"type": "integer", "minimum": 1},
        "unit": STRING,
        "value_pence": PENCE,
        "pledged_quantity": COUNT,
        "delivered_quantity": COUNT,
        "remaining_quantity": COUNT,
        "beneficiaries": COUNT,
        "deadline": DAY,
        "published_at": _null(MOMENT),
        "ward": _null(_ref("WardRef")),
        "theme": _ref("ThemeRef"),
        "organisation": _ref("OrganisationRef"),
        "url": URL,
        "api_url": URL,
        "description_markdown": {"type": "string", "description": "Only on a single need: its description, in Markdown."},
    }, optional=("description_markdown",)),
    "NeedPage": _page("Need"),
    "Ward": _object({
        "code": {"type": "string", "pattern": WARD_PATTERN},
        "name": STRING,
        "lad_code": _null(STRING),
        "url": URL,
        "api_url": URL,
        "counts": _object({
            "open_needs": COUNT,
            "public_needs": COUNT,
            "confirmed_deliveries": COUNT,
            "delivered_value_pence": PENCE,
            "rounds": COUNT,
            "organisations": COUNT,
        }),
        "indicators": {
            "type": "array",
            "description": "Only on a single ward: the local indicators the council imported for it (such as the "
                           "Social Progress Index), by indicator, newest year first.",
            "items": _object({
                "indicator": STRING,
                "year": INTEGER,
                "value": {"type": "number"},
                "source": STRING,
            }),
        },
    }, optional=("counts", "indicators")),
    "WardList": _list("Ward"),
    "Round": _object({
        "id": INTEGER,
        "title": STRING,
        "ward": _null(_ref("WardRef")),
        "area": STRING,
        "state": {"type": "string", "enum": ROUND_STATES},
        "method": {"type": "string", "enum": ["approval", "knapsack"]},
        "max_choices": _null(INTEGER),
        "rule": {"type": "string", "enum": list(RULE_LABELS)},
        "budget_pence": PENCE,
        "currency": STRING,
        "opens_at": MOMENT,
        "closes_at": MOMENT,
        "url": URL,
        "api_url": URL,
        "description": STRING,
        "options": {"type": "array", "items": _ref("Option")},
        "results": _object({
            "published_at": _null(MOMENT),
            "spent_pence": PENCE,
            "turnout": _object({"online": COUNT, "paper": COUNT, "imported": COUNT, "total": COUNT}),
        }),
    }, optional=("description", "options", "results")),
    "Option": _object({
        "position": INTEGER,
        "title": STRING,
        "description": STRING,
        "group": _null(STRING),
        "cost_pence": PENCE,
        "need_id": _null(INTEGER),
        "votes": {**COUNT, "description": "Only once the results are published."},
        "rank": _null({**INTEGER, "description": "Only once the results are published: 1 had the most votes."}),
        "selected": {"type": "boolean", "description": "Only once the results are published: funded under the official rule."},
    }, optional=("votes", "rank", "selected")),
    "RoundPage": _page("Round"),
    "Delivery": _object({
        "id": INTEGER,
        "confirmed_at": MOMENT,
        "supplier": _ref("OrganisationRef"),
        "source": {"type": "string", "enum": ["supplier", "fund"], "description": "A supplier's pledge, or the council "
                   "funding the need from its Social Value Fund (the supplier is then the council's own organisation)."},
        "group": _ref("OrganisationRef"),
        "need": _object({"id": INTEGER, "title": STRING, "url": _null(URL)}),
        "ward": _null(_ref("WardRef")),
        "theme": _ref("ThemeRef"),
        "kind": {"type": "string", "enum": KINDS},
        "quantity": {"type": "integer", "minimum": 1},
        "unit": STRING,
        "value_pence": PENCE,
    }),
    "DeliveryPage": {
        **_page("Delivery"),
        "properties": {**_page("Delivery")["properties"], "total_value_pence": PENCE},
        "required": _page("Delivery")["required"] + ["total_value_pence"],
    },
    "Supplier": _object({
        "id": INTEGER,
        "name": STRING,
        "company_number": _null(STRING),
        "size_band": _null({"type": "string", "enum": ["micro", "small", "medium", "large"]}),
        "based_in_borough": {"type": "boolean"},
        "confirmed_deliveries": COUNT,
        "delivered_value_pence": PENCE,
        "url": URL,
        "api_url": URL,
        "contracts": {"type": "array", "items": _ref("Contract")},
        "commitments": {"type": "array", "items": _ref("Commitment")},
        "totals": _object({
            "contracts_value_pence": PENCE,
            "committed_value_pence": PENCE,
            "commitments_delivered_value_pence": PENCE,
            "commitments_by_status": _object({status: COUNT for status in ("on_track", "at_risk", "met", "unmet")}),
        }),
        "kpi_ratings": {
            "type": "array",
            "description": "Each KPI's rating for a 12-month year of its contract (Procurement Act 2023), only once "
                           "a council officer confirmed it, with the officer's explanation (empty when the rating "
                           "proposed from the figures was confirmed as it was).",
            "items": _object({
                "contract_reference": STRING,
                "kpi": STRING,
                "unit": STRING,
                "year_start": DAY,
                "year_end": DAY,
                "rating": {"type": "string", "enum": ["good", "approaching_target", "requires_improvement", "inadequate",
                                                      "other"]},
                "explanation": STRING,
                "delivered": COUNT,
                "pro_rata_target": COUNT,
            }),
        },
    }, optional=("contracts", "commitments", "totals", "kpi_ratings")),
    "SupplierPage": _page("Supplier"),
    "Contract": _object({
        "id": INTEGER,
        "reference": STRING,
        "title": STRING,
        "source": {"type": "string", "enum": list(AGREEMENT_KINDS), "description": "The kind of agreement: contract, "
                   "planning_obligation, grant, asset_transfer, employment or investment."},
        "value_pence": PENCE,
        "start_date": _null(DAY),
        "end_date": _null(DAY),
    }),
    "Commitment": _object({
        "id": INTEGER,
        "contract_id": INTEGER,
        "measure": STRING,
        "theme": STRING,
        "unit": STRING,
        "description": STRING,
        "target_quantity": {"type": "integer", "minimum": 1},
        "delivered_quantity": COUNT,
        "delivered_through_pledges": COUNT,
        "delivered_through_returns": COUNT,
        "due_date": DAY,
        "status": {"type": "string", "enum": ["on_track", "at_risk", "met", "unmet"]},
        "target_value_pence": _null(PENCE),
        "delivered_value_pence": _null(PENCE),
        "settlement": _null({"type": "string", "enum": ["fund_payment", "credit"]}),
    }),
    "FundBySource": {
        "type": "object",
        "description": "Money by source, in pence: in (payment_in_lieu, section_106) and out (ward_vote, need); "
                       "a source with no money is left out.",
        "properties": {source: PENCE for source in FUND_SOURCES},
        "additionalProperties": False,
    },
    "Fund": _object({
        "balance_pence": PENCE,
        "in_pence": PENCE,
        "out_pence": PENCE,
        "by_source": _ref("FundBySource"),
        "financial_years": {"type": "array", "description": "Oldest first; only years in which money moved.", "items": _object({
            "start": {"type": "integer", "description": "The financial year (April to March), named by the year it starts."},
            "label": STRING,
            "in_pence": PENCE,
            "out_pence": PENCE,
            "by_source": _ref("FundBySource"),
            "balance_at_end_pence": PENCE,
        })},
    }),
    "FundEntry": _object({
        "id": INTEGER,
        "date": MOMENT,
        "financial_year": _object({"start": INTEGER, "label": STRING}),
        "direction": {"type": "string", "enum": ["in", "out"]},
        "source": {"type": "string", "enum": list(FUND_SOURCES)},
        "source_description": STRING,
        "amount_pence": {**PENCE, "minimum": 1},
        "agreement": _null(_object({
            "reference": STRING, "kind": {"type": "string", "enum": list(AGREEMENT_KINDS)}, "holder": _null(STRING),
        })),
        "section_106": _null(_object({"agreement": STRING, "purpose": _null(STRING)})),
        "ward_vote": _null(_object({
            "id": _null({**INTEGER, "description": "Null while the vote is a draft (its title is then not published)."}),
            "title": STRING, "ward": _null(_ref("WardRef")),
        })),
        "need": _null(_object({
            "id": _null(INTEGER), "title": STRING, "url": _null(URL), "group": _null(STRING),
            "ward": _null(_ref("WardRef")),
            "grant_id": _null({"type": "string", "description": "The need's 360Giving grant from the council."}),
        })),
    }, optional=("agreement", "section_106", "ward_vote", "need")),
    "FundEntryPage": _page("FundEntry"),
    "Index": _object({"openapi": URL, "documentation": URL}),
}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PARAMETERS = {
    "page": _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Which page, from 1."),
    "per_page": _query(
        "per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
        f"How many items a page holds (at most {MAX_PER_PAGE}).",
    ),
    "after": _query(
        "after", {"type": "string", "maxLength": 80, "pattern": CURSOR_PATTERN},
        "Where the page starts: the cursor a `next` link carries (the last item of the page before).",
    ),
    "area": _query(
        "ward", {"type": "string", "pattern": "^([EWSN]05[0-9]{6}|borough)$"},
        "A ward's GSS code, or `borough` for borough-wide needs.",
    ),
    "ward": _query("ward", {"type": "string", "pattern": WARD_PATTERN}, "A ward's GSS code."),
    "theme": _query(
        "theme", {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 80},
        "A priority theme's slug (see /themes).",
    ),
    "kind": _query("kind", {"type": "string", "enum": KINDS}, "The kind of help."),
    "supplier": _query("supplier", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "A supplier's id."),
    "year": _query(
        "year", {"type": "integer", "minimum": 2000, "maximum": 2100},
        "A UK financial year (April to March), named by the year it starts.",
    ),
    "state": _query("state", {"type": "string", "enum": ROUND_STATES}, "Only rounds in this state."),
}


def _params(*names: str) -> list[dict[str, str]]:
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


def _path(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


def _get(summary: str, description: str, result: str | dict, parameters: list, errors: tuple[int, ...]) -> dict[str, Any]:
    schema = _ref(result) if isinstance(result, str) else result
    responses: dict[str, Any] = {
        "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
    }
    if 404 in errors:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {"get": {
        "summary": summary, "description": description, "operationId": summary.lower().replace(" ", "_"),
        "parameters": parameters, "responses": responses,
    }}


NEED_ID = _path("need_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "The need's id.")
ROUND_ID = _path("round_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "The round's id.")
SUPPLIER_ID = _path("supplier_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "The supplier's id.")
WARD_CODE = _path("code", {"type": "string", "pattern": WARD_PATTERN}, "The ward's GSS code.")

PATHS: dict[str, Any] = {
    "/": _get("Index", "Where the OpenAPI document and the documentation are.", "Index", [], ()),
    "/needs": _get(
        "List needs", "Public needs (open, fully pledged, delivered, closed or expired), newest first.",
        "NeedPage", _params("area", "theme", "kind", "page", "per_page", "after"), (),
    ),
    "/needs/{need_id}": _get("Get need", "One public need, with its description.", "Need", [NEED_ID], (404,)),
    "/themes": _get("List themes", "The council's social value priority themes.", "ThemeList", [], ()),
    "/wards": _get("List wards", "Every ward of the council, by name.", "WardList", [], ()),
    "/wards/{code}": _get(
        "Get ward", "A ward with its counts (needs, confirmed deliveries and their value, votes, organisations) "
        "and its local indicators.",
        "Ward", [WARD_CODE], (404,),
    ),
    "/rounds": _get(
        "List rounds", "Ward votes that have opened (never drafts), latest closing first.", "RoundPage",
        _params("ward", "state", "page", "per_page"), (),
    ),
    "/rounds/{round_id}": _get(
        "Get round", "A ward vote and its options; votes, ranks and winners only once the results are published.",
        "Round", [ROUND_ID], (404,),
    ),
    "/deliveries": _get(
        "List deliveries", "Confirmed deliveries (the public ledger), newest first, with the filtered total value.",
        "DeliveryPage", _params("area", "theme", "supplier", "kind", "year", "page", "per_page", "after"), (),
    ),
    "/suppliers": _get(
        "List suppliers", "Verified suppliers by name, with their confirmed deliveries.", "SupplierPage",
        _params("page", "per_page"), (),
    ),
    "/suppliers/{supplier_id}": _get(
        "Get supplier", "A verified supplier's scorecard: contracts, commitments (target, delivered, status), totals.",
        "Supplier", [SUPPLIER_ID], (404,),
    ),
    "/fund": _get(
        "Get fund", "The Social Value Fund: its balance, what came in (payments in lieu, section 106 money) and went "
        "out (ward votes' budgets, needs funded directly) by source, in total and per financial year.",
        "Fund", [], (),
    ),
    "/fund/entries": _get(
        "List fund entries", "Every movement of the Social Value Fund, newest first, with where it came from or went.",
        "FundEntryPage", _params("page", "per_page"), (),
    ),
    "/openapi.json": _get("OpenAPI", "This document (OpenAPI 3.1).", {"type": "object"}, [], ()),
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{current_app.config['SERVICE_NAME']} open data API",
            "version": "1.0.0",
            "description": (
                "Read-only public data: community needs, wards, ward votes, confirmed deliveries, supplier "
                "scorecards and the Social Value Fund. No sign-in. Money is in pence, times in UTC. Organisations are named; people never are."
            ),
            "license": {
                "name": "Open Government Licence v3.0",
                "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            },
        },
        "servers": [{"url": "/api/v1"}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": {
                "BadRequest": _error("A query parameter is unknown, repeated or has a value that makes no sense."),
                "NotFound": _error("There is no such public thing."),
            },
        },
    }
