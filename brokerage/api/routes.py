"""The read-only JSON API (/api/v1/): what the public pages show, for other software.
Public data only, the same for everyone (signed in or not), GET only. Errors are JSON
(brokerage/errors.py), query strings are checked strictly (params.py), lists are
paginated with `next` and `previous` links and load what they show in a fixed number
of queries."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, current_app, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from brokerage.api import bp
from brokerage.api.openapi import openapi_document
from brokerage.api.params import WARD_CODE, Query
from brokerage.api.serialise import (
    delivery_json,
    need_json,
    round_detail_json,
    round_json,
    scorecard_json,
    supplier_json,
    theme_json,
    ward_json,
)
from brokerage.pagination import LEDGER_NEWEST, NEEDS_NEWEST, page_of
from models import Need, Organisation, Round, Theme, Ward, db
from models.fund.ledger import FundEntry
from models.fund.open_data import fund_entries, fund_figures
from models.reporting.ledger import LedgerFilters, ledger_query, ledger_rows, ledger_totals
from models.needs.search import NeedFilters, public_needs_query
from models.voting.models import RoundState
from models.voting.count import turnout
from models.reporting.scorecards import delivery_totals, is_public_supplier, public_suppliers_query, supplier_scorecard
from models.places.ward_summary import ward_summary

MAX_ID = 2**31 - 1  # ids are 32-bit: a larger number is no such thing (404), not a database error
PUBLIC_ROUND_STATES = (RoundState.OPEN.value, RoundState.CLOSED.value, RoundState.PUBLISHED.value)


def _listing(page: Page, items: list[dict[str, Any]], args: dict[str, Any], **extra: Any):
    """A page of results with links to its neighbours (same filters, same page size)."""

    def link(number: int, **extra: Any) -> str:
        return url_for(request.endpoint, **{**args, "page": number, "per_page": page.per_page, **extra}, _external=True)

    return jsonify(
        items=items,
        page=page.page,
        per_page=page.per_page,
        total=page.total,
        total_capped=page.capped,
        next=link(page.page + 1, **page.next_cursor()) if page.has_next else None,
        previous=link(min(page.page - 1, page.pages)) if page.page > 1 else None,
        **extra,
    )


@bp.route("/openapi.json")
def openapi():
    Query(request.args, ())
    return jsonify(openapi_document())


@bp.route("/needs")
def needs():
    query = Query(request.args, ("ward", "theme", "kind", "page", "per_page", "after"))
    ward, theme, kind = query.ward(), query.theme(), query.kind()
    page, per_page = query.paging()
    filters = NeedFilters(ward=ward, theme=theme, kinds=(kind,) if kind else ())
    found = page_of(
        public_needs_query(filters, date.today()).options(selectinload(Need.theme)), page, per_page,
        keyset=NEEDS_NEWEST, after=query.cursor(NEEDS_NEWEST),
    )
    args = {key: value for key, value in {"ward": ward, "theme": theme, "kind": kind}.items() if value}
    return _listing(found, [need_json(item) for item in found.items], args)


@bp.route(f"/needs/<int(min=1, max={MAX_ID}):need_id>")
def need(need_id: int):
    Query(request.args, ())
    found = db.session.get(Need, need_id)
    if found is None or not found.is_public:
        abort(404)  # drafts, needs under review and rejected needs do not exist publicly
    return jsonify(need_json(found, detail=True))


@bp.route("/themes")
def themes():
    Query(request.args, ())
    found = db.session.scalars(select(Theme).where(Theme.active.is_(True)).order_by(Theme.position, Theme.id))
    return jsonify(items=[theme_json(theme) for theme in found])


@bp.route("/wards")
def wards():
    Query(request.args, ())
    found = db.session.scalars(select(Ward).order_by(Ward.name, Ward.id))
    return jsonify(items=[ward_json(ward) for ward in found])


@bp.route("/wards/<code>")
def ward(code: str):
    Query(request.args, ())
    found = db.session.scalar(select(Ward).where(Ward.code == code)) if WARD_CODE.fullmatch(code) else None
    if found is None:
        abort(404)
    return jsonify(ward_json(found, ward_summary(found, date.today())))


@bp.route("/rounds")
def rounds():
    query = Query(request.args, ("ward", "state", "page", "per_page"))
    ward_code = query.matching("ward", WARD_CODE, "a ward's GSS code, like E05013494")
    state = query.choice("state", PUBLIC_ROUND_STATES)
    page, per_page = query.paging()
    statement = (
        select(Round)
        .options(selectinload(Round.ward))
        .where(Round.state.in_([state] if state else PUBLIC_ROUND_STATES))
        .order_by(Round.closes_at.desc(), Round.id.desc())
    )
    if ward_code:
        statement = statement.where(Round.ward_id == select(Ward.id).where(Ward.code == ward_code).scalar_subquery())
    found = page_of(statement, page, per_page)
    args = {key: value for key, value in {"ward": ward_code, "state": state}.items() if value}
    return _listing(found, [round_json(item) for item in found.items], args)


@bp.route(f"/rounds/<int(min=1, max={MAX_ID}):round_id>")
def round(round_id: int):
    Query(request.args, ())
    found = db.session.get(Round, round_id)
    if found is None or found.state not in PUBLIC_ROUND_STATES:
        abort(404)  # drafts are the officers' own until opened
    published = found.state == RoundState.PUBLISHED.value
    return jsonify(round_detail_json(found, turnout(found.id) if published else None))


@bp.route("/deliveries")
def deliveries():
    query = Query(request.args, ("ward", "theme", "supplier", "kind", "year", "page", "per_page", "after"))
    filters = LedgerFilters(
        ward=query.ward(),
        theme=query.theme(),
        supplier=query.integer("supplier", 1, MAX_ID),
        kind=query.kind(),
        year=query.integer("year", 2000, 2100),
    )
    page, per_page = query.paging()
    totals = ledger_totals(filters)
    found = page_of(
        ledger_query(filters), page, per_page, keyset=LEDGER_NEWEST, after=query.cursor(LEDGER_NEWEST), total=totals.count,
        load=ledger_rows,
    )
    return _listing(found, [delivery_json(item) for item in found.items], filters.as_args(), total_value_pence=totals.value_pence)


@bp.route("/suppliers")
def suppliers():
    query = Query(request.args, ("page", "per_page"))
    page, per_page = query.paging()
    found = page_of(public_suppliers_query(), page, per_page)
    totals = delivery_totals([supplier.id for supplier in found.items])
    return _listing(found, [supplier_json(supplier, totals[supplier.id]) for supplier in found.items], {})


@bp.route(f"/suppliers/<int(min=1, max={MAX_ID}):supplier_id>")
def supplier(supplier_id: int):
    Query(request.args, ())
    found = db.session.get(Organisation, supplier_id)
    if not is_public_supplier(found):
        abort(404)
    return jsonify(scorecard_json(supplier_scorecard(found, date.today())))


@bp.route("/fund")
def fund():
    """The Social Value Fund: its balance, what came in and went out by source, per financial year."""
    Query(request.args, ())
    return jsonify(fund_figures())


@bp.route("/fund/entries")
def fund_entries_list():
    """The Fund's entries, newest first: one page of ids, then their rows in one query."""
    query = Query(request.args, ("page", "per_page"))
    page, per_page = query.paging()
    found = page_of(select(FundEntry.id).order_by(FundEntry.id.desc()), page, per_page)
    need_url = url_for("public.need", need_id=0, _external=True).removesuffix("0")
    items = list(fund_entries(current_app.config["OPEN_DATA_GRANT_PREFIX"], need_url, ids=list(found.items)))
    return _listing(found, items, {})


@bp.route("/")
def index():
    """Where to start: the OpenAPI document and the human documentation."""
    Query(request.args, ())
    return jsonify(
        openapi=url_for("api.openapi", _external=True),
        documentation=url_for("public.api_docs", _external=True),
    )

