"""Council officers: the work queue, verifying organisations, the outbox and the audit trail."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from brokerage.views import show_domain_error
from brokerage.decorators import officer_required
from brokerage.notify import send_organisation_decision
from brokerage.officers import bp
from brokerage.forms import ConfirmForm
from brokerage.forms.people import RejectForm
from brokerage.pagination import paginate
from models import DomainError, EmailMessage, Event, Organisation, db
from models.core.events import events_for
from models.core.work_queue import waiting, work_waiting
from models.people.organisations import reject_organisation, verify_organisation


@bp.route("/")
@officer_required
def dashboard():
    waiting = work_waiting()
    recent = db.session.scalars(select(Event).options(selectinload(Event.actor)).order_by(Event.id.desc()).limit(10)).all()
    return render_template("officers/dashboard.html", waiting=waiting, recent=recent)


@bp.route("/organisations")
@officer_required
def organisations():
    status = request.args.get("status", "pending")
    if status not in ("pending", "verified", "rejected"):
        status = "pending"
    if status == "pending":
        query = waiting("organisations")
    else:
        query = select(Organisation).where(Organisation.status == status).order_by(Organisation.submitted_at, Organisation.id)
    page = paginate(query)
    return render_template("officers/organisations.html", page=page, status=status)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@officer_required
def review_organisation(organisation_id: int):
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    verify_form = ConfirmForm(prefix="verify")
    reject_form = RejectForm(prefix="reject")
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "verify" and verify_form.validate_on_submit():
                verify_organisation(organisation, current_user)
            elif action == "reject" and reject_form.validate_on_submit():
                reject_organisation(organisation, current_user, reject_form.reason.data)
            else:
                return render_template(
                    "officers/review_organisation.html",
                    organisation=organisation,
                    verify_form=verify_form,
                    form=reject_form,
                    events=events_for(organisation),
                ), 400
            send_organisation_decision(organisation)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_domain_error(reject_form, error)
        else:
            flash(f"{organisation.name} is now {organisation.status_label.lower()}. We have emailed its owners.", "success")
            return redirect(url_for("officers.organisations"))
    return render_template(
        "officers/review_organisation.html",
        organisation=organisation,
        verify_form=verify_form,
        form=reject_form,
        events=events_for(organisation),
    )


@bp.route("/outbox")
@officer_required
def outbox():
    status = request.args.get("status")
    query = select(EmailMessage).order_by(EmailMessage.id.desc())
    if status == "failed":
        query = waiting("failed_emails")
    elif status in ("queued", "sent"):
        query = query.where(EmailMessage.status == status)
    return render_template("officers/outbox.html", page=paginate(query), status=status)


@bp.route("/outbox/<int:message_id>")
@officer_required
def email(message_id: int):
    message = db.session.get(EmailMessage, message_id)
    if message is None:
        abort(404)
    return render_template("officers/email.html", message=message)


@bp.route("/audit")
@officer_required
def audit():
    query = select(Event).options(selectinload(Event.actor)).order_by(Event.id.desc())
    action = (request.args.get("action") or "").strip()
    if action:
        query = query.where(Event.action.startswith(action[:64]))
    return render_template("officers/audit.html", page=paginate(query), action=action)
