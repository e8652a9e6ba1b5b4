"""The Social Value Fund: its balance, what came in from whom and where it went, and
officers adding it to a ward vote's budget; the open needs that lack the most, each a link
to its page where an officer funds it (brokerage/officers/needs.py). The rules are in
models/fund/ledger.py."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from brokerage.decorators import officer_required
from brokerage.forms.fund import SpendOnRoundForm
from brokerage.officers import bp
from brokerage.pagination import paginate
from brokerage.views import apply_rule
from models import Round, db
from models.fund.ledger import FundEntry, fund_summary, needs_lacking_most, spend_on_round


def _page(form, status: int = 200):
    page = paginate(
        select(FundEntry)
        .options(selectinload(FundEntry.round), selectinload(FundEntry.pledge))
        .order_by(FundEntry.id.desc())
    )
    return render_template(
        "officers/fund.html", form=form, page=page, summary=fund_summary(), lacking=needs_lacking_most(date.today()),
    ), status


@bp.route("/fund")
@officer_required
def fund():
    return _page(SpendOnRoundForm())


@bp.route("/fund/ward-votes", methods=["POST"])
@officer_required
def spend_fund_on_round():
    form = SpendOnRoundForm()
    if form.validate_on_submit():
        round_ = db.session.get(Round, form.round_id.data)
        if apply_rule(lambda: spend_on_round(round_, form.amount.pence, current_user, form.token), form):
            flash(_("Added to the budget of %(round)s.", round=round_.title), "success")
            return redirect(url_for("officers.fund"))
    return _page(form, 400)
