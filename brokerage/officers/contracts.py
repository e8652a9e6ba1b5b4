"""Officers record contracts (by hand or from an OCDS file), add and approve the
social value commitments under them, and handle unmet ones (remedial plan,
Social Value Fund payment in lieu, or a credit). The rules are in models/contracts.py."""

from __future__ import annotations

import os
import uuid
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from brokerage.forms.contracts import (
    CommitmentForm,
    ContractFilterForm,
    ContractForm,
    DecisionForm,
    OcdsUploadForm,
    RemedialPlanForm,
    SettlementForm,
)
from brokerage.decorators import officer_required
from brokerage.extensions import csrf, rq
from brokerage.officers import bp
from brokerage.pagination import paginate
from brokerage.views import apply_rule
from models import Allocation, Commitment, Contract, Event, Organisation, Pledge, Task, db, record_event
from models.contracts.models import CommitmentStatus, council_thresholds
from models.contracts.rules import (
    add_commitment,
    decide_commitment,
    record_contract,
    set_remedial_plan,
    settle_commitment,
)
from models.contracts.ocds_import import MAX_OCDS_BYTES
from models.pledges.models import HOLDING
from models.contracts.tiers import Tier, TierThresholds
from workers.contracts import import_ocds_file
from workers.matching import match_commitments


def _contract_or_404(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        abort(404)
    return contract


def _commitment_or_404(commitment_id: int) -> Commitment:
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None:
        abort(404)
    return commitment


def _tier_condition(tier: Tier, thresholds: TierThresholds | None = None):
    """The value range of a tier, as SQL (mirrors models.contracts.tiers.tier_for_value)."""
    thresholds = thresholds or council_thresholds()
    value = Contract.value_pence
    return {
        Tier.NONE: value < thresholds.basic_from_pence,
        Tier.BASIC: and_(value >= thresholds.basic_from_pence, value < thresholds.kpi_from_pence),
        Tier.KPI: and_(value >= thresholds.kpi_from_pence, value <= thresholds.strategic_over_pence),
        Tier.STRATEGIC: value > thresholds.strategic_over_pence,
    }[tier]


def pledged_quantities(commitment_ids: list[int]) -> dict[int, int]:
    """Quantity pledged (in a holding status) towards each commitment, in one grouped query."""
    if not commitment_ids:
        return {}
    rows = db.session.execute(
        select(Pledge.commitment_id, func.coalesce(func.sum(Pledge.quantity), 0))
        .where(Pledge.commitment_id.in_(commitment_ids), Pledge.status.in_(HOLDING))
        .group_by(Pledge.commitment_id)
    ).all()
    return {commitment_id: int(total) for commitment_id, total in rows}


def _history(contract: Contract, commitment_ids: list[int]) -> list[Event]:
    subjects = Event.subject_type == "contracts"
    condition = and_(subjects, Event.subject_id == str(contract.id))
    if commitment_ids:
        condition = or_(
            condition,
            and_(Event.subject_type == "commitments", Event.subject_id.in_([str(i) for i in commitment_ids])),
        )
    return list(
        db.session.scalars(
            select(Event).options(selectinload(Event.actor)).where(condition).order_by(Event.id.desc()).limit(100)
        )
    )


@bp.route("/contracts")
@officer_required
def contracts():
    suppliers = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(select(Contract.supplier_id).distinct()))
        .order_by(Organisation.name)
    ).all()
    filters = ContractFilterForm(request.args, [(row.id, row.name) for row in suppliers])
    query = select(Contract).options(selectinload(Contract.supplier)).order_by(Contract.created_at.desc(), Contract.id.desc())
    filters.validate()
    if filters.supplier.data and not filters.supplier.errors:
        query = query.where(Contract.supplier_id == filters.supplier.data)
    if filters.tier.data and not filters.tier.errors:
        query = query.where(_tier_condition(Tier(filters.tier.data)))
    page = paginate(query)
    ids = [contract.id for contract in page.items]
    counts = dict(
        db.session.execute(
            select(Commitment.contract_id, func.count())
            .where(Commitment.contract_id.in_(ids), Commitment.state != "rejected")
            .group_by(Commitment.contract_id)
        ).all()
    ) if ids else {}
    proposed = db.session.scalar(select(func.count()).select_from(Commitment).where(Commitment.state == "proposed"))
    return render_template("officers/contracts.html", page=page, filters=filters, counts=counts, proposed=proposed)


@bp.route("/contracts/new", methods=["GET", "POST"])
@officer_required
def new_contract():
    form = ContractForm()
    if form.validate_on_submit():
        created: list[Contract] = []
        if apply_rule(lambda: created.append(record_contract(form.details(), current_user)), form):
            flash(f"Contract {created[0].reference} recorded.", "success")
            return redirect(url_for("officers.contract", contract_id=created[0].id))
    return render_template("officers/contract_form.html", form=form)


@bp.route("/contracts/<int:contract_id>")
@officer_required
def contract(contract_id: int):
    contract = db.session.scalar(
        select(Contract)
        .where(Contract.id == contract_id)
        .options(
            selectinload(Contract.supplier),
            selectinload(Contract.commitments).selectinload(Commitment.measure),
            selectinload(Contract.commitments).selectinload(Commitment.wards),
        )
    )
    if contract is None:
        abort(404)
    ids = [commitment.id for commitment in contract.commitments]
    return render_template(
        "officers/contract.html",
        contract=contract,
        tier=contract.tier(),
        shortfalls=contract.shortfalls(),
        pledged=pledged_quantities(ids),
        decision_form=DecisionForm(),
        events=_history(contract, ids),
        today=date.today(),
    )


@bp.route("/contracts/<int:contract_id>/commitments/new", methods=["GET", "POST"])
@officer_required
def new_commitment(contract_id: int):
    contract = _contract_or_404(contract_id)
    form = CommitmentForm()
    if form.validate_on_submit():
        added: list[Commitment] = []
        if apply_rule(lambda: added.append(add_commitment(contract, current_user, form.details())), form):
            rq.enqueue(match_commitments, added[0].id)
            flash("Commitment added.", "success")
            return redirect(url_for("officers.contract", contract_id=contract.id))
    return render_template("officers/commitment_form.html", form=form, contract=contract)


@bp.route("/commitments/<int:commitment_id>/decision", methods=["POST"])
@officer_required
def decide_commitment_view(commitment_id: int):
    commitment = _commitment_or_404(commitment_id)
    form = DecisionForm()
    if not form.validate_on_submit() or not (form.approve.data or form.reject.data):
        abort(400)
    approve = bool(form.approve.data)
    if apply_rule(lambda: decide_commitment(commitment, current_user, approve)):
        if approve:
            rq.enqueue(match_commitments, commitment.id)
        flash(f"Commitment {'approved' if approve else 'rejected'}.", "success")
    if request.form.get("next") == "commitment":
        return redirect(url_for("officers.commitment", commitment_id=commitment.id))
    return redirect(url_for("officers.contract", contract_id=commitment.contract_id))


def _render_commitment(commitment: Commitment, remedial_form=None, settlement_form=None, status: int = 200):
    allocations = db.session.scalars(
        select(Allocation)
        .where(Allocation.commitment_id == commitment.id)
        .options(selectinload(Allocation.pledge).selectinload(Pledge.need))
        .order_by(Allocation.id)
    ).all()
    events = db.session.scalars(
        select(Event)
        .options(selectinload(Event.actor))
        .where(Event.subject_type == "commitments", Event.subject_id == str(commitment.id))
        .order_by(Event.id.desc())
        .limit(100)
    ).all()
    if remedial_form is None:
        remedial_form = RemedialPlanForm(
            formdata=None,
            data={"action": commitment.remedial_action, "owner": commitment.remedial_owner, "new_date": commitment.remedial_due}
        )
    return render_template(
        "officers/commitment.html",
        commitment=commitment,
        contract=commitment.contract,
        status_now=commitment.status(),
        unmet=commitment.status() == CommitmentStatus.UNMET,
        pledged=pledged_quantities([commitment.id]).get(commitment.id, 0),
        allocations=allocations,
        remedial_form=remedial_form,
        settlement_form=settlement_form or SettlementForm(formdata=None),
        decision_form=DecisionForm(formdata=None),
        events=events,
    ), status


@bp.route("/commitments/<int:commitment_id>")
@officer_required
def commitment(commitment_id: int):
    return _render_commitment(_commitment_or_404(commitment_id))


@bp.route("/commitments/<int:commitment_id>/remedial-plan", methods=["POST"])
@officer_required
def remedial_plan(commitment_id: int):
    commitment = _commitment_or_404(commitment_id)
    form = RemedialPlanForm()
    if form.validate_on_submit():
        rule = lambda: set_remedial_plan(  # noqa: E731
            commitment, current_user, form.action.data, form.new_date.data, form.owner.data, date.today()
        )
        if apply_rule(rule, form):
            flash("Remedial plan saved.", "success")
            return redirect(url_for("officers.commitment", commitment_id=commitment.id))
    return _render_commitment(commitment, remedial_form=form, status=400)


@bp.route("/commitments/<int:commitment_id>/settlement", methods=["POST"])
@officer_required
def settlement(commitment_id: int):
    commitment = _commitment_or_404(commitment_id)
    form = SettlementForm()
    if form.validate_on_submit():
        rule = lambda: settle_commitment(  # noqa: E731
            commitment, current_user, form.kind.data, date.today(),
            fund_payment_pence=form.amount.pence, credit_description=form.credit_description.data or "",
        )
        if apply_rule(rule, form):
            rq.enqueue(match_commitments, commitment.id)  # settled: its suggestions go
            flash("Commitment settled.", "success")
            return redirect(url_for("officers.commitment", commitment_id=commitment.id))
    return _render_commitment(commitment, settlement_form=form, status=400)


# OCDS import ----------------------------------------------------------------------

# Exempt from the app-wide CSRF check only so this view can raise the upload limit
# before the body is read; the FlaskForm below still checks the CSRF token.
@bp.route("/contracts/import", methods=["GET", "POST"])
@csrf.exempt
@officer_required
def import_contracts():
    limit_mb = MAX_OCDS_BYTES // (1024 * 1024)
    if request.method == "POST":
        request.max_content_length = MAX_OCDS_BYTES + 1024 * 1024  # the file plus the form around it
    try:
        form = OcdsUploadForm()
        valid = form.validate_on_submit()
    except RequestEntityTooLarge:
        form = OcdsUploadForm(formdata=None)
        form.file.errors = [f"The file must be {limit_mb} MB or smaller"]
        return render_template("officers/contracts_import.html", form=form, task=None, limit_mb=limit_mb), 413
    if valid:
        upload = form.file.data
        folder = os.path.join(current_app.config["UPLOAD_DIR"], "imports")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{uuid.uuid4().hex}.json")
        upload.save(path)
        if os.path.getsize(path) > MAX_OCDS_BYTES:
            os.remove(path)
            form.file.errors = [f"The file must be {limit_mb} MB or smaller"]
            return render_template("officers/contracts_import.html", form=form, task=None, limit_mb=limit_mb), 413
        task = Task(id=uuid.uuid4().hex, name="ocds_import", description=f"Contracts from {upload.filename}", user_id=current_user.id)
        db.session.add(task)
        record_event("ocds_import.started", task, actor=current_user, to_state="queued", detail={"file": upload.filename})
        db.session.commit()
        rq.enqueue(import_ocds_file, task.id, path, job_id=task.id)
        return redirect(url_for("officers.contracts_import_task", task_id=task.id))
    status = 400 if form.errors else 200
    return render_template("officers/contracts_import.html", form=form, task=None, limit_mb=limit_mb), status


@bp.route("/contracts/import/<task_id>")
@officer_required
def contracts_import_task(task_id: str):
    task = db.session.get(Task, task_id)
    if task is None or task.name != "ocds_import":
        abort(404)
    return render_template("officers/contracts_import.html", form=None, task=task, limit_mb=MAX_OCDS_BYTES // (1024 * 1024))
