"""Officers split an accepted return's lines between commitments of several agreements
(models/returns/splits.py): a page per return, with a form per line."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from brokerage.decorators import officer_required
from brokerage.forms.returns import split_line_form
from brokerage.officers import bp
from brokerage.views import apply_rule
from models import Event, PermissionDenied, db
from models.returns.models import ReturnLine, SupplierReturn
from models.returns.splits import counted_parts, split_line, split_targets


def _splits_page(found: SupplierReturn, submitted=None, status: int = 200):
    if found.contract.supplier.is_member(current_user):
        raise PermissionDenied("You cannot split a return made by your own organisation")
    lines = db.session.scalars(
        db.select(ReturnLine).where(ReturnLine.return_id == found.id, ReturnLine.quantity > 0)
        .options(selectinload(ReturnLine.commitment)).order_by(ReturnLine.id)
    ).all()
    # Why a correction's line counts as it does: the split carried from the version it replaced.
    carried = {int(event.subject_id): (event.detail or {}).get("reason") for event in db.session.scalars(
        db.select(Event).where(Event.action == "return_line.split_carried", Event.subject_type == "return_lines",
                               Event.subject_id.in_([str(line.id) for line in lines]))
    )}
    rows = []
    for line in lines:
        targets = split_targets(line)
        counted = dict(counted_parts([line]))
        form = submitted if submitted is not None and submitted._prefix == f"line{line.id}-" else \
            split_line_form(line, targets, counted)
        rows.append((line, counted, targets, form, carried.get(line.id)))
    return render_template("officers/return_splits.html", supplier_return=found, contract=found.contract,
                           rows=rows, form=submitted), status


@bp.route("/returns/<int:return_id>/splits")
@officer_required
def return_splits(return_id: int):
    found = db.session.get(SupplierReturn, return_id)
    if found is None:
        abort(404)
    return _splits_page(found)


@bp.route("/return-lines/<int:line_id>/split", methods=["POST"])
@officer_required
def split_return_line(line_id: int):
    line = db.session.get(ReturnLine, line_id)
    if line is None:
        abort(404)
    found = line.supplier_return
    form = split_line_form(line, split_targets(line), dict(counted_parts([line])), submitted=True)
    if form.validate_on_submit():
        if apply_rule(lambda: split_line(line.id, current_user, form.chosen()), form):
            flash(f"Saved how the {line.quantity:,} {line.commitment.measure.unit} of this line count.", "success")
            return redirect(url_for("officers.return_splits", return_id=found.id))
    elif form.csrf_token.errors:
        abort(400)
    db.session.refresh(line)
    return _splits_page(db.session.get(SupplierReturn, found.id), submitted=form, status=400)
