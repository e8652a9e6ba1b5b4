"""The social value dashboard: committed against delivered by theme, ward,
supplier, contract tier and financial year; commitments at risk and unmet; the
Social Value Fund; participation in ward votes; the diversity of organisations
taking part. The figures come from models/reporting/impact.py, as the annual report's do
(the report PDF is built by a job, workers/reports.py, from the same figures)."""

from __future__ import annotations

import json
from datetime import date

from flask import Response, abort, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from brokerage.charts import paired_chart, shade_by_share
from brokerage.decorators import officer_required
from brokerage.downloads import csv_string
from brokerage.officers import bp
from brokerage.forms import ConfirmForm
from brokerage.tasks import Link, render_task, start_task, task_or_404, task_status
from brokerage.officers.job_names import task_description
from brokerage.templating import council_name, format_pence
from models import Ward, db
from models.core.work_queue import work_waiting
from models.fund.ledger import fund_summary, fund_years
from models.reporting.double_counting import claimed_by_several_sources
from models.reporting import impact
from workers.reports import build_report_pdf, report_dir
from models.places.ward_map import ward_shapes


def chosen_year(today: date) -> tuple[impact.Year | None, list[impact.Year]]:
    """The financial year asked for (?year=2026, or "all"); this year by default."""
    years = impact.years_available(today)
    raw = request.args.get("year", "")
    if raw == "all":
        return None, years
    if not raw:
        return impact.Year.of(today), years
    if not raw.isdigit() or impact.Year(int(raw)) not in years:
        abort(404)
    return impact.Year(int(raw)), years


def ward_map(rows: list[impact.Row]):
    """The borough map shaded by what was delivered in each ward."""
    boundaries = db.session.execute(select(Ward.id, Ward.code, Ward.name, Ward.boundary).order_by(Ward.name)).all()
    view_box, shapes = ward_shapes(
        [(ward_id, code, name, json.loads(boundary) if boundary else None) for ward_id, code, name, boundary in boundaries]
    )
    delivered = {row.key: row.delivered_pence for row in rows}
    top = max(delivered.values(), default=0)
    shades = {shape.code: shade_by_share(delivered.get(shape.code, 0), top) for shape in shapes}
    return view_box, shapes, delivered, shades, top


@bp.route("/impact")
@officer_required
def impact_dashboard():
    today = date.today()
    year, years = chosen_year(today)
    themes = impact.by_theme(year)
    tiers = impact.by_tier(year)
    suppliers = impact.by_supplier(year)
    by_year = impact.by_year()
    wards = impact.delivered_by_ward(year)
    view_box, shapes, delivered, shades, top = ward_map(wards)
    return render_template(
        "officers/impact.html",
        year=year,
        years=years,
        headline=impact.headline(year, today),
        split=impact.delivery_split(year),
        waiting=work_waiting(),
        themes=themes,
        sources=impact.by_source(year),
        fund=fund_summary(),
        fund_years=fund_years(),
        shared=claimed_by_several_sources(),
        directorates=impact.by_directorate(year),
        tiers=tiers,
        suppliers=suppliers,
        by_year=by_year,
        wards=wards,
        charts={
            "themes": paired_chart(themes, format_pence),
            "tiers": paired_chart(tiers, format_pence),
            "suppliers": paired_chart(suppliers[:10], format_pence),
            "years": paired_chart(by_year, format_pence),
        },
        view_box=view_box,
        shapes=shapes,
        delivered=delivered,
        shades=shades,
        top=top,
        at_risk=impact.kpis(year, today, status="at_risk", limit=50),
        unmet=impact.kpis(year, today, status="unmet", limit=50),
        participation=impact.participation(year),
        diversity=impact.diversity(year),
    )


def _report_year(today: date) -> int:
    year, years = chosen_year(today)
    return (year or impact.Year.of(today)).start


@bp.route("/report")
@officer_required
def impact_report():
    return render_template(
        "officers/report.html", council=council_name(), **impact.report_figures(_report_year(date.today()), date.today())
    )


@bp.route("/report/data.<any(csv, json):format>")
@officer_required
def impact_report_data(format: str):
    year = _report_year(date.today())
    report = impact.build_report(impact.Year(year), date.today())
    name = f"social-value-report-{year}-{str(year + 1)[2:]}"
    if format == "json":
        return Response(
            json.dumps(report.as_dict(), indent=2, default=str),
            mimetype="application/json",
            headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
        )
    return Response(csv_string(impact.kpi_csv_rows(report)), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}-kpis.csv"'})


@bp.route("/report/pdf", methods=["POST"])
@officer_required
def impact_report_pdf():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    year = _report_year(date.today())
    task = start_task(
        "impact_report",
        task_description("impact_report", year=impact.Year(year).short),
        build_report_pdf,
        year,
        detail={"year": year},
        action="requested",
    )
    return redirect(url_for("officers.impact_report_task", task_id=task.id))


@bp.route("/report/pdf/<task_id>")
@officer_required
def impact_report_task(task_id: str):
    task = task_or_404(task_id, "impact_report")
    return render_task(
        task,
        back=Link(_("Back to the dashboard"), url_for("officers.impact_dashboard")),
        running=_("The PDF is being produced."),
        finished_title=_("The PDF is ready"),
        summary=lambda result: ngettext("%(num)s page", "%(num)s pages", result["pages"]),
        links=lambda result: [
            Link(_("Download %(file)s", file=result["download_name"]), url_for("officers.impact_report_download", task_id=task.id))
        ],
        failed_title=_("The PDF could not be produced"),
        failed_note=None,
    )


@bp.route("/report/pdf/<task_id>/status")
@officer_required
def impact_report_status(task_id: str):
    task = task_or_404(task_id, "impact_report")
    return task_status(task, url_for("officers.impact_report_task", task_id=task.id))


@bp.route("/report/pdf/<task_id>/download")
@officer_required
def impact_report_download(task_id: str):
    task = task_or_404(task_id, "impact_report")
    if task.status != "finished":
        abort(404)
    return send_from_directory(report_dir(), task.result["file"], as_attachment=True, download_name=task.result["download_name"])
