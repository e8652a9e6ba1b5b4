"""The public ledger of confirmed deliveries, with filters and a CSV download.
No sign-in: it is the evidence trail residents and scrutiny committees ask for."""

from __future__ import annotations

from datetime import date

from flask import render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from brokerage.downloads import attachment, csv_text
from brokerage.pagination import LEDGER_NEWEST, page_of, requested_page
from brokerage.public import bp
from models import Theme, Ward, db
from models.returns.totals import returns_totals
from models.reporting.ledger import (
    CSV_HEADER,
    LedgerFilters,
    ledger_csv_rows,
    ledger_query,
    ledger_rows,
    ledger_suppliers,
    ledger_totals,
    ledger_years,
)
from models.places.themes import NeedKind

PER_PAGE = 50


@bp.route("/ledger")
def ledger():
    filters = LedgerFilters.parse(request.args)
    totals = ledger_totals(filters)
    page = page_of(
        ledger_query(filters), requested_page(), PER_PAGE, keyset=LEDGER_NEWEST, after=request.args.get("after", "")[:80],
        load=ledger_rows,
        total=totals.count,
    )
    return render_template(
        "public/ledger.html",
        page=page,
        totals=totals,
        # Delivery by source: accepted supplier returns, beside this ledger of confirmed pledges
        # (not by ward or kind of need, which returns do not have).
        returned=None if (filters.ward or filters.kind) else returns_totals(filters.theme, filters.supplier, filters.year),
        filters=filters,
        wards=db.session.execute(select(Ward.code, Ward.name).order_by(Ward.name)).all(),
        themes=db.session.execute(select(Theme.slug, Theme.name).where(Theme.active.is_(True)).order_by(Theme.position)).all(),
        suppliers=ledger_suppliers(),
        kinds=[(kind.value, kind.label) for kind in NeedKind],
        years=[(year, _("April %(start)s to March %(end)s", start=str(year), end=str(year + 1))) for year in ledger_years()],
        csv_url=url_for("public.ledger_csv", **filters.as_args()),
        grants_json_url=url_for("public.grants_json", **filters.as_args()),
        grants_csv_url=url_for("public.grants_csv", **filters.as_args()),
    )


@bp.route("/ledger.csv")
def ledger_csv():
    filters = LedgerFilters.parse(request.args)
    kinds = {kind.value: kind.label for kind in NeedKind}
    need_url = url_for("public.need", need_id=0, _external=True).removesuffix("0")
    rows = (
        [
            confirmed_at.date().isoformat(), supplier, title, f"{need_url}{need_id}",
            group, ward or "Borough-wide", theme, kinds.get(kind, kind), quantity,
            unit, f"{value // 100}.{value % 100:02d}",
        ]
        for confirmed_at, supplier, need_id, title, group, ward, theme, kind, quantity, unit, value in ledger_csv_rows(
            filters
        )
    )
    filename = f"confirmed-deliveries-{date.today().isoformat()}.csv"
    return attachment(csv_text(CSV_HEADER, rows), "text/csv", filename)
