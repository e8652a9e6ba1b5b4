"""Organisations: register one, see it, change it, invite and remove members."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from brokerage.views import apply_rule, show_domain_error
from brokerage.decorators import verified_email_required
from brokerage.extensions import limiter
from brokerage.notify import send_invitation
from brokerage.organisations import bp
from brokerage.forms import ConfirmForm
from brokerage.forms.people import InviteForm, KindForm, OrganisationForm
from brokerage.tokens import TokenError, read_token
from models import DomainError, Invitation, Membership, Organisation, OrganisationKind, db
from models.people.organisations import accept_invitation as accept_invitation_rule
from models.reporting.scorecards import is_public_supplier, supplier_scorecard
from models.tenders.tracing import promised_at_tender
from models.people.organisations import (
    create_organisation,
    invite_member,
    remove_member,
    resubmit_organisation,
    update_organisation_details,
)


def _organisation_or_404(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return organisation


def _owned_or_403(organisation_id: int) -> Organisation:
    organisation = _organisation_or_404(organisation_id)
    if not organisation.is_owner(current_user):
        abort(403)
    return organisation


def _form_values(form: OrganisationForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "legal_form": form.legal_form.data,
        "registration_number": form.registration_number.data,
        "size_band": form.size_band.data if form.kind == "supplier" else None,
        "based_in_borough": bool(form.based_in_borough.data),
        "description": (form.description.data or "").strip(),
        "website": (form.website.data or "").strip() or None,
        "contact_email": (form.contact_email.data or "").strip().lower() or None,
        "ward_id": form.ward_id.data or None,
    }


FIELD_WORDS = {"name": _l("name"), "legal_form": _l("type of organisation"), "registration_number": _l("registration number")}


def _field_words(fields: list[str]) -> str:
    words = [str(FIELD_WORDS[field]) for field in fields]
    return words[0] if len(words) == 1 else _("%(first)s and %(last)s", first=", ".join(words[:-1]), last=words[-1])


@bp.route("/")
@login_required
def mine():
    return render_template("organisations/mine.html", organisations=current_user.organisations())


@bp.route("/new", methods=["GET", "POST"])
@verified_email_required
def new():
    kind = request.args.get("kind")
    if kind not in ("vcse", "supplier"):
        form = KindForm()
        if form.validate_on_submit():
            return redirect(url_for("organisations.new", kind=form.kind.data))
        return render_template("organisations/choose_kind.html", form=form)
    form = OrganisationForm(kind)
    if form.validate_on_submit():
        try:
            organisation = create_organisation(current_user, OrganisationKind(kind), **_form_values(form))
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            flash(_("%(name)s has been sent to the council for verification.", name=organisation.name), "success")
            return redirect(url_for("organisations.show", organisation_id=organisation.id))
    return render_template("organisations/form.html", form=form, kind=kind, organisation=None)


@bp.route("/<int:organisation_id>")
def show(organisation_id: int):
    organisation = _organisation_or_404(organisation_id)
    user = current_user if current_user.is_authenticated else None
    if not organisation.can_view(user):
        abort(404)  # unverified organisations do not exist publicly
    is_member = organisation.is_member(user)
    scorecard = supplier_scorecard(organisation, date.today()) if is_public_supplier(organisation) else None
    return render_template(
        "organisations/show.html",
        organisation=organisation,
        is_member=is_member,
        is_owner=organisation.is_owner(user),
        members=organisation.members() if is_member or (user and user.is_officer) else [],
        pending_invitations=db.session.scalars(
            select(Invitation).where(Invitation.organisation_id == organisation.id, Invitation.accepted_at.is_(None))
        ).all()
        if is_member
        else [],
        scorecard=scorecard,
        promised=promised_at_tender([contract.id for contract in scorecard.contracts]) if scorecard else {},
    )


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@verified_email_required
def edit(organisation_id: int):
    organisation = _owned_or_403(organisation_id)
    # While a change of name, legal form or number waits for the council, the form shows it
    # (what the owners asked for), not the verified details everyone else still sees.
    form = OrganisationForm(organisation.kind, obj=organisation)
    if request.method == "GET":
        form.ward_id.data = organisation.ward_id or 0
        if organisation.pending_change is not None:
            for field, value in organisation.pending_change.identity().items():
                getattr(form, field).data = value
    if form.validate_on_submit():
        def save():
            update_organisation_details(organisation, current_user, **_form_values(form))
            if organisation.status == "rejected":
                resubmit_organisation(organisation, current_user)

        if apply_rule(save, form):
            change = organisation.pending_change
            if change is not None:
                flash(
                    _(
                        "The details have been saved. The council will check the new %(fields)s before anyone else sees them.",
                        fields=_field_words(change.changed_fields()),
                    ),
                    "success",
                )
            else:
                flash(_("The organisation's details have been saved."), "success")
            return redirect(url_for("organisations.show", organisation_id=organisation.id))
    return render_template("organisations/form.html", form=form, kind=organisation.kind, organisation=organisation)


@bp.route("/<int:organisation_id>/invite", methods=["GET", "POST"])
@verified_email_required
@limiter.limit("30 per hour", methods=["POST"])
def invite(organisation_id: int):
    organisation = _owned_or_403(organisation_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = invite_member(organisation, current_user, form.email.data)
            send_invitation(invitation, current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            flash(_("We have sent an invitation to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("organisations.show", organisation_id=organisation.id))
    return render_template("organisations/invite.html", form=form, organisation=organisation)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token: str):
    try:
        payload = read_token("invitation", token, current_app.config["EMAIL_TOKEN_MAX_AGE"] * 5)
    except TokenError as error:
        return render_template("organisations/invitation_problem.html", expired=error.expired), 400
    invitation = db.session.get(Invitation, payload.get("invitation"))
    if invitation is None or invitation.email != payload.get("email"):
        return render_template("organisations/invitation_problem.html", expired=False), 400
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            # This view has the rule's name (its endpoint is in emailed links), so the rule is imported as accept_invitation_rule.
            accept_invitation_rule(invitation, current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_domain_error(None, error)
        else:
            flash(_("You are now a member of %(name)s.", name=invitation.organisation.name), "success")
            return redirect(url_for("organisations.show", organisation_id=invitation.organisation_id))
    return render_template("organisations/accept.html", invitation=invitation, form=form)


@bp.route("/<int:organisation_id>/members/<int:membership_id>/remove", methods=["GET", "POST"])
@login_required
def remove(organisation_id: int, membership_id: int):
    organisation = _organisation_or_404(organisation_id)
    membership = db.session.get(Membership, membership_id)
    if request.method == "GET":
        return _confirm_removal(organisation, membership)
    form = ConfirmForm()
    if membership is None or not form.validate_on_submit():
        abort(400)
    if apply_rule(lambda: remove_member(organisation, current_user, membership)):
        flash(_("The member has been removed."), "success")
    if organisation.is_member(current_user):
        return redirect(url_for("organisations.show", organisation_id=organisation.id))
    return redirect(url_for("organisations.mine"))


def _confirm_removal(organisation: Organisation, membership: Membership | None):
    """The "Are you sure?" page before a member is removed, or before someone leaves: only
    the organisation's owners, or the member themself, may see it."""
    if membership is None or membership.organisation_id != organisation.id:
        abort(404)
    leaving = membership.user_id == current_user.id
    if not (leaving or organisation.is_owner(current_user)):
        abort(403)
    if leaving:
        question = _("Are you sure you want to leave %(name)s?", name=organisation.name)
        next_steps = [
            _("You will no longer be able to act for %(name)s or see its private pages.", name=organisation.name),
            _("You cannot undo this. To join again, ask one of its owners to invite you."),
        ]
    else:
        question = _("Are you sure you want to remove %(person)s from %(name)s?", person=membership.user.name, name=organisation.name)
        next_steps = [
            _(
                "%(person)s will no longer be able to act for %(name)s or see its private pages.",
                person=membership.user.name,
                name=organisation.name,
            ),
            _("You cannot undo this. To let them back in, invite them again."),
        ]
    return render_template(
        "organisations/confirm.html",
        question=question,
        caption=organisation.name,
        next_steps=next_steps,
        action_url=url_for("organisations.remove", organisation_id=organisation.id, membership_id=membership.id),
        button=_("Yes, leave") if leaving else _("Yes, remove them"),
        cancel_url=url_for("organisations.show", organisation_id=organisation.id),
    )
