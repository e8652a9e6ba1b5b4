"""Officers write the case studies the annual report carries: successes and
underperformance, with the reasons for the variance and the lessons."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from brokerage.decorators import officer_required
from brokerage.officers import bp
from brokerage.officers.impact import chosen_year
from brokerage.forms.stories import CaseStudyForm
from brokerage.forms import ConfirmForm
from brokerage.views import apply_rule
from models import CaseStudy, Commitment, Contract, Organisation, db
from models.reporting import impact
from models.stories.case_studies import CaseStudyDetails, delete_case_study, save_case_study
from models.places.themes import Measure


def _commitment_choices(year: impact.Year) -> list[tuple[int, str]]:
    """Approved commitments due in the year, labelled for a person to pick."""
    rows = db.session.execute(
        select(Commitment.id, Organisation.name, Contract.reference, Measure.name, Commitment.target_quantity, Measure.unit)
        .join(Contract, Contract.id == Commitment.contract_id)
        .join(Organisation, Organisation.id == Contract.supplier_id)
        .join(Measure, Measure.id == Commitment.measure_id)
        .where(Commitment.state == "approved", Commitment.due_date >= year.first_day, Commitment.due_date <= year.last_day)
        .order_by(Organisation.name, Contract.reference, Commitment.id)
        .limit(1000)
    ).all()
    return [(id_, f"{supplier}, {reference}: {measure} ({target:,} {unit})") for id_, supplier, reference, measure, target, unit in rows]


def _details(form: CaseStudyForm, year: impact.Year) -> CaseStudyDetails:
    return CaseStudyDetails(
        financial_year=year.start,
        kind=form.kind.data,
        title=form.title.data or "",
        commitment_id=int(form.commitment_id.data) if form.commitment_id.data else None,
        summary=form.summary.data or "",
        variance_reasons=form.variance_reasons.data or "",
        lessons=form.lessons.data or "",
    )


@bp.route("/case-studies")
@officer_required
def case_studies():
    year, years = chosen_year(date.today())
    year = year or impact.Year.of(date.today())
    studies = db.session.scalars(
        select(CaseStudy).options(selectinload(CaseStudy.commitment)).where(CaseStudy.financial_year == year.start).order_by(CaseStudy.kind, CaseStudy.id)
    ).all()
    return render_template("officers/case_studies.html", year=year, years=years, studies=studies)


@bp.route("/case-studies/new", methods=["GET", "POST"])
@bp.route("/case-studies/<int:case_study_id>/edit", methods=["GET", "POST"])
@officer_required
def edit_case_study(case_study_id: int | None = None):
    study = None
    if case_study_id is not None:
        study = db.session.get(CaseStudy, case_study_id)
        if study is None:
            abort(404)
        year = impact.Year(study.financial_year)
    else:
        year, _ignored = chosen_year(date.today())
        year = year or impact.Year.of(date.today())
    form = CaseStudyForm(obj=study)
    form.set_commitments(_commitment_choices(year))
    if study is not None and not form.is_submitted():
        form.commitment_id.data = str(study.commitment_id) if study.commitment_id else ""
    if form.validate_on_submit():
        if apply_rule(lambda: save_case_study(current_user, _details(form, year), study), form):
            flash(_("Case study saved. It appears in the annual report."), "success")
            return redirect(url_for("officers.case_studies", year=year.start))
    return render_template("officers/case_study_form.html", form=form, study=study, year=year), 400 if form.errors else 200


@bp.route("/case-studies/<int:case_study_id>/delete", methods=["GET", "POST"])
@officer_required
def remove_case_study(case_study_id: int):
    study = db.session.get(CaseStudy, case_study_id)
    if study is None:
        abort(404)
    year = study.financial_year
    if request.method == "GET":
        return render_template(
            "officers/confirm.html",
            question=_("Are you sure you want to delete the case study “%(title)s”?", title=study.title),
            caption=_("Case studies"),
            next_steps=[
                _("It will be taken out of the annual report and its PDF."),
                _("You cannot undo this. To show it again, write the case study again."),
            ],
            action_url=url_for("officers.remove_case_study", case_study_id=study.id),
            button=_("Yes, delete the case study"),
            cancel_url=url_for("officers.case_studies", year=year),
        )
    if ConfirmForm().validate_on_submit() and apply_rule(lambda: delete_case_study(current_user, study)):
        flash(_("Case study deleted."), "success")
    return redirect(url_for("officers.case_studies", year=year))
