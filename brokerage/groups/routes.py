"""Community groups post and manage their needs."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from brokerage.templating import format_date
from brokerage.views import apply_rule, show_domain_error
from brokerage.decorators import verified_email_required
from brokerage.extensions import limiter
from brokerage.groups import bp
from brokerage.markdown import render_markdown
from brokerage.forms import ActionForm
from brokerage.forms.needs import NeedForm
from brokerage.i18n import languages
from brokerage.pagination import paginate
from brokerage.photos import delete_photo, hold_chosen_photo
from brokerage.rule_messages import translate_label
from models import DomainError, Need, Organisation, PermissionDenied, db
from models.core.uploads import claim_pending_upload
from models.needs.rules import (
    close_need,
    create_need,
    live_need_cap,
    live_need_count,
    reopen_need,
    set_photo,
    submit_need,
    translate_need,
    update_need,
    withdraw_need,
)


def _group_or_403(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    if organisation.kind != "vcse" or not organisation.is_member(current_user):
        abort(403)
    return organisation


def _need_or_403(need_id: int) -> Need:
    need = db.session.get(Need, need_id)
    if need is None:
        abort(404)
    if not need.can_manage(current_user):
        abort(403)
    return need


@bp.route("/groups/<int:organisation_id>/needs")
@verified_email_required
def needs(organisation_id: int):
    organisation = _group_or_403(organisation_id)
    query = select(Need).where(Need.organisation_id == organisation.id).order_by(Need.updated_at.desc(), Need.id.desc())
    page = paginate(query, per_page=25)
    from models.tenders.pack import offers_reserving

    return render_template(
        "groups/needs.html",
        organisation=organisation,
        page=page,
        # Sealed offers: the group learns how many reserve its need, never who.
        in_offers=offers_reserving([need.id for need in page.items]),
        live=live_need_count(organisation.id),
        cap=live_need_cap(),
        today=date.today(),
    )


def _handle_need_form(form: NeedForm, organisation: Organisation, need: Need | None):
    """Shared by create and edit: preview, save as draft, or save and send for review.
    A chosen photo is kept across a preview or a mistake, and attached when it is saved."""
    if request.method == "POST" and form.remove_pending_photo.data:
        hold_chosen_photo(form)
        return None, None
    preview = render_markdown(form.description.data) if form.preview.data else None
    valid = form.validate_on_submit()  # a preview shows problems beside the fields too
    if not hold_chosen_photo(form) or form.preview.data or not valid:
        return None, preview
    today = date.today()
    try:
        if need is None:
            need = create_need(organisation, current_user, form.details(), today, client_token=form.client_token.data)
        else:
            update_need(need, current_user, form.details(), today)
        translate_need(need, current_user, form.second_text(), languages())
        old = set_photo(need, current_user, claim_pending_upload(form.attached)) if form.attached else None
        if form.submit_for_review.data:
            submit_need(need, current_user, today)
        db.session.commit()
    except IntegrityError:
        # The same form sent twice (double click): the first one made the need.
        db.session.rollback()
        existing = db.session.scalar(select(Need).where(Need.client_token == form.client_token.data))
        if existing is not None and existing.can_manage(current_user):
            return redirect(url_for("groups.edit_need", need_id=existing.id)), None
        raise
    except PermissionDenied as error:
        db.session.rollback()  # the photo stays pending, still attached to the form
        if not organisation.is_member(current_user):
            raise
        # A member of a group not yet verified: say why, and keep what they typed.
        show_domain_error(form, error)
        return None, preview
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return None, preview
    delete_photo(old)
    if need.status == "submitted":
        flash(_("“%(title)s” has been sent to the council for review.", title=need.title), "success")
    else:
        flash(_("“%(title)s” has been saved as a draft.", title=need.title), "success")
    return redirect(url_for("groups.needs", organisation_id=organisation.id)), None


@bp.route("/groups/<int:organisation_id>/needs/new", methods=["GET", "POST"])
@verified_email_required
@limiter.limit("60 per hour", methods=["POST"])
def new_need(organisation_id: int):
    organisation = _group_or_403(organisation_id)
    live, cap = live_need_count(organisation.id), live_need_cap()
    if live >= cap:
        # Say so before anyone fills in the form, not after they send it.
        return render_template("groups/need_cap.html", organisation=organisation, live=live, cap=cap)
    form = NeedForm()
    if request.method == "GET":
        form.ward_id.data = organisation.ward_id or 0  # the group's own ward, not borough-wide
    response, preview = _handle_need_form(form, organisation, None)
    if response is not None:
        return response
    return render_template("groups/need_form.html", form=form, organisation=organisation, need=None, preview=preview)


@bp.route("/needs/<int:need_id>/edit", methods=["GET", "POST"])
@verified_email_required
@limiter.limit("60 per hour", methods=["POST"])
def edit_need(need_id: int):
    need = _need_or_403(need_id)
    if not need.is_editable:
        flash(_("This need is %(status)s, so it cannot be changed.", status=translate_label(need.status_label).lower()), "info")
        return redirect(url_for("public.need", need_id=need.id))
    form = NeedForm(obj=need)
    if request.method == "GET":
        form.value.data = f"{need.value_pence / 100:,.2f}".replace(".00", "")
        form.ward_id.data = need.ward_id or 0
    response, preview = _handle_need_form(form, need.organisation, need)
    if response is not None:
        return response
    return render_template(
        "groups/need_form.html", form=form, organisation=need.organisation, need=need, preview=preview
    )


def _state_action(need_id: int, rule, message):
    """`message(title)`: the flash when the rule worked, in the page's language."""
    need = _need_or_403(need_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if apply_rule(lambda: rule(need, form)):
        flash(message(need.title), "success")
    return redirect(url_for("groups.needs", organisation_id=need.organisation_id))


@bp.route("/needs/<int:need_id>/submit", methods=["POST"])
@verified_email_required
def submit(need_id: int):
    return _state_action(
        need_id, lambda need, form: submit_need(need, current_user, date.today()), lambda title: _("“%(title)s” has been sent for review.", title=title)
    )


@bp.route("/needs/<int:need_id>/withdraw", methods=["GET", "POST"])
@verified_email_required
def withdraw(need_id: int):
    if request.method == "GET":
        need = _need_or_403(need_id)
        return render_template(
            "groups/confirm.html",
            question=_("Are you sure you want to withdraw “%(title)s”?", title=need.title),
            caption=need.organisation.name,
            next_steps=[
                _("The council will not review it, and it will not be published."),
                _("You cannot undo this. To ask for this help later, post a new need."),
            ],
            action_url=url_for("groups.withdraw", need_id=need.id),
            button=_("Yes, withdraw the need"),
            cancel_url=url_for("groups.needs", organisation_id=need.organisation_id),
        )
    return _state_action(need_id, lambda need, form: withdraw_need(need, current_user), lambda title: _("“%(title)s” has been withdrawn.", title=title))


@bp.route("/needs/<int:need_id>/close", methods=["GET", "POST"])
@verified_email_required
def close(need_id: int):
    if request.method == "GET":
        need = _need_or_403(need_id)
        return render_template(
            "groups/confirm.html",
            question=_("Are you sure you want to close “%(title)s”?", title=need.title),
            caption=need.organisation.name,
            next_steps=[
                _(
                    "It will no longer be shown on the public pages and suppliers cannot pledge to it. "
                    "Pledges already accepted stay as they are."
                ),
                _("You can reopen it from your needs until its deadline, %(deadline)s.", deadline=format_date(need.deadline)),
            ],
            action_url=url_for("groups.close", need_id=need.id),
            field=ActionForm().reason,
            button=_("Yes, close the need"),
            cancel_url=url_for("groups.needs", organisation_id=need.organisation_id),
        )
    return _state_action(
        need_id, lambda need, form: close_need(need, current_user, form.reason.data or ""), lambda title: _("“%(title)s” has been closed.", title=title)
    )


@bp.route("/needs/<int:need_id>/reopen", methods=["POST"])
@verified_email_required
def reopen(need_id: int):
    return _state_action(
        need_id,
        lambda need, form: reopen_need(need, current_user, date.today()),
        lambda title: _("“%(title)s” has been reopened: suppliers can pledge to it again.", title=title),
    )


@bp.route("/needs/<int:need_id>/photo/remove", methods=["GET", "POST"])
@verified_email_required
def remove_photo(need_id: int):
    need = _need_or_403(need_id)
    if request.method == "GET":
        return render_photo_removal(need.title, url_for("groups.remove_photo", need_id=need.id), url_for("groups.edit_need", need_id=need.id))
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    old = need.photo_filename
    if apply_rule(lambda: set_photo(need, current_user, None)):
        delete_photo(old)
        flash(_("The photo has been removed."), "success")
    return redirect(url_for("groups.edit_need", need_id=need.id))


def render_photo_removal(title: str, action_url: str, cancel_url: str):
    """The "Are you sure?" page before a need's or a story's photo is deleted (shared by both)."""
    return render_template(
        "groups/confirm.html",
        question=_("Are you sure you want to remove the photo?"),
        caption=title,
        next_steps=[
            _("The photo will be deleted from “%(title)s” and no longer shown with it.", title=title),
            _("You cannot undo this. To show a photo again, upload it again when you change the details."),
        ],
        action_url=action_url,
        button=_("Yes, remove the photo"),
        cancel_url=cancel_url,
    )
