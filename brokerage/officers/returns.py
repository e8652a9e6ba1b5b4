"""Officers check supplier returns: the queue of submitted and overdue returns, a return
with its lines and evidence, and the decision: accept (it counts), query (with a question
the supplier answers) or reject (with a reason). Each decision emails the supplier. The
rules are in models/returns/rules.py."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from brokerage.decorators import officer_required
from brokerage.forms import ConfirmForm
from brokerage.forms.returns import QueryReturnForm, RejectReturnForm, ScheduleForm
from brokerage.officers import bp
from brokerage.templating import format_date
from brokerage.views import apply_rule
from brokerage.rule_messages import translate_label
from models import Contract, db
from models.core.events import events_for
from models.core.work_queue import work_queue
from models.returns.models import SupplierReturn
from models.returns.periods import LABELS
from models.returns.rules import accept_return, query_return, reject_return, returnable_commitments, returns_for
from models.returns.schedule import (
    contract_periods,
    due_days,
    months_for_contract,
    months_for_tier,
    set_reporting_schedule,
)
from workers.notify import send_return_decision


@bp.route("/returns")
@officer_required
def returns():
    queues = work_queue("returns", "overdue_returns")
    contract_id = request.args.get("contract", type=int)
    listed = {}
    for name, queue in queues.items():
        query = queue.query.options(selectinload(SupplierReturn.contract).selectinload(Contract.supplier))
        listed[name] = db.session.scalars(query.limit(200)).all()
    contract = db.session.get(Contract, contract_id) if contract_id else None
    history = db.session.scalars(
        select(SupplierReturn).where(SupplierReturn.contract_id == contract.id)
        .order_by(SupplierReturn.period_start.desc(), SupplierReturn.version.desc())
    ).all() if contract else []
    return render_template("officers/returns.html", queues=queues, listed=listed, contract=contract, history=history)


def _return_or_404(return_id: int) -> SupplierReturn:
    found = db.session.get(SupplierReturn, return_id)
    if found is None:
        abort(404)
    return found


def _page(found: SupplierReturn, status: int = 200, **forms):
    forms = {"accept_form": ConfirmForm(prefix="accept"), "query_form": QueryReturnForm(prefix="query"),
             "reject_form": RejectReturnForm(prefix="reject"), **forms}
    return render_template(
        "officers/return.html", supplier_return=found, contract=found.contract,
        commitments=returnable_commitments(found.contract), versions=returns_for(found.contract_id, found.period_start),
        events=events_for(found), **forms,
    ), status


@bp.route("/returns/<int:return_id>")
@officer_required
def supplier_return(return_id: int):
    return _page(_return_or_404(return_id))


def _decide(found: SupplierReturn, rule, done: str, form=None):
    def run():
        decided = rule()
        send_return_decision(decided)

    if apply_rule(run, form):
        flash(done, "success")
        return redirect(url_for("officers.supplier_return", return_id=found.id))
    return None


@bp.route("/returns/<int:return_id>/accept", methods=["POST"])
@officer_required
def accept(return_id: int):
    found = _return_or_404(return_id)
    if not ConfirmForm(prefix="accept").validate_on_submit():
        abort(400)
    done = _decide(found, lambda: accept_return(found.id, current_user), _("Return accepted: it now counts as delivered."))
    return done or redirect(url_for("officers.supplier_return", return_id=found.id))


def _with_text(return_id: int, form_class, prefix: str, rule, done: str):
    """Query or reject: the officer's words are required, shown beside their field when missing."""
    found = _return_or_404(return_id)
    form = form_class(prefix=prefix)
    if form.validate_on_submit():
        decided = _decide(found, lambda: rule(found.id, current_user, form.data[form.text_field]), done, form)
        if decided:
            return decided
    return _page(found, 400, **{f"{prefix}_form": form})


@bp.route("/returns/<int:return_id>/query", methods=["POST"])
@officer_required
def query(return_id: int):
    return _with_text(return_id, QueryReturnForm, "query", query_return, _("Question sent to the supplier."))


@bp.route("/returns/<int:return_id>/reject", methods=["POST"])
@officer_required
def reject(return_id: int):
    """One way: "Are you sure?" first, carrying the reason; posted again confirmed, it rejects."""
    found = _return_or_404(return_id)
    form = RejectReturnForm(prefix="reject")
    if form.validate_on_submit() and found.state == "submitted" and request.form.get("confirmed") != "yes":
        return _confirm_rejection(found, form.reason.data)
    return _with_text(return_id, RejectReturnForm, "reject", reject_return, _("Return rejected."))


def _confirm_rejection(found: SupplierReturn, reason: str):
    contract = found.contract
    period = _("%(start)s to %(end)s", start=format_date(found.period_start), end=format_date(found.period_end))
    return render_template(
        "officers/confirm.html",
        question=_("Are you sure you want to reject the return for %(reference)s, %(period)s?",
                   reference=contract.reference, period=period),
        caption=_("%(supplier)s · version %(version)s", supplier=contract.supplier.name, version=found.version),
        next_steps=[
            _("It will not count towards the contract's commitments. %(supplier)s will be emailed your reason: "
              "“%(reason)s”", supplier=contract.supplier.name, reason=reason.strip()),
            _("You cannot undo this. The supplier can file a corrected version, which comes back to you to decide."),
        ],
        action_url=url_for("officers.reject", return_id=found.id),
        hidden={"reject-reason": reason, "confirmed": "yes"},
        button=_("Yes, reject the return"),
        cancel_url=url_for("officers.supplier_return", return_id=found.id),
    )


@bp.route("/contracts/<int:contract_id>/schedule", methods=["GET", "POST"])
@officer_required
def reporting_schedule(contract_id: int):
    """The contract's own reporting schedule (or its tier's), with a reason: the periods the
    supplier files for, the drafts opened, the reminders and the overdue list follow it."""
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        abort(404)
    form = ScheduleForm()
    form.set_tier_label(translate_label(LABELS[months_for_tier(contract.tier())]))
    if not form.is_submitted():
        form.months.data = str(contract.return_months) if contract.return_months else "tier"
        form.reason.data = contract.return_months_reason or ""
    if form.validate_on_submit():
        removed: list[int] = []
        if apply_rule(lambda: removed.extend(set_reporting_schedule(contract, current_user, form.chosen_months,
                                                                    form.reason.data, date.today())), form):
            note = (" " + ngettext("%(num)d empty draft return of the old periods removed.",
                                   "%(num)d empty draft returns of the old periods removed.", len(removed))) if removed else ""
            flash(_("%(reference)s now reports %(schedule)s.", reference=contract.reference,
                    schedule=_schedule_label(contract).lower()) + note, "success")
            return redirect(url_for("officers.contract", contract_id=contract.id))
    return render_template("officers/schedule.html", contract=contract, form=form, current=_schedule_label(contract), due_days=due_days(),
                           periods=list(reversed(contract_periods(contract, date.today())))[:8]), (400 if form.errors else 200)


def _schedule_label(contract: Contract) -> str:
    """models/returns/schedule.py schedule_label in the page's language."""
    label = translate_label(LABELS[months_for_contract(contract)])
    if contract.return_months:
        return _("%(schedule)s (set for this contract)", schedule=label)
    return _("%(schedule)s (the schedule for its tier)", schedule=label)
