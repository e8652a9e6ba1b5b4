"""Suppliers pledge against a published need, record delivery with evidence, and
withdraw a pledge before delivery. Each state change is one rule, one commit."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from brokerage.decorators import verified_email_required
from brokerage.evidence import apply_with_evidence, can_see_evidence, evidence_response
from brokerage.extensions import limiter
from brokerage.forms import ActionForm
from workers.notify import send_pledge_delivered, send_pledge_offered, send_pledge_withdrawn
from brokerage.forms.pledges import NO_COMMITMENT, NO_SUPPLIER, DeliveryForm, PledgeForm
from brokerage.rule_messages import translate_label, translate_rule_message
from brokerage.suppliers import bp
from brokerage.templating import format_quantity
from brokerage.views import apply_rule
from models import Commitment, Contract, Membership, Need, Organisation, PermissionDenied, Pledge, db
from models.pledges.rules import (
    NOT_VERIFIED,
    fitting_commitments,
    make_pledge,
    need_pledge_problem,
    record_delivery,
    supplier_pledge_problem,
    withdraw_pledge,
)


def my_suppliers(user) -> list[Organisation]:
    """The suppliers the user is a member of, verified or not."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == user.id, Organisation.kind == "supplier")
            .order_by(Organisation.name)
        )
    )


def approved_commitments(supplier_ids: list[int]) -> list[Commitment]:
    """Approved commitments of these suppliers, with contract, supplier and measure in one query."""
    if not supplier_ids:
        return []
    return list(
        db.session.scalars(
            select(Commitment)
            .join(Commitment.contract)
            .where(Contract.supplier_id.in_(supplier_ids), Commitment.state == "approved")
            .options(
                contains_eager(Commitment.contract).joinedload(Contract.supplier),
                joinedload(Commitment.measure),
            )
            .order_by(Contract.supplier_id, Commitment.due_date, Commitment.id)
        ).unique()
    )


@bp.route("/needs/<int:need_id>/pledge", methods=["GET", "POST"])
@verified_email_required
@limiter.limit("60 per hour", methods=["POST"])
def pledge(need_id: int):
    need = db.session.get(Need, need_id)
    if need is None or not need.can_view(current_user):
        abort(404)
    suppliers = my_suppliers(current_user)
    if not suppliers:
        raise PermissionDenied("Only members of a supplier organisation can pledge")
    verified = [supplier for supplier in suppliers if supplier_pledge_problem(supplier, current_user) is None]
    if not verified:
        raise PermissionDenied(NOT_VERIFIED)
    if request.method == "GET" and (closed := need_pledge_problem(need, date.today())):
        flash(translate_rule_message(closed), "error")
        return redirect(url_for("public.need", need_id=need.id))
    # Only the commitments a delivery to this need could count towards are offered.
    commitments = fitting_commitments(need, approved_commitments([supplier.id for supplier in verified]))
    # A recommendation links here with the commitment it was suggested for.
    suggested = request.args.get("commitment", NO_COMMITMENT, type=int)
    only = verified[0].id if len(verified) == 1 else NO_SUPPLIER  # one organisation: used, and named on the page
    form = PledgeForm(verified, commitments, supplier_id=only, commitment_id=suggested)
    if len(verified) == 1:
        form.supplier_id.data = only
    if form.validate_on_submit():
        supplier = next(s for s in verified if s.id == form.supplier_id.data)
        created: list[Pledge] = []

        def rule():
            pledge = make_pledge(
                need, supplier, current_user, form.quantity.data, form.message.data or "",
                commitment_id=form.commitment_id.data or None,
            )
            send_pledge_offered(pledge)
            created.append(pledge)

        if apply_rule(rule, form):
            flash(
                _("You pledged %(quantity)s to “%(title)s”. We have told %(group)s; they will accept or decline it.",
                  quantity=format_quantity(created[0].quantity, need.unit), title=need.title, group=need.organisation.name),
                "success",
            )
            return redirect(url_for("suppliers.dashboard", organisation_id=supplier.id))
    return render_template(
        "suppliers/pledge.html", form=form, need=need, suppliers=verified, has_commitments=bool(commitments)
    )


def _own_pledge_or_403(pledge_id: int) -> Pledge:
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None:
        abort(404)
    if not pledge.supplier.is_member(current_user):
        abort(403)
    return pledge


@bp.route("/suppliers/pledges/<int:pledge_id>/delivery", methods=["GET", "POST"])
@verified_email_required
@limiter.limit("60 per hour", methods=["POST"])
def record(pledge_id: int):
    pledge = _own_pledge_or_403(pledge_id)
    if pledge.status != "accepted":
        flash(_("This pledge is %(status)s: record delivery once the group has accepted it.",
                status=translate_label(pledge.status_label).lower()), "info")
        return redirect(url_for("suppliers.dashboard", organisation_id=pledge.supplier_id))
    form = DeliveryForm()
    if form.validate_on_submit():

        def rule(stored: str | None):
            record_delivery(pledge, current_user, form.delivered_on.data, form.note.data or "", stored, date.today())
            send_pledge_delivered(pledge)

        if apply_with_evidence(form, rule):
            flash(_("Delivery recorded. We have asked %(group)s to confirm they received it.",
                    group=pledge.need.organisation.name), "success")
            return redirect(url_for("suppliers.dashboard", organisation_id=pledge.supplier_id))
    return render_template("suppliers/record_delivery.html", form=form, pledge=pledge)


@bp.route("/suppliers/pledges/<int:pledge_id>/withdraw", methods=["GET", "POST"])
@verified_email_required
def withdraw(pledge_id: int):
    pledge = _own_pledge_or_403(pledge_id)
    if request.method == "GET":
        return render_template(
            "suppliers/confirm.html",
            question=_("Are you sure you want to withdraw your pledge to “%(title)s”?", title=pledge.need.title),
            caption=f"{pledge.supplier.name}: {format_quantity(pledge.quantity, pledge.need.unit)}",
            next_steps=[
                _("%(group)s will be told that you withdrew it, and what you pledged is open to other suppliers again.",
                  group=pledge.need.organisation.name),
                _("You cannot undo this. To help with this need later, make a new pledge."),
            ],
            action_url=url_for("suppliers.withdraw", pledge_id=pledge.id),
            button=_("Yes, withdraw the pledge"),
            cancel_url=url_for("suppliers.dashboard", organisation_id=pledge.supplier_id),
        )
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)

    def rule():
        withdraw_pledge(pledge, current_user)
        send_pledge_withdrawn(pledge)

    if apply_rule(rule):
        flash(_("Your pledge to “%(title)s” has been withdrawn.", title=pledge.need.title), "success")
    return redirect(url_for("suppliers.dashboard", organisation_id=pledge.supplier_id))


@bp.route("/pledges/<int:pledge_id>/evidence")
@verified_email_required
def evidence(pledge_id: int):
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or not pledge.evidence_filename:
        abort(404)
    if not can_see_evidence(pledge, current_user):
        abort(403)
    return evidence_response(pledge.evidence_filename)
