"""A member of a verified supplier proposes a social value commitment on one of
its contracts; an officer approves or rejects it (brokerage/officers/contracts.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from brokerage.forms.contracts import CommitmentForm
from brokerage.decorators import verified_email_required
from brokerage.suppliers import bp
from brokerage.views import apply_rule
from models import Commitment, Contract, db
from models.contracts.rules import add_commitment


@bp.route("/suppliers/contracts/<int:contract_id>/commitments/new", methods=["GET", "POST"])
@verified_email_required
def propose_commitment(contract_id: int):
    contract = db.session.scalar(
        select(Contract)
        .where(Contract.id == contract_id)
        .options(selectinload(Contract.supplier), selectinload(Contract.commitments).selectinload(Commitment.measure))
    )
    if contract is None:
        abort(404)
    if not contract.supplier.is_member(current_user):
        abort(403)
    form = CommitmentForm()
    if form.validate_on_submit():
        if apply_rule(lambda: add_commitment(contract, current_user, form.details()), form):
            flash(_("Commitment proposed. A council officer will approve it or get in touch."), "success")
            return redirect(url_for("suppliers.propose_commitment", contract_id=contract.id))
    return render_template("suppliers/propose_commitment.html", form=form, contract=contract)
