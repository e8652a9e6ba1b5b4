""""Recommended for you": the matching worker's suggestions of open needs that fit
a supplier's commitments, with the reasons; a member dismisses one for good."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from brokerage.decorators import verified_email_required
from brokerage.forms import ActionForm
from brokerage.pagination import paginate
from brokerage.suppliers import bp
from brokerage.suppliers.dashboard import supplier_or_404
from brokerage.views import apply_rule
from models import Match, db
from models.matching.matches import dismiss_match, recommendations
from models.pledges.rules import may_pledge_for


@bp.route("/suppliers/<int:organisation_id>/recommended")
@verified_email_required
def recommended(organisation_id: int):
    supplier = supplier_or_404(organisation_id)
    today = date.today()
    page = paginate(recommendations(supplier.id, today), per_page=25)
    return render_template(
        "suppliers/recommended.html",
        supplier=supplier,
        page=page,
        is_member=supplier.is_member(current_user),
        may_pledge=may_pledge_for(supplier, current_user, today),
    )


def posted_match(match_id: int) -> Match:
    """The match a button was pressed on: 404 when gone, 400 without a valid CSRF token."""
    match = db.session.get(Match, match_id)
    if match is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    return match


@bp.route("/suppliers/matches/<int:match_id>/dismiss", methods=["POST"])
@verified_email_required
def dismiss(match_id: int):
    match = posted_match(match_id)
    supplier_id = match.commitment.contract.supplier_id
    if apply_rule(lambda: dismiss_match(match, current_user)):
        flash(_("Dismissed: we will not suggest “%(title)s” for this commitment again.", title=match.need.title), "success")
    if request.form.get("back") == "dashboard":
        return redirect(url_for("suppliers.dashboard", organisation_id=supplier_id, _anchor="recommended"))
    return redirect(url_for("suppliers.recommended", organisation_id=supplier_id))
