"""A supplier's dashboard: its contracts, its commitments with what is left, and
its pledges with what each needs from the supplier next. One query per table."""

from __future__ import annotations

from datetime import date

from flask import abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from brokerage.decorators import verified_email_required
from brokerage.pagination import paginate
from brokerage.suppliers import bp
from brokerage.suppliers.pledges import my_suppliers
from models import Commitment, Contract, Need, Organisation, Pledge, db
from models.matching.matches import recommendations
from models.pledges.rules import may_pledge_for


@bp.route("/suppliers")
@verified_email_required
def home():
    """"Your pledges" in the navigation: straight to the dashboard when there is one supplier."""
    suppliers = my_suppliers(current_user)
    if not suppliers:
        abort(404)
    if len(suppliers) == 1:
        return redirect(url_for("suppliers.dashboard", organisation_id=suppliers[0].id))
    return render_template("suppliers/choose.html", suppliers=suppliers)


def supplier_or_404(organisation_id: int) -> Organisation:
    """A supplier its members (and officers) may look at; 403 for anyone else."""
    supplier = db.session.get(Organisation, organisation_id)
    if supplier is None or supplier.kind != "supplier":
        abort(404)
    if not (supplier.is_member(current_user) or current_user.is_officer):
        abort(403)
    return supplier


@bp.route("/suppliers/<int:organisation_id>")
@verified_email_required
def dashboard(organisation_id: int):
    supplier = supplier_or_404(organisation_id)
    today = date.today()
    contracts = db.session.scalars(
        select(Contract).where(Contract.supplier_id == supplier.id).order_by(Contract.reference)
    ).all()
    commitments = db.session.scalars(
        select(Commitment)
        .join(Commitment.contract)
        .where(Contract.supplier_id == supplier.id)
        .options(contains_eager(Commitment.contract), joinedload(Commitment.measure))
        .order_by(Commitment.due_date, Commitment.id)
    ).all()
    pledges = paginate(
        select(Pledge)
        .join(Pledge.need)
        .where(Pledge.supplier_id == supplier.id)
        .options(contains_eager(Pledge.need).joinedload(Need.organisation))
        .order_by(Pledge.created_at.desc(), Pledge.id.desc()),
        per_page=25,
    )
    recommended = db.session.scalars(recommendations(supplier.id, today).limit(5)).unique().all()
    return render_template(
        "suppliers/dashboard.html",
        supplier=supplier,
        contracts=contracts,
        commitments=commitments,
        pledges=pledges,
        recommended=recommended,
        today=today,
        is_member=supplier.is_member(current_user),
        may_pledge=may_pledge_for(supplier, current_user, today),
    )
