"""Officers escalate a commitment still unmet after its remedial plan to a governance board,
then resolve it (delivered, a Social Value Fund payment, or a credit naming the substitute
return or delivery). The supplier is emailed at each step. Rules: models/returns/escalation.py."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from brokerage.decorators import officer_required
from brokerage.forms.returns import EscalationForm, ResolutionForm
from brokerage.officers import bp
from brokerage.templating import substitute_label
from brokerage.views import apply_rule
from models import Commitment, db
from models.core.events import events_for
from models.returns.escalation import escalate, escalation_of, resolve, substitutes
from workers.notify import send_escalation_step


def _commitment_or_404(commitment_id: int) -> Commitment:
    found = db.session.get(Commitment, commitment_id)
    if found is None:
        abort(404)
    return found


def _page(commitment: Commitment, escalation_form=None, resolution_form=None, status: int = 200):
    resolution_form = resolution_form or ResolutionForm(formdata=None)
    resolution_form.substitute.choices = [("", _("Choose one"))] + substitutes(commitment, substitute_label)
    return render_template(
        "officers/escalation.html", commitment=commitment, contract=commitment.contract,
        escalation=escalation_of(commitment), escalation_form=escalation_form or EscalationForm(formdata=None),
        resolution_form=resolution_form, events=events_for(commitment, limit=50), today=date.today(),
    ), status


@bp.route("/commitments/<int:commitment_id>/escalation")
@officer_required
def escalation(commitment_id: int):
    return _page(_commitment_or_404(commitment_id))


@bp.route("/commitments/<int:commitment_id>/escalation/escalate", methods=["POST"])
@officer_required
def escalate_commitment(commitment_id: int):
    commitment = _commitment_or_404(commitment_id)
    form = EscalationForm()
    if form.validate_on_submit():
        def rule():
            send_escalation_step(commitment, escalate(commitment, current_user, form.board.data, form.escalated_on.data,
                                                      date.today()))

        if apply_rule(rule, form):
            flash(_("Escalated. The supplier has been told."), "success")
            return redirect(url_for("officers.escalation", commitment_id=commitment.id))
    return _page(commitment, escalation_form=form, status=400)


@bp.route("/commitments/<int:commitment_id>/escalation/resolve", methods=["POST"])
@officer_required
def resolve_escalation(commitment_id: int):
    commitment = _commitment_or_404(commitment_id)
    form = ResolutionForm()
    form.substitute.choices = [("", _("Choose one"))] + substitutes(commitment, substitute_label)
    if form.validate_on_submit():
        def rule():
            send_escalation_step(commitment, resolve(commitment, current_user, form.kind.data, date.today(),
                                                     fund_payment_pence=form.amount.pence, substitute=form.substitute.data or ""))

        if apply_rule(rule, form):
            flash(_("Escalation resolved. The supplier has been told."), "success")
            return redirect(url_for("officers.escalation", commitment_id=commitment.id))
    return _page(commitment, resolution_form=form, status=400)
