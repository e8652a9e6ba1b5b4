"""Officers confirm deliveries (allocating them to the supplier's commitments) or
dispute them. Only a confirmed delivery counts, towards the need and the ledger."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from brokerage.decorators import officer_required
from brokerage.officers import bp
from brokerage.pagination import paginate
from brokerage.forms.pledges import DisputeForm, allocation_form
from brokerage.suppliers.pledges import approved_commitments
from brokerage.views import apply_rule
from models import Need, Pledge, db
from models.core.events import events_for
from models.core.work_queue import waiting
from models.pledges.rules import commitment_fits, confirm_delivery, dispute_delivery, set_allocations
from workers.notify import send_pledge_outcome


@bp.route("/deliveries")
@officer_required
def deliveries():
    query = waiting("deliveries").options(
        joinedload(Pledge.need).joinedload(Need.organisation), joinedload(Pledge.supplier)
    )
    return render_template("officers/deliveries.html", page=paginate(query, per_page=50))


@bp.route("/deliveries/<int:pledge_id>", methods=["GET", "POST"])
@officer_required
def delivery(pledge_id: int):
    pledge = _pledge_or_404(pledge_id)
    commitments = approved_commitments([pledge.supplier_id])
    confirm_form = allocation_form(pledge, commitments)
    dispute_form = DisputeForm()
    submitted = None
    if request.method == "POST":
        if confirm_form.confirm.data:
            submitted = confirm_form
            if confirm_form.validate_on_submit():

                def confirm():
                    confirm_delivery(pledge, current_user, confirm_form.chosen())
                    send_pledge_outcome(pledge)

                if apply_rule(confirm, confirm_form):
                    flash(_("Confirmed: %(quantity)s %(unit)s from %(supplier)s now count as delivered.", quantity="{:,}".format(pledge.quantity),
                            unit=pledge.need.unit, supplier=pledge.supplier.name), "success")
                    return redirect(url_for("officers.deliveries"))
        elif dispute_form.dispute.data:
            submitted = dispute_form
            if dispute_form.validate_on_submit():

                def dispute():
                    dispute_delivery(pledge, current_user, dispute_form.reason.data or "")
                    send_pledge_outcome(pledge)

                if apply_rule(dispute, dispute_form):
                    flash(_("Disputed: we have told %(supplier)s and %(group)s why.", supplier=pledge.supplier.name,
                            group=pledge.need.organisation.name), "success")
                    return redirect(url_for("officers.deliveries"))
        else:
            abort(400)
        if submitted.csrf_token.errors:
            abort(400)
    return _delivery_page(pledge, commitments, confirm_form, dispute_form, submitted)


@bp.route("/deliveries/<int:pledge_id>/allocations", methods=["POST"])
@officer_required
def reallocate(pledge_id: int):
    """Change how a confirmed delivery counts towards the supplier's commitments. A refusal
    is shown beside the fields on the delivery page, with what was typed kept."""
    pledge = _pledge_or_404(pledge_id)
    commitments = approved_commitments([pledge.supplier_id])
    form = allocation_form(pledge, commitments)
    if form.validate_on_submit():
        if apply_rule(lambda: set_allocations(pledge, current_user, form.chosen()), form):
            flash(_("Saved how the %(quantity)s %(unit)s from %(supplier)s count.", quantity="{:,}".format(pledge.quantity), unit=pledge.need.unit,
                    supplier=pledge.supplier.name), "success")
            return redirect(url_for("officers.delivery", pledge_id=pledge.id))
    elif form.csrf_token.errors:
        abort(400)
    db.session.refresh(pledge)
    return _delivery_page(pledge, commitments, allocation_form(pledge, commitments, formdata=None), DisputeForm(formdata=None),
                          form, reallocate_form=form)


def _pledge_or_404(pledge_id: int) -> Pledge:
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None:
        abort(404)
    return pledge


def _delivery_page(pledge, commitments, confirm_form, dispute_form, submitted=None, reallocate_form=None):
    # Allocations made before the fit rule, to commitments the delivery does not fit: shown,
    # and dropped when the officer saves the allocation.
    misfits = [allocation for allocation in pledge.allocations if not commitment_fits(allocation.commitment, pledge.need)]
    # Money from the Social Value Fund counts towards no commitment: nothing to allocate.
    if reallocate_form is None and pledge.status == "confirmed" and not pledge.from_fund and (
        confirm_form.commitment_fields or misfits
    ):
        current = {allocation.commitment_id: allocation.quantity for allocation in pledge.allocations}
        reallocate_form = allocation_form(pledge, commitments, formdata=None, data={
            name: current.get(commitment_id, 0) for commitment_id, name in confirm_form.commitment_fields
        })
    return render_template(
        "officers/delivery.html",
        reallocate_form=reallocate_form,
        pledge=pledge,
        form=submitted,
        confirm_form=confirm_form,
        dispute_form=dispute_form,
        commitments=commitments,
        misfits=misfits,
        events=events_for(pledge),
    )
