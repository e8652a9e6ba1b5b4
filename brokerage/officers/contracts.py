"""Officers record contracts (by hand or from an OCDS file: upload, check the preview,
confirm; undo an import while nothing depends on it), add and approve the social value
commitments under them, and handle unmet ones (remedial plan, Social Value Fund payment
in lieu, or a credit). The rules are in models/contracts/."""

from __future__ import annotations

import os
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from brokerage.forms.contracts import (
    AgreementForm,
    agreement_form_data,
    CommitmentForm,
    ContractFilterForm,
    ContractForm,
    DecisionForm,
    OcdsUploadForm,
    RemedialPlanForm,
    SettlementForm,
)
from brokerage.decorators import officer_required
from brokerage.forms import ConfirmForm
from brokerage.extensions import csrf
from brokerage.officers import bp
from brokerage.officers.agreement_words import RECORDED, SAVED, kind_sentence
from brokerage.pagination import paginate
from brokerage.rule_messages import translate_label, translate_rule_message
from brokerage.tasks import Link, Note, render_task, save_upload, saved_upload, start_task, task_or_404, task_status
from brokerage.officers.job_names import task_description
from brokerage.views import apply_rule
from models import Allocation, Commitment, Contract, Organisation, Pledge, Task, db
from models.core.events import events_for
from models.core.work_queue import work_queue
from models.contracts.agreements import KINDS
from models.contracts.council_buyer import council_buyer
from models.contracts.import_batches import batch_changes, batch_that_created, undo_blockers, undo_import
from models.contracts.models import CommitmentStatus, ImportBatch, tier_case
from models.contracts.rules import (
    add_commitment,
    change_agreement,
    decide_commitment,
    record_contract,
    set_remedial_plan,
    settle_commitment,
)
from models.contracts.ocds_import import FIELD_LABELS, MAX_OCDS_BYTES
from models.pledges.models import HOLDING
from models.returns.kpis import kpi_flag
from models.returns.schedule import LABELS, months_for_contract
from models.contracts.tiers import Tier
from models.tenders.tracing import promised_at_tender
from workers.contracts import import_ocds_file, preview_ocds_file


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
    # Optional() passes blank-looking text (" ", "\r\n") without checking the choice: only a real tier filters.
    if filters.tier.data in {tier.value for tier in Tier} and not filters.tier.errors:
        query = query.where(tier_case() == Tier(filters.tier.data).value)
    if filters.kind.data in KINDS and not filters.kind.errors:
        query = query.where(Contract.kind == filters.kind.data)
    page = paginate(query)
    ids = [contract.id for contract in page.items]
    counts = dict(
        db.session.execute(
            select(Commitment.contract_id, func.count())
            .where(Commitment.contract_id.in_(ids), Commitment.state != "rejected")
            .group_by(Commitment.contract_id)
        ).all()
    ) if ids else {}
    proposed = work_queue("commitments")["commitments"].count
    return render_template("officers/contracts.html", page=page, filters=filters, counts=counts, proposed=proposed)


@bp.route("/contracts/new", methods=["GET", "POST"])
@officer_required
def new_contract():
    form = ContractForm()
    if form.validate_on_submit():
        created: list[Contract] = []
        if apply_rule(lambda: created.append(record_contract(form.details(), current_user)), form):
            flash(_("Contract %(reference)s recorded.", reference=created[0].reference), "success")
            return redirect(url_for("officers.contract", contract_id=created[0].id))
    return render_template("officers/contract_form.html", form=form)


@bp.route("/agreements/new", methods=["GET", "POST"])
@officer_required
def new_agreement():
    """Record an agreement of any kind: a planning obligation, a grant, a community asset
    transfer, the council's own employment, an investment, or a contract."""
    form = AgreementForm()
    if request.method == "GET" and request.args.get("kind") in KINDS:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        created: list[Contract] = []
        if apply_rule(lambda: created.append(record_contract(form.details(), current_user)), form):
            flash(kind_sentence(RECORDED, created[0].kind, reference=created[0].reference), "success")
            return redirect(url_for("officers.contract", contract_id=created[0].id))
    return render_template("officers/agreement_form.html", form=form)


@bp.route("/contracts/<int:contract_id>/edit", methods=["GET", "POST"])
@officer_required
def edit_agreement(contract_id: int):
    """Change an agreement of any kind: its own fields and the fields of its kind."""
    agreement = _contract_or_404(contract_id)
    form = AgreementForm(data=agreement_form_data(agreement)) if request.method == "GET" else AgreementForm()
    form.submit.label.text = _("Save the changes")
    if form.validate_on_submit():
        if apply_rule(lambda: change_agreement(agreement, form.details(), current_user), form):
            flash(kind_sentence(SAVED, agreement.kind, reference=agreement.reference), "success")
            return redirect(url_for("officers.contract", contract_id=agreement.id))
    return render_template("officers/agreement_form.html", form=form, agreement=agreement), (400 if form.errors else 200)


def _schedule_label(contract: Contract) -> str:
    """models/returns/schedule.py schedule_label in the page's language."""
    label = translate_label(LABELS[months_for_contract(contract)])
    if contract.return_months:
        return _("%(schedule)s (set for this contract)", schedule=label)
    return _("%(schedule)s (the schedule for its tier)", schedule=label)


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
        shortfalls=[translate_rule_message(problem) for problem in contract.shortfalls()],
        pledged=pledged_quantities(ids),
        decision_form=DecisionForm(),
        events=events_for(contract, *contract.commitments, limit=100),
        today=date.today(),
        import_batch=batch_that_created(contract) if contract.source == "ocds" else None,
        promised=promised_at_tender([contract.id]).get(contract.id) if contract.source == "tender" else None,
        schedule_label=_schedule_label(contract),
        kpi_flag=kpi_flag(contract),
    )


@bp.route("/contracts/<int:contract_id>/commitments/new", methods=["GET", "POST"])
@officer_required
def new_commitment(contract_id: int):
    contract = _contract_or_404(contract_id)
    form = CommitmentForm()
    if form.validate_on_submit():
        if apply_rule(lambda: add_commitment(contract, current_user, form.details()), form):
            flash(_("Commitment added."), "success")
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
        flash(_("Commitment approved.") if approve else _("Commitment rejected."), "success")
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
        events=events_for(commitment, limit=100),
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
            flash(_("Remedial plan saved."), "success")
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
            flash(_("Commitment settled."), "success")
            return redirect(url_for("officers.commitment", commitment_id=commitment.id))
    return _render_commitment(commitment, settlement_form=form, status=400)


# OCDS import: upload, preview, confirm; import batches and undoing one ----------------------


def _upload_page(form, status: int = 200):
    limit_mb = MAX_OCDS_BYTES // (1024 * 1024)
    return render_template("officers/contracts_import.html", form=form, limit_mb=limit_mb, buyer=council_buyer()), status


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
        form.file.errors = [_("The file must be %(size)s MB or smaller", size=limit_mb)]
        return _upload_page(form, 413)
    if valid:
        upload = form.file.data
        file_name = (upload.filename or "contracts.json")[:200]
        path = save_upload(upload, ".json")
        if os.path.getsize(path) > MAX_OCDS_BYTES:
            os.remove(path)
            form.file.errors = [_("The file must be %(size)s MB or smaller", size=limit_mb)]
            return _upload_page(form, 413)
        task = start_task(
            "ocds_preview", task_description("ocds_preview", file=file_name), preview_ocds_file, path, file_name, detail={"file": file_name}
        )
        return redirect(url_for("officers.contracts_import_task", task_id=task.id))
    return _upload_page(form, 400 if form.errors else 200)


@bp.route("/contracts/import/<task_id>/status")
@officer_required
def contracts_import_status(task_id: str):
    task = task_or_404(task_id, "ocds_preview", "ocds_import")
    return task_status(task, url_for("officers.contracts_import_task", task_id=task.id))


@bp.route("/contracts/import/<task_id>")
@officer_required
def contracts_import_task(task_id: str):
    task = task_or_404(task_id, "ocds_preview", "ocds_import")
    back = Link(_("Back to contracts"), url_for("officers.contracts"))
    again = Link(_("Try another file"), url_for("officers.import_contracts"))
    if task.name == "ocds_preview":
        if task.status != "finished":
            return render_task(
                task,
                back=back,
                running=_("The file is waiting to be read. Nothing is imported until you check and confirm it.") if task.status == "queued"
                else _("The file is being read. Nothing is imported until you check and confirm it."),
                failed_title=_("The file could not be read"),
                failed_links=[again],
                narrow=True,
            )
        preview = task.result or {}
        import_task = db.session.get(Task, preview["import_task"]) if preview.get("import_task") else None
        return render_template(
            "officers/contracts_import_preview.html",
            task=task,
            preview=preview,
            import_task=import_task,
            form=ConfirmForm(),
            field_labels=FIELD_LABELS,
        )
    return render_task(
        task,
        back=back,
        notes=lambda result: [
            Note(ngettext("%(num)s contract already up to date", "%(num)s contracts already up to date", result["unchanged"])),
            Note(
                ngettext("%(num)s new supplier, added as not verified: ", "%(num)s new suppliers, added as not verified: ",
                         result["suppliers_created"]),
                Link(_("check their details and verify them"), url_for("officers.organisations", status="pending")),
            ),
        ],
        reasons_heading=_("Why some were skipped"),
        links=lambda result: [
            *([Link(_("See this import, or undo it"), url_for("officers.contract_import", batch_id=result["batch_id"]))]
              if result.get("batch_id") else []),
            Link(_("See the contracts"), url_for("officers.contracts")),
        ],
        failed_links=[again],
        narrow=True,
    )


@bp.route("/contracts/import/<task_id>/confirm", methods=["POST"])
@officer_required
def confirm_contracts_import(task_id: str):
    preview = task_or_404(task_id, "ocds_preview")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    result = preview.result or {}
    if result.get("import_task"):
        return redirect(url_for("officers.contracts_import_task", task_id=result["import_task"]))
    if preview.status != "finished":
        flash(_("The file has not been read yet: wait for its preview."), "error")
        return redirect(url_for("officers.contracts_import_task", task_id=preview.id))
    if not (result.get("created") or result.get("updated")):
        flash(_("This file has nothing to import."), "error")
        return redirect(url_for("officers.contracts_import_task", task_id=preview.id))
    path = saved_upload(str(result.get("upload") or ""), ".json")
    if path is None:
        flash(_("The uploaded file is no longer here: upload it again."), "error")
        return redirect(url_for("officers.import_contracts"))
    file_name = result.get("file") or "contracts.json"

    def link_preview(task: Task) -> None:
        preview.result = {**result, "import_task": task.id}

    task = start_task(
        "ocds_import", task_description("ocds_import", file=file_name), import_ocds_file,
        path, file_name, preview.id, result.get("digest"), result.get("sha256"),
        detail={"file": file_name, "preview": preview.id}, with_task=link_preview,
    )
    return redirect(url_for("officers.contracts_import_task", task_id=task.id))


def _batch_or_404(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.route("/contracts/imports")
@officer_required
def contract_imports():
    page = paginate(
        select(ImportBatch).options(selectinload(ImportBatch.created_by)).order_by(ImportBatch.id.desc())
    )
    return render_template("officers/contract_imports.html", page=page)


def _render_batch(batch: ImportBatch, status: int = 200):
    return render_template(
        "officers/contract_import.html",
        batch=batch,
        created=batch_changes(batch, "contract_created"),
        updated=batch_changes(batch, "contract_updated"),
        suppliers=batch_changes(batch, "supplier_created"),
        blockers=undo_blockers(batch),
        form=ConfirmForm(),
        field_labels=FIELD_LABELS,
        events=events_for(batch, limit=20),
    ), status


@bp.route("/contracts/imports/<int:batch_id>")
@officer_required
def contract_import(batch_id: int):
    return _render_batch(_batch_or_404(batch_id))


@bp.route("/contracts/imports/<int:batch_id>/undo", methods=["POST"])
@officer_required
def undo_contract_import(batch_id: int):
    batch = _batch_or_404(batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    done: list[dict[str, int]] = []
    if apply_rule(lambda: done.append(undo_import(batch, current_user))):
        removed, restored = done[0]["contracts_removed"], done[0]["contracts_restored"]
        flash(
            _("Import undone: %(contracts)s removed, %(restored)s restored, %(suppliers)s removed.",
              contracts=ngettext("%(num)s contract", "%(num)s contracts", removed), restored=restored,
              suppliers=ngettext("%(num)s new supplier", "%(num)s new suppliers", done[0]["suppliers_removed"])),
            "success",
        )
        return redirect(url_for("officers.contract_import", batch_id=batch_id))
    return _render_batch(_batch_or_404(batch_id), 409)
