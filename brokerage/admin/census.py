"""Administrators import the ward population from ONS Census 2021 tables (by age and by
sex), which each round's representation page compares with who took part."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from brokerage.admin import bp
from brokerage.decorators import admin_required
from brokerage.forms.voting import CensusUploadForm
from brokerage.tasks import Link, render_task, save_upload, start_task, task_or_404
from brokerage.officers.job_names import task_description
from models import db
from models.voting.representation import CensusPopulation
from workers.census import import_census_file


@bp.route("/census", methods=["GET", "POST"])
@admin_required
def census():
    form = CensusUploadForm()
    if form.validate_on_submit():
        path = save_upload(form.file.data, ".csv")
        task = start_task("census_import", task_description("census_import", file=form.file.data.filename), import_census_file, path,
                          detail={"file": form.file.data.filename})
        return redirect(url_for("admin.census_task", task_id=task.id))
    loaded = db.session.execute(
        select(CensusPopulation.dimension, func.count(func.distinct(CensusPopulation.ward_id)), func.sum(CensusPopulation.population))
        .group_by(CensusPopulation.dimension)
    ).all()
    return render_template("admin/census.html", form=form, loaded=loaded), 400 if form.errors else 200


def _counts(result: dict) -> dict[str, str]:
    return {name: f"{result[name]:,}" for name in ("rows", "wards", "skipped")}


@bp.route("/census/<task_id>")
@admin_required
def census_task(task_id: str):
    return render_task(
        task_or_404(task_id, "census_import"),
        back=Link(_("Back to census population"), url_for("admin.census")),
        summary=lambda result: (
            _("%(rows)s figures by age for %(wards)s wards (%(skipped)s rows skipped: other wards or categories)", **_counts(result))
            if result["dimension"] == "age_band"
            else _("%(rows)s figures by sex for %(wards)s wards (%(skipped)s rows skipped: other wards or categories)", **_counts(result))
        ),
    )
