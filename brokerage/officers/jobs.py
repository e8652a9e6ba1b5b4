"""Officers see the background jobs: the health checks /readyz makes (database, Redis,
migrations, workers, periodic jobs), queues, what is running, what failed (and retry it),
jobs kept while Redis was unreachable, and the periodic schedule."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from brokerage.decorators import officer_required
from brokerage.extensions import rq
from brokerage.jobs import REDIS_DOWN, JobRef, queue_overview, retry_failed_job
from brokerage.forms import ActionForm
from brokerage.health import run_checks
from brokerage.officers import bp
from brokerage.officers.job_names import job_name
from models import db, record_event
from models.core.outbox import oldest_pending_job, pending_job_count
from workers.schedule import PERIODIC_JOBS, effective_jobs


@bp.route("/jobs")
@officer_required
def jobs():
    try:
        counts, running, failed = queue_overview(rq.connection)
        redis_error = None
    except REDIS_DOWN as error:
        counts, running, failed = [], [], []
        redis_error = f"{type(error).__name__}: {error}"
    try:
        periodic = effective_jobs(current_app.config.get("PERIODIC_SCHEDULE"))
    except ValueError:  # the worker refuses to start with it, and says why
        periodic = PERIODIC_JOBS
    return render_template(
        "officers/jobs.html",
        counts=counts,
        running=running,
        failed=failed,
        redis_error=redis_error,
        pending=pending_job_count(),
        oldest_pending=oldest_pending_job(),
        periodic=periodic,
        checks=run_checks(),
    )


@bp.route("/jobs/<queue>/<job_id>/retry", methods=["POST"])
@officer_required
def retry_job(queue: str, job_id: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        retried = retry_failed_job(rq.connection, queue, job_id)
    except REDIS_DOWN:
        flash(_("The job queue cannot be reached just now. Try again in a minute."), "error")
        return redirect(url_for("officers.jobs"))
    if retried is None:
        flash(_("That job is not waiting to be retried any more."), "error")
        return redirect(url_for("officers.jobs"))
    record_event(
        "job.retried",
        JobRef(job_id[:64]),
        actor=current_user,
        from_state="failed",
        to_state="queued",
        detail={"queue": queue, "function": retried.function, "args": retried.args},
    )
    db.session.commit()
    flash(_("%(job)s is back on the %(queue)s queue.", job=job_name(retried.function), queue=queue), "success")
    return redirect(url_for("officers.jobs"))
