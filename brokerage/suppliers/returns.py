"""Suppliers file a return for each reporting period of a contract: a line per commitment
delivered through returns (quantity, description, beneficiaries, wards, evidence, spend by
supplier type), then submit it; they answer an officer's question and correct a return by
a new version. The rules are in models/returns/rules.py."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from brokerage.csv_problems import csv_file_problem
from brokerage.decorators import verified_email_required
from brokerage.evidence import apply_with_evidence, evidence_response
from brokerage.extensions import limiter
from brokerage.forms import ConfirmForm
from brokerage.downloads import attachment, csv_text
from brokerage.forms.returns import ReturnLineForm, ReturnsCsvForm, SubmitReturnForm
from brokerage.rule_messages import translate_label, translate_line_problem
from brokerage.suppliers import bp
from brokerage.views import apply_rule
from models import Commitment, Contract, db
from models.core.events import events_for
from models.returns.csv_upload import COLUMNS, MAX_CSV_BYTES, file_returns_csv, template_rows
from models.returns.models import ReturnEvidence, SupplierReturn
from models.returns.rules import (
    add_evidence,
    period_rows,
    returnable_commitments,
    returns_for,
    save_line,
    start_correction,
    start_return,
    submit_return,
)


def _own_contract_or_403(contract_id: int) -> Contract:
    contract = db.session.scalar(
        select(Contract).where(Contract.id == contract_id)
        .options(selectinload(Contract.supplier), selectinload(Contract.commitments).selectinload(Commitment.measure))
    )
    if contract is None:
        abort(404)
    if not contract.supplier.is_member(current_user):
        abort(403)
    return contract


def _own_return_or_403(return_id: int) -> SupplierReturn:
    found = db.session.get(SupplierReturn, return_id)
    if found is None:
        abort(404)
    if not found.contract.supplier.is_member(current_user):
        abort(403)
    return found


@bp.route("/suppliers/contracts/<int:contract_id>/returns")
@verified_email_required
def contract_returns(contract_id: int):
    contract = _own_contract_or_403(contract_id)
    return render_template(
        "suppliers/contract_returns.html", contract=contract, rows=period_rows(contract, date.today()),
        commitments=returnable_commitments(contract), today=date.today(), form=ConfirmForm(),
    )


@bp.route("/suppliers/contracts/<int:contract_id>/returns/<period_start>", methods=["POST"])
@verified_email_required
@limiter.limit("60 per hour")
def start_contract_return(contract_id: int, period_start: str):
    contract = _own_contract_or_403(contract_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        start = date.fromisoformat(period_start)
    except ValueError:
        abort(404)
    started: list[SupplierReturn] = []
    if apply_rule(lambda: started.append(start_return(contract, current_user, start, date.today()))):
        return redirect(url_for("suppliers.supplier_return", return_id=started[0].id))
    return redirect(url_for("suppliers.contract_returns", contract_id=contract.id))


def _return_page(found: SupplierReturn, form: SubmitReturnForm):
    return render_template(
        "suppliers/return.html", supplier_return=found, contract=found.contract, form=form,
        commitments=returnable_commitments(found.contract), versions=returns_for(found.contract_id, found.period_start),
        events=events_for(found), correct_form=ConfirmForm(),
    )


@bp.route("/suppliers/returns/<int:return_id>")
@verified_email_required
def supplier_return(return_id: int):
    return _return_page(_own_return_or_403(return_id), SubmitReturnForm())


@bp.route("/suppliers/returns/<int:return_id>/commitments/<int:commitment_id>", methods=["GET", "POST"])
@verified_email_required
@limiter.limit("120 per hour", methods=["POST"])
def return_line(return_id: int, commitment_id: int):
    found = _own_return_or_403(return_id)
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None or commitment.contract_id != found.contract_id:
        abort(404)
    if not found.editable:
        flash(_("This return is %(status)s: it cannot be changed.", status=translate_label(found.state_label).lower()), "info")
        return redirect(url_for("suppliers.supplier_return", return_id=found.id))
    line = found.line_for(commitment.id)
    form = ReturnLineForm(obj=line)
    if line is not None and not form.is_submitted():
        form.ward_ids.data = [ward.id for ward in line.wards]
    if form.validate_on_submit():

        def rule(stored: str | None):
            saved = save_line(found, commitment, current_user, form.details())
            if stored:
                add_evidence(saved, current_user, stored, form.evidence.data.filename or "")

        if apply_with_evidence(form, rule):
            flash(_("Saved what was delivered towards %(measure)s.", measure=commitment.measure.name), "success")
            return redirect(url_for("suppliers.supplier_return", return_id=found.id))
    return render_template("suppliers/return_line.html", form=form, supplier_return=found, commitment=commitment,
                           line=line)


@bp.route("/suppliers/returns/<int:return_id>/submit", methods=["POST"], endpoint="submit_return")
@verified_email_required
@limiter.limit("60 per hour")
def submit(return_id: int):
    found = _own_return_or_403(return_id)
    form = SubmitReturnForm()
    if form.validate_on_submit():
        if apply_rule(lambda: submit_return(found, current_user, form.answer.data or ""), form):
            flash(_("Return submitted. A council officer will check it."), "success")
            return redirect(url_for("suppliers.supplier_return", return_id=found.id))
    return _return_page(found, form), 400


@bp.route("/suppliers/returns/<int:return_id>/correct", methods=["POST"])
@verified_email_required
@limiter.limit("30 per hour")
def correct(return_id: int):
    found = _own_return_or_403(return_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    made: list[SupplierReturn] = []
    if apply_rule(lambda: made.append(start_correction(found, current_user))):
        flash(_("Version %(version)s started: change what needs correcting and submit it.", version=made[0].version), "success")
        return redirect(url_for("suppliers.supplier_return", return_id=made[0].id))
    return redirect(url_for("suppliers.supplier_return", return_id=found.id))


@bp.route("/returns/<int:return_id>/evidence/<int:evidence_id>")
@verified_email_required
def return_evidence(return_id: int, evidence_id: int):
    evidence = db.session.get(ReturnEvidence, evidence_id)
    if evidence is None or evidence.line.return_id != return_id:
        abort(404)
    if not (current_user.is_officer or evidence.line.supplier_return.contract.supplier.is_member(current_user)):
        abort(403)
    return evidence_response(evidence.filename)


def _own_supplier_or_403(organisation_id: int):
    from models import Organisation

    supplier = db.session.get(Organisation, organisation_id)
    if supplier is None or supplier.kind != "supplier":
        abort(404)
    if not supplier.is_member(current_user):
        abort(403)
    return supplier


@bp.route("/suppliers/<int:organisation_id>/returns/upload", methods=["GET", "POST"])
@verified_email_required
@limiter.limit("30 per hour", methods=["POST"])
def upload_returns(organisation_id: int):
    """All the supplier's returns for a period in one CSV: every line checked, nothing saved
    unless every line is right."""
    supplier = _own_supplier_or_403(organisation_id)
    form = ReturnsCsvForm()
    problems: list[str] = []
    if form.validate_on_submit():
        filing = file_returns_csv(supplier, current_user, form.file.data.read(MAX_CSV_BYTES + 1), date.today())
        if filing.problems:
            db.session.rollback()
            problems = [translate_line_problem(problem) if problem.startswith("Line ") else csv_file_problem(problem)
                        for problem in filing.problems]
            form.file.errors = [ngettext("Nothing was saved: %(num)d problem to put right",
                                         "Nothing was saved: %(num)d problems to put right", len(problems))]
        else:
            db.session.commit()
            flash(ngettext("%(num)d return submitted. A council officer will check it.",
                           "%(num)d returns submitted. A council officer will check them.", len(filing.returns)), "success")
            return redirect(url_for("suppliers.dashboard", organisation_id=supplier.id))
    return render_template("suppliers/upload_returns.html", form=form, supplier=supplier, problems=problems,
                           columns=COLUMNS), (400 if problems else 200)


@bp.route("/suppliers/<int:organisation_id>/returns/template.csv")
@verified_email_required
def returns_template(organisation_id: int):
    supplier = _own_supplier_or_403(organisation_id)
    return attachment(csv_text(COLUMNS, template_rows(supplier, date.today())), "text/csv",
                      f"returns-{supplier.id}-{date.today().isoformat()}.csv")
