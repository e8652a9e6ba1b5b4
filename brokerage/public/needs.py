"""Finding needs, public: the list with filters and search, a need's page, its
photo, the borough map, and "needs near me"."""

from __future__ import annotations

import time
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from brokerage.pagination import NEEDS_BY_SORT, paginate
from brokerage.photos import send_photo
from brokerage.public import bp
from models import Need, Theme, Ward, db
from models.needs.search import (
    SORTS, STATUS_FILTERS, NeedFilters, counted_by_estimate, open_need_counts_by_ward, public_needs_count_query,
    load_needs, newest_window, public_needs_query,
)
from models.places.wards import lookup_postcode
from models.fund.ledger import funded_from_fund_pence
from models.pledges.rules import pledge_choice
from models.places.themes import NeedKind
from models.places.indicators import chosen_indicator, shade_for_level, ward_readings
from models.places.ward_map import shade_class, ward_shapes


def filters_from_request() -> NeedFilters:
    args = request.args
    return NeedFilters(
        ward=args.get("ward", "")[:16] or None,
        theme=args.get("theme", "")[:80] or None,
        kinds=tuple(args.getlist("kind"))[:10],
        statuses=tuple(args.getlist("status"))[:10],
        still_open=args.get("open") == "1",
        q=args.get("q", ""),
        sort=args.get("sort", "newest"),
    ).cleaned()


@bp.route("/needs")
def needs(near_error: str | None = None, near_postcode: str = ""):
    """The list; "needs near me" shows it again, with its one error, for a postcode it cannot use."""
    filters = filters_from_request()
    today = date.today()
    page = paginate(
        public_needs_query(filters, today, keys=True), per_page=20, keyset=NEEDS_BY_SORT[filters.sort],
        count_query=public_needs_count_query(filters, today) if filters.q else None, estimate=counted_by_estimate(filters),
        narrow=newest_window(filters, today, keys=True), load=load_needs,
    )
    wards = db.session.execute(select(Ward.code, Ward.name).order_by(Ward.name)).all()
    themes = db.session.execute(select(Theme.slug, Theme.name).where(Theme.active.is_(True)).order_by(Theme.position)).all()
    return render_template(
        "public/needs.html",
        page=page,
        filters=filters,
        wards=wards,
        themes=themes,
        kinds=[(kind.value, kind.label) for kind in NeedKind],
        statuses=list(STATUS_FILTERS.items()),
        sorts=list(SORTS.items()),
        near_error=near_error,
        near_postcode=near_postcode,
    )


@bp.route("/needs/near")
def needs_near():
    raw = request.args.get("postcode", "")[:16]
    if not raw.strip():
        return needs(near_error=_("Enter your postcode"))
    normalised, row = lookup_postcode(raw)
    if normalised is None:
        return needs(near_error=_("Enter a real postcode, like HA0 1AB"), near_postcode=raw)
    if row is None:
        flash(_("%(postcode)s is not in this council's area, so there are no needs near it here.", postcode=normalised), "error")
        return redirect(url_for("public.needs"))
    return redirect(url_for("public.needs", ward=row.ward.code, open="1"))


@bp.route("/needs/<int:need_id>")
def need(need_id: int):
    found = db.session.get(Need, need_id)
    user = current_user if current_user.is_authenticated else None
    if found is None or not found.can_view(user):
        abort(404)  # drafts and needs under review do not exist publicly
    return render_template(
        "public/need.html", need=found, can_manage=found.can_manage(user), pledging=pledge_choice(found, user, date.today()),
        funded_pence=funded_from_fund_pence(found.id),
    )


@bp.route("/needs/<int:need_id>/photo")
def need_photo(need_id: int):
    found = db.session.get(Need, need_id)
    user = current_user if current_user.is_authenticated else None
    if found is None or not found.photo_filename or not found.can_view(user):
        abort(404)
    response = send_photo(found.photo_filename)
    return response


def _open_need_counts(today: date) -> dict[int, int]:
    """Open needs by ward for the map, counted at most once a minute per process
    (MAP_COUNTS_MAX_AGE seconds; 0 counts on every request): a whole-table aggregate that
    need not run on each view of a page that shows shading by count."""
    max_age = current_app.config.get("MAP_COUNTS_MAX_AGE", 60)
    kept = current_app.extensions.setdefault("map_counts", {})
    now = time.monotonic()
    if max_age and kept.get("day") == today and now - kept.get("at", -max_age) < max_age:
        return kept["counts"]
    kept.update(day=today, at=now, counts=open_need_counts_by_ward(today))
    return kept["counts"]


@bp.route("/map")
def borough_map():
    today = date.today()
    rows = db.session.execute(select(Ward.id, Ward.code, Ward.name, Ward.boundary).order_by(Ward.name)).all()
    import json

    view_box, shapes = ward_shapes(
        [(ward_id, code, name, json.loads(boundary) if boundary else None) for ward_id, code, name, boundary in rows]
    )
    counts = _open_need_counts(today)
    # Shaded by open needs, or (?by=indicator) by the local indicator an administrator chose.
    chosen = chosen_indicator()
    readings = ward_readings(chosen) if request.args.get("by") == "indicator" else None
    return render_template(
        "public/map.html",
        view_box=view_box,
        shapes=shapes,
        counts=counts,
        shade=shade_class,
        wards=[(ward_id, code, name) for ward_id, code, name, _ in rows],
        chosen=chosen,
        readings=readings,
        shade_for_level=shade_for_level,
    )
