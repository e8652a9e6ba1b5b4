"""Officers link a social planning contribution to the commitments and needs it carries
(models/planning/links.py): a page per contribution, shown on the planning register and on
the commitment's page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from brokerage.decorators import officer_required
from brokerage.forms import ConfirmForm
from brokerage.forms.pledges import commitment_label
from brokerage.forms.planning import LinkCommitmentForm, LinkNeedForm
from brokerage.officers import bp
from brokerage.views import apply_rule
from models import db
from models.planning.links import (
    ContributionLink, contribution_of_commitment, link_commitment, link_need, links_by_contribution,
    planning_commitments, unlink,
)
from models.planning.models import DeveloperContribution


@bp.context_processor
def _planning_contribution():
    # The commitment page shows the contribution a commitment is linked to (officers/_contribution_of_commitment.html).
    return {"contribution_of_commitment": contribution_of_commitment}


def _contribution_or_404(contribution_id: int) -> DeveloperContribution:
    found = db.session.get(DeveloperContribution, contribution_id)
    if found is None:
        abort(404)
    return found


def _commitment_form(formdata: bool = False) -> LinkCommitmentForm:
    form = LinkCommitmentForm() if formdata else LinkCommitmentForm(formdata=None)
    form.commitment_id.choices = [(0, _("Choose a commitment"))] + [
        (commitment.id, f"{commitment.contract.reference}: {commitment_label(commitment)}") for commitment in planning_commitments()
    ]
    return form


def _page(contribution: DeveloperContribution, commitment_form=None, need_form=None, status: int = 200):
    return render_template(
        "officers/planning_contribution.html", contribution=contribution,
        links=links_by_contribution([contribution.id]).get(contribution.id, []),
        commitment_form=commitment_form or _commitment_form(), need_form=need_form or LinkNeedForm(formdata=None),
        form=commitment_form if commitment_form is not None and commitment_form.errors else need_form,
    ), status


@bp.route("/planning-obligations/contributions/<int:contribution_id>")
@officer_required
def planning_contribution(contribution_id: int):
    return _page(_contribution_or_404(contribution_id))


@bp.route("/planning-obligations/contributions/<int:contribution_id>/links", methods=["POST"])
@officer_required
def link_contribution(contribution_id: int):
    contribution = _contribution_or_404(contribution_id)
    commitment_form, need_form = _commitment_form(formdata=True), LinkNeedForm()
    if commitment_form.link_commitment.data:
        form, rule = commitment_form, lambda: link_commitment(contribution, commitment_form.commitment_id.data, current_user)
        need_form = LinkNeedForm(formdata=None)
    else:
        form, rule = need_form, lambda: link_need(contribution, need_form.need_id.data, current_user)
        commitment_form = _commitment_form()
    if form.validate_on_submit() and apply_rule(rule, form):
        flash(_("Linked to the contribution."), "success")
        return redirect(url_for("officers.planning_contribution", contribution_id=contribution.id))
    if form.csrf_token.errors:
        abort(400)
    return _page(db.session.get(DeveloperContribution, contribution_id), commitment_form, need_form, status=400)


@bp.route("/planning-obligations/links/<int:link_id>/remove", methods=["POST"])
@officer_required
def unlink_contribution(link_id: int):
    link = db.session.get(ContributionLink, link_id)
    if link is None:
        abort(404)
    contribution_id = link.contribution_id
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if apply_rule(lambda: unlink(link, current_user)):
        flash(_("Link removed."), "success")
    return redirect(url_for("officers.planning_contribution", contribution_id=contribution_id))
