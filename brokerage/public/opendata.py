"""Open data: the page listing every dataset with its licence, the 360Giving grants
(JSON and CSV, with the ledger's filters), the OCDS release package of contracts and
their social value, the Social Value Fund's ledger (JSON and CSV) and balance, and the
API's documentation page. Downloads stream."""

from __future__ import annotations

from datetime import date

from flask import current_app, render_template, request, url_for
from flask_babel import gettext

from brokerage.api.openapi import PATHS
from brokerage.downloads import attachment, csv_text
from brokerage.public import bp
from brokerage.templating import council_name
from models import utcnow
from models.fund.ledger import fund_summary
from models.fund.open_data import CSV_HEADER as FUND_CSV_HEADER
from models.fund.open_data import fund_csv_row, fund_entries, fund_figures
from models.reporting.ledger import LedgerFilters, ledger_totals
from models.reporting.ocds_release import release_package
from models.reporting.opendata import (
    GRANT_CSV_HEADER,
    OGL,
    OGL_NAME,
    Publisher,
    grant_csv_row,
    grants,
    grants_package,
    json_document,
    utc_iso,
)


def publisher() -> Publisher:
    config = current_app.config
    return Publisher(
        name=council_name(),
        org_id=config["COUNCIL_ORG_ID"],
        website=url_for("public.home", _external=True).rstrip("/"),
        grant_prefix=config["OPEN_DATA_GRANT_PREFIX"],
        ocid_prefix=config["OPEN_DATA_OCID_PREFIX"],
    )


def _need_url() -> str:
    return url_for("public.need", need_id=0, _external=True).removesuffix("0")


@bp.route("/open-data")
def open_data():
    return render_template(
        "public/open_data.html",
        licence_url=OGL,
        licence_name=gettext(OGL_NAME),
        deliveries=ledger_totals(LedgerFilters()),
        settings=publisher(),
        fund=fund_summary(),
    )


@bp.route("/open-data/360giving.json")
def grants_json():
    filters = LedgerFilters.parse(request.args)
    chunks = grants_package(
        filters, publisher(), _need_url(), url_for("public.open_data", _external=True), issued=utcnow()
    )
    return attachment(chunks, "application/json", f"360giving-grants-{date.today().isoformat()}.json")


@bp.route("/open-data/360giving.csv")
def grants_csv():
    filters = LedgerFilters.parse(request.args)
    rows = (
        grant_csv_row(found)
        for found in grants(filters, publisher(), _need_url(), url_for("public.open_data", _external=True))
    )
    return attachment(csv_text(GRANT_CSV_HEADER, rows), "text/csv", f"360giving-grants-{date.today().isoformat()}.csv")


@bp.route("/open-data/fund.json")
def fund_json():
    settings = publisher()
    head = {
        "license": OGL,
        "publisher": {"name": settings.name, "identifier": settings.org_id, "website": settings.website},
        "issued": utc_iso(utcnow()),
        **fund_figures(),
    }
    chunks = json_document(head, "entries", fund_entries(settings.grant_prefix, _need_url()))
    return attachment(chunks, "application/json", f"social-value-fund-{date.today().isoformat()}.json")


@bp.route("/open-data/fund.csv")
def fund_csv():
    rows = (fund_csv_row(entry) for entry in fund_entries(publisher().grant_prefix, _need_url()))
    return attachment(csv_text(FUND_CSV_HEADER, rows), "text/csv", f"social-value-fund-{date.today().isoformat()}.csv")


@bp.route("/open-data/ocds.json")
def ocds_json():
    chunks = release_package(publisher(), url_for("public.ocds_json", _external=True), published=utcnow())
    return attachment(chunks, "application/json", f"ocds-contracts-social-value-{date.today().isoformat()}.json")


@bp.route("/open-data/api")
def api_docs():
    endpoints = [(path, operation["get"]["summary"], operation["get"]["description"]) for path, operation in PATHS.items()]
    return render_template("public/api_docs.html", endpoints=endpoints, licence_url=OGL, licence_name=gettext(OGL_NAME))
