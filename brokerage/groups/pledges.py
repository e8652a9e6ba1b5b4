"""Community groups answer the pledges made to their needs: accept, decline with
a reason, and confirm receipt of a delivery."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import contains_eager, joinedload

from brokerage.decorators import verified_email_required
from brokerage.groups import bp
from brokerage.groups.routes import _group_or_403
from brokerage.forms import ActionForm
from brokerage.pagination import paginate
from brokerage.forms.pledges import DeclineForm
from brokerage.views import apply_rule
from models import Need, Pledge, db
from models.pledges.rules import accept_pledge, confirm_receipt, decline_pledge
from workers.notify import send_pledge_decision


@bp.route("/groups/<int:organisation_id>/pledges")
@verified_email_required
def pledges(organisation_id: int):
    return _pledges_page(_group_or_403(organisation_id))


def _pledges_page(organisation):
    """The list, what needs an answer first."""
    # What needs an answer first: offers to accept or decline, deliveries to confirm.
    waiting = case(
        (Pledge.status == "offered", 0),
        ((Pledge.status == "delivered") & Pledge.group_confirmed_at.is_(None), 0),
        else_=1,
    )
    query = (
        select(Pledge)
        .join(Pledge.need)
        .where(Need.organisation_id == organisation.id)
        .options(contains_eager(Pledge.need), joinedload(Pledge.supplier))
        .order_by(waiting, Pledge.created_at.desc(), Pledge.id.desc())
    )
    return render_template(
        "groups/pledges.html",
        organisation=organisation,
        page=paginate(query, per_page=25),
    )


def _pledge_or_404(pledge_id: int) -> Pledge:
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None:
        abort(404)
    return pledge


def _back(pledge: Pledge):
    return redirect(url_for("groups.pledges", organisation_id=pledge.need.organisation_id))


@bp.route("/groups/pledges/<int:pledge_id>/accept", methods=["POST"])
@verified_email_required
def accept(pledge_id: int):
    pledge = _pledge_or_404(pledge_id)
    if not ActionForm().validate_on_submit():
        abort(400)

    def rule():
        accept_pledge(pledge, current_user)
        send_pledge_decision(pledge)

    if apply_rule(rule):
        flash(_("You accepted the pledge from %(supplier)s. We have told them.", supplier=pledge.supplier.name), "success")
    return _back(pledge)


@bp.route("/groups/pledges/<int:pledge_id>/decline", methods=["GET", "POST"])
@verified_email_required
def decline(pledge_id: int):
    """Asks "Are you sure?", with the reason the supplier will read, then declines."""
    pledge = _pledge_or_404(pledge_id)
    form = DeclineForm()
    if request.method == "POST" and form.validate_on_submit():

        def rule():
            decline_pledge(pledge, current_user, form.reason.data or "")
            send_pledge_decision(pledge)

        if apply_rule(rule, form):
            flash(_("You declined the pledge from %(supplier)s. We have told them why.", supplier=pledge.supplier.name), "success")
            return _back(pledge)
    elif form.csrf_token.errors:
        abort(400)
    if not pledge.need.organisation.is_member(current_user):
        abort(403)
    if pledge.status != "offered" and not form.errors:
        return _back(pledge)
    return render_template(
        "groups/confirm.html",
        form=form,
        question=_("Are you sure you want to decline the pledge from %(supplier)s?", supplier=pledge.supplier.name),
        caption=f"{pledge.need.title}: {pledge.quantity:,} {pledge.need.unit}",
        next_steps=[
            _("%(supplier)s will be told, with your reason. You cannot accept this pledge afterwards.", supplier=pledge.supplier.name),
            _("What they pledged is open to other suppliers again."),
        ],
        action_url=url_for("groups.decline", pledge_id=pledge.id),
        field=form.reason,
        button=_("Yes, decline the pledge"),
        cancel_url=url_for("groups.pledges", organisation_id=pledge.need.organisation_id),
    )


@bp.route("/groups/pledges/<int:pledge_id>/received", methods=["POST"])
@verified_email_required
def received(pledge_id: int):
    pledge = _pledge_or_404(pledge_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if apply_rule(lambda: confirm_receipt(pledge, current_user)):
        flash(
            _("Thank you: you confirmed receiving the delivery from %(supplier)s. The council will now confirm it.", supplier=pledge.supplier.name),
            "success",
        )
    return _back(pledge)
