"""Officers import the planning obligations register (the planning data standard's
developer contributions files) and see it: agreements, contributions by purpose, and what
was secured, received and spent. The rules are in models/planning/."""

from __future__ import annotations

import os

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from brokerage.decorators import officer_required
from brokerage.extensions import csrf
from brokerage.forms.planning import DeveloperContributionsUploadForm
from brokerage.officers import bp
from brokerage.pagination import paginate
from brokerage.tasks import Link, render_task, save_upload, start_task, task_or_404, task_status
from brokerage.officers.job_names import task_description
from models import db
from models.planning.imports import MAX_PLANNING_BYTES
from models.planning.links import links_by_contribution
from models.planning.models import DeveloperAgreement, DeveloperContribution, DeveloperTransaction
from workers.planning import import_developer_contributions

LIMIT_MB = MAX_PLANNING_BYTES // (1024 * 1024)


@bp.route("/planning-obligations")
@officer_required
def planning_register():
    page = paginate(
        select(DeveloperAgreement)
        .options(selectinload(DeveloperAgreement.contributions).selectinload(DeveloperContribution.transactions))
        .order_by(DeveloperAgreement.start_date.desc().nulls_last(), DeveloperAgreement.id.desc())
    )
    totals = dict(
        db.session.execute(
            select(DeveloperTransaction.status, func.coalesce(func.sum(DeveloperTransaction.amount_pence), 0))
            .group_by(DeveloperTransaction.status)
        ).all()
    )
    links = links_by_contribution([c.id for agreement in page.items for c in agreement.contributions])
    return render_template("officers/planning_register.html", page=page, totals=totals, links=links)


def _upload_page(form, status: int = 200):
    return render_template("officers/planning_import.html", form=form), status


# Exempt from the app-wide CSRF check only so this view can set the upload limit before the
# body is read; the FlaskForm still checks the CSRF token.
@bp.route("/planning-obligations/import", methods=["GET", "POST"])
@csrf.exempt
@officer_required
def planning_imports():
    if request.method == "POST":
        request.max_content_length = MAX_PLANNING_BYTES + 1024 * 1024
    try:
        form = DeveloperContributionsUploadForm()
        valid = form.validate_on_submit()
    except RequestEntityTooLarge:
        form = DeveloperContributionsUploadForm(formdata=None)
        form.file.errors = [_("The file must be %(size)s MB or smaller", size=LIMIT_MB)]
        return _upload_page(form, 413)
    if valid:
        upload = form.file.data
        file_name = (upload.filename or "contributions.csv")[:200]
        path = save_upload(upload, ".csv")
        if os.path.getsize(path) > MAX_PLANNING_BYTES:
            os.remove(path)
            form.file.errors = [_("The file must be %(size)s MB or smaller", size=LIMIT_MB)]
            return _upload_page(form, 413)
        task = start_task(
            "planning_import", task_description("planning_import", file=file_name), import_developer_contributions, path,
            detail={"file": file_name},
        )
        return redirect(url_for("officers.planning_import_task", task_id=task.id))
    return _upload_page(form, 400 if form.errors else 200)


@bp.route("/planning-obligations/import/<task_id>/status")
@officer_required
def planning_import_status(task_id: str):
    task = task_or_404(task_id, "planning_import")
    return task_status(task, url_for("officers.planning_import_task", task_id=task.id))


@bp.route("/planning-obligations/import/<task_id>")
@officer_required
def planning_import_task(task_id: str):
    task = task_or_404(task_id, "planning_import")
    return render_task(
        task,
        back=Link(_("Back to the planning obligations"), url_for("officers.planning_register")),
        running=_("The file is waiting to be imported.") if task.status == "queued" else _("The file is being imported."),
        summary=lambda result: _("%(created)s created, %(unchanged)s already there, %(skipped)s skipped", created=result["created"],
                                 unchanged=result["unchanged"], skipped=result["skipped"]),
        reasons_heading=_("Lines not imported"),
        links=lambda result: [Link(_("See the planning obligations"), url_for("officers.planning_register"))],
        failed_links=[Link(_("Try another file"), url_for("officers.planning_imports"))],
        narrow=True,
    )
