"""Officers mark commitments as KPIs of their contract and rate each KPI for each 12-month
year: the proposed rating and the figures behind it, confirmed or overridden with a reason.
The rules are in models/returns/kpis.py."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from brokerage.decorators import officer_required
from brokerage.downloads import attachment, csv_text
from brokerage.forms import ConfirmForm
from brokerage.forms.returns import RateKpiForm
from brokerage.officers import bp
from brokerage.views import apply_rule
from brokerage.public.opendata import publisher
from brokerage.rule_messages import translate_label, translate_rule_message
from models import Commitment, Contract, db, utcnow
from models.returns.assessment import CSV_HEADER, assessment_for, assessment_package, csv_rows, rating_of
from models.returns.kpis import kpi_flag, kpi_years, rate_kpi, set_kpi


@bp.route("/commitments/<int:commitment_id>/kpi", methods=["POST"])
@officer_required
def toggle_kpi(commitment_id: int):
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if apply_rule(lambda: set_kpi(commitment, current_user, not commitment.is_kpi)):
        flash(_("%(measure)s is now a KPI.", measure=commitment.measure.name) if commitment.is_kpi
              else _("%(measure)s is no longer a KPI.", measure=commitment.measure.name), "success")
    return redirect(url_for("officers.contract", contract_id=commitment.contract_id))


def _page(contract: Contract, forms: dict | None = None, status: int = 200):
    today = date.today()
    rows = kpi_years(contract, today)
    forms = forms or {}
    for row in rows:
        if row.key not in forms:
            form = RateKpiForm(prefix=row.key, formdata=None)
            form.key.data = row.key
            form.rating.data = row.saved.rating if row.saved else row.proposed.value
            form.reason.data = row.saved.reason if row.saved else ""
            forms[row.key] = form
    return render_template("officers/kpis.html", contract=contract, rows=rows, forms=forms, flag=translate_rule_message(kpi_flag(contract)),
                           toggle_form=ConfirmForm()), status


@bp.route("/contracts/<int:contract_id>/kpis")
@officer_required
def kpis(contract_id: int):
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        abort(404)
    return _page(contract)


@bp.route("/contracts/<int:contract_id>/kpis/<key>", methods=["POST"])
@officer_required
def rate(contract_id: int, key: str):
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        abort(404)
    form = RateKpiForm(prefix=key)
    if form.validate_on_submit():
        if apply_rule(lambda: rate_kpi(contract, current_user, key, form.rating.data, form.reason.data or "", date.today()), form):
            flash(_("Rating saved."), "success")
            return redirect(url_for("officers.kpis", contract_id=contract.id))
    return _page(contract, {key: form}, 400)


def _assessment_or_404(contract_id: int, year_start: str):
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        abort(404)
    try:
        start = date.fromisoformat(year_start)
    except ValueError:
        abort(404)
    assessment = assessment_for(contract, start, date.today())
    if assessment is None:
        abort(404)
    return assessment


@bp.route("/contracts/<int:contract_id>/assessments/<year_start>")
@officer_required
def assessment(contract_id: int, year_start: str):
    found = _assessment_or_404(contract_id, year_start)
    return render_template("officers/assessment.html", assessment=found, contract=found.contract,
                           rows=[_rating_of(row) for row in found.kpis])


def _rating_of(row):
    """(row, rating, explanation): models/returns/assessment.py rating_of in the page's language
    (the officer's own explanation as written)."""
    rating, explanation = rating_of(row)
    if row.saved is None:
        explanation = _("Proposed from the figures; not yet confirmed by an officer.")
    return row, translate_label(rating), explanation


@bp.route("/contracts/<int:contract_id>/assessments/<year_start>.csv")
@officer_required
def assessment_csv(contract_id: int, year_start: str):
    found = _assessment_or_404(contract_id, year_start)
    return attachment(csv_text(CSV_HEADER, csv_rows(found)), "text/csv",
                      f"assessment-{found.contract.id}-{found.year_start.isoformat()}.csv")


@bp.route("/contracts/<int:contract_id>/assessments/<year_start>.json")
@officer_required
def assessment_ocds(contract_id: int, year_start: str):
    found = _assessment_or_404(contract_id, year_start)
    package = assessment_package(found, publisher(), request.url, utcnow())
    response = jsonify(package)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="assessment-{found.contract.id}-{found.year_start.isoformat()}.json"'
    )
    return response
