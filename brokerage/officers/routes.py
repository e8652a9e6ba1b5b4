"""Council officers: the work queue, verifying organisations, the outbox and the audit trail."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from brokerage.views import show_domain_error
from brokerage.decorators import officer_required
from brokerage.notify import send_organisation_change_decision, send_organisation_decision
from brokerage.officers import bp
from brokerage.forms import ConfirmForm
from brokerage.forms.people import RejectForm
from brokerage.pagination import paginate
from brokerage.rule_messages import translate_label
from models import DomainError, EmailMessage, Event, Organisation, db
from models.core.events import events_for
from models.core.work_queue import waiting, work_waiting
from models.people.organisations import (
    approve_organisation_change,
    reject_organisation,
    reject_organisation_change,
    verify_organisation,
)


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
        query = waiting("organisations").options(selectinload(Organisation.change))
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
    forms = {
        "verify_form": ConfirmForm(prefix="verify"),
        "form": RejectForm(prefix="reject"),
        "approve_change_form": ConfirmForm(prefix="approve-change"),
        "reject_change_form": RejectForm(prefix="reject-change"),
    }

    def page(status: int = 200):
        return render_template(
            "officers/review_organisation.html", organisation=organisation, events=events_for(organisation), **forms
        ), status

    if request.method == "POST":
        action = request.form.get("action")
        name = organisation.name
        try:
            if action == "verify" and forms["verify_form"].validate_on_submit():
                verify_organisation(organisation, current_user)
                send_organisation_decision(organisation)
                done = _("%(name)s is now %(status)s. We have emailed its owners.", name=organisation.name,
                         status=translate_label(organisation.status_label).lower())
            elif action == "reject" and forms["form"].validate_on_submit():
                reject_organisation(organisation, current_user, forms["form"].reason.data)
                send_organisation_decision(organisation)
                done = _("%(name)s is now %(status)s. We have emailed its owners.", name=organisation.name,
                         status=translate_label(organisation.status_label).lower())
            elif action == "approve_change" and forms["approve_change_form"].validate_on_submit():
                approve_organisation_change(organisation, current_user)
                send_organisation_change_decision(organisation, name)
                done = _("%(old)s is now %(new)s, with the new details verified. We have emailed its owners.", old=name,
                         new=organisation.name)
            elif action == "reject_change" and forms["reject_change_form"].validate_on_submit():
                reject_organisation_change(organisation, current_user, forms["reject_change_form"].reason.data)
                send_organisation_change_decision(organisation, name)
                done = _("%(name)s keeps its verified details. We have emailed its owners why.", name=name)
            else:
                return page(400)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_domain_error(forms["reject_change_form"] if action == "reject_change" else forms["form"], error)
        else:
            flash(done, "success")
            return redirect(url_for("officers.organisations"))
    return page()


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
