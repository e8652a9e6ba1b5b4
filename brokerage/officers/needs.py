"""Officers moderate needs: the queue (oldest first) and publish / request changes / reject;
and fund a published need from the Social Value Fund (models.fund.ledger.fund_need)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from brokerage.views import apply_rule
from brokerage.decorators import officer_required
from brokerage.forms.fund import FundNeedForm
from brokerage.forms.needs import ModerationForm
from brokerage.notify import send_need_decision
from brokerage.officers import bp
from brokerage.pagination import paginate
from brokerage.rule_messages import translate_label
from models import Need, db
from models.core.events import events_for
from models.core.money import format_pence
from models.core.work_queue import waiting
from models.fund.ledger import entry_for_token, fund_need, fund_summary, need_funding_problem, still_lacks_pence
from models.needs.rules import publish_need, reject_need, request_changes
from workers.notify import send_need_funded


@bp.route("/needs")
@officer_required
def needs_queue():
    query = waiting("needs").options(selectinload(Need.organisation), selectinload(Need.ward))
    return render_template("officers/needs_queue.html", page=paginate(query))


@bp.route("/needs/<int:need_id>", methods=["GET", "POST"])
@officer_required
def review_need(need_id: int):
    need = _found(need_id)
    form = ModerationForm()
    if form.validate_on_submit():
        def decide():
            if form.publish.data:
                publish_need(need, current_user, date.today())
            elif form.request_changes.data:
                request_changes(need, current_user, form.comment.data or "")
            elif form.reject.data:
                reject_need(need, current_user, form.comment.data or "")
            else:
                abort(400)
            send_need_decision(need)

        if apply_rule(decide, form):
            flash(_("“%(title)s”: %(status)s. We have emailed the group.", title=need.title, status=translate_label(need.status_label).lower()), "success")
            return redirect(url_for("officers.needs_queue"))
    return _review_page(need, form, FundNeedForm(formdata=None))


def _found(need_id: int) -> Need:
    need = db.session.get(Need, need_id)
    if need is None:
        abort(404)
    return need


def _review_page(need: Need, moderation_form, fund_form, status: int = 200):
    # `form` is the one the page's error summary reads: whichever was posted.
    posted = fund_form if fund_form.errors else moderation_form
    return render_template(
        "officers/review_need.html", need=need, form=posted, moderation_form=moderation_form, fund_form=fund_form,
        events=events_for(need),
        funding_problem=need_funding_problem(need, date.today()), lacks_pence=still_lacks_pence(need),
        fund=fund_summary(),
    ), status


@bp.route("/needs/<int:need_id>/fund", methods=["POST"])
@officer_required
def fund_need_from_fund(need_id: int):
    need = _found(need_id)
    fund_form = FundNeedForm()
    if fund_form.validate_on_submit():
        def pay():
            repeated = entry_for_token(fund_form.token) is not None  # a double click: funded, and told, once
            pledge = fund_need(need, fund_form.amount.pence, current_user, date.today(), fund_form.token)
            if not repeated:
                send_need_funded(pledge)

        if apply_rule(pay, fund_form):
            flash(f"“{need.title}” is funded by the council's Social Value Fund: {format_pence(fund_form.amount.pence)}.",
                  "success")
            return redirect(url_for("officers.review_need", need_id=need.id))
        db.session.refresh(need)
    return _review_page(need, ModerationForm(formdata=None), fund_form, 400)
