"""A supplier's offers for open tenders: start one from the bid pack, reserve needs,
propose commitments, see its value and whether it meets the tier, submit it sealed.
Only the bidder's members see an offer here (models.tenders.rules.may_read_offer)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from brokerage.decorators import verified_email_required
from brokerage.forms import ConfirmForm
from brokerage.forms.tenders import OfferLineForm, ReserveForm, SubmitOfferForm
from brokerage.rule_messages import translate_rule_message
from brokerage.suppliers import bp
from brokerage.suppliers.dashboard import supplier_or_404
from brokerage.views import apply_rule
from models import db
from models.tenders.models import Offer, Tender
from models.tenders.pack import bid_pack, offer_figures
from models.tenders.rules import (
    NOT_VERIFIED,
    add_offer_line,
    may_read_offer,
    remove_offer_item,
    reserve_need,
    start_offer,
    submit_offer,
)


def _offer_or_404(offer_id: int) -> Offer:
    """Sealed: anyone who may not read it gets the same 404 as for no offer at all."""
    offer = db.session.get(Offer, offer_id)
    if offer is None or not may_read_offer(offer, current_user, date.today()) or not offer.supplier.is_member(current_user):
        abort(404)
    return offer


@bp.route("/suppliers/<int:organisation_id>/tenders")
@verified_email_required
def tenders(organisation_id: int):
    supplier = supplier_or_404(organisation_id)
    if not supplier.is_member(current_user):
        abort(404)  # sealed: which tenders a supplier bids for is its own business (officers too)
    today = date.today()
    open_tenders = db.session.scalars(
        select(Tender).where(Tender.state == "open", Tender.closing_date >= today).order_by(Tender.closing_date)
    ).all()
    offers = db.session.scalars(select(Offer).where(Offer.supplier_id == supplier.id).order_by(Offer.id.desc())).all()
    mine = {offer.tender_id: offer for offer in offers}
    return render_template(
        "suppliers/tenders.html", supplier=supplier, tenders=open_tenders, offers=offers, mine=mine, today=today,
        form=ConfirmForm(), not_verified=None if supplier.is_verified else translate_rule_message(NOT_VERIFIED),
    )


@bp.route("/suppliers/<int:organisation_id>/tenders/<int:tender_id>/offer", methods=["POST"])
@verified_email_required
def start_offer_view(organisation_id: int, tender_id: int):
    supplier = supplier_or_404(organisation_id)
    tender = db.session.get(Tender, tender_id)
    if tender is None or not supplier.is_member(current_user):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    made: list[Offer] = []
    if apply_rule(lambda: made.append(start_offer(tender, supplier, current_user, date.today()))):
        return redirect(url_for("suppliers.offer", offer_id=made[0].id))
    return redirect(url_for("suppliers.tenders", organisation_id=supplier.id))


def _forms(offer: Offer, pack, reserve=None, line=None, submit=None):
    needs = [
        (int(item.key.split(":")[1]), f"{item.title} ({item.still_needed})")
        for item in pack.items() if item.section == "need"
    ]
    items = [(item.key, f"{item.title} ({item.key})") for item in pack.items()]
    return (
        reserve or ReserveForm(needs, prefix="reserve"),
        line or OfferLineForm(items, prefix="line"),
        submit or SubmitOfferForm(prefix="submit"),
    )


def _render(offer: Offer, **forms):
    today = date.today()
    pack = bid_pack(offer.tender, today) if offer.tender.is_open(today) else None
    reserve, line, submit = _forms(offer, pack, **forms) if pack is not None else (None, None, None)
    return render_template(
        "suppliers/offer.html", offer=offer, tender=offer.tender, figures=offer_figures(offer), pack=pack,
        reserve_form=reserve, line_form=line, submit_form=submit, remove_form=ConfirmForm(prefix="remove"),
        form=next(iter(forms.values()), None),  # the form sent with errors: base.html sums them up
        editable=offer.is_draft and offer.tender.is_open(today), today=today,
        not_verified=None if offer.supplier.is_verified else translate_rule_message(NOT_VERIFIED),
    )


@bp.route("/suppliers/offers/<int:offer_id>")
@verified_email_required
def offer(offer_id: int):
    return _render(_offer_or_404(offer_id))


@bp.route("/suppliers/offers/<int:offer_id>/reservations", methods=["POST"])
@verified_email_required
def reserve(offer_id: int):
    offer = _offer_or_404(offer_id)
    pack = bid_pack(offer.tender, date.today())
    form, _line_form, _submit_form = _forms(offer, pack)
    if form.validate_on_submit() and apply_rule(
        lambda: reserve_need(offer, current_user, form.need_id.data, form.quantity.data, date.today()), form
    ):
        flash(_("Need reserved in your offer."), "success")
        return redirect(url_for("suppliers.offer", offer_id=offer.id))
    return _render(offer, reserve=form), 400


@bp.route("/suppliers/offers/<int:offer_id>/lines", methods=["POST"])
@verified_email_required
def add_line(offer_id: int):
    offer = _offer_or_404(offer_id)
    pack = bid_pack(offer.tender, date.today())
    _reserve_form, form, _submit_form = _forms(offer, pack)
    if form.validate_on_submit() and apply_rule(lambda: add_offer_line(offer, current_user, form.details(), date.today()), form):
        flash(_("Commitment added to your offer."), "success")
        return redirect(url_for("suppliers.offer", offer_id=offer.id))
    return _render(offer, line=form), 400


@bp.route("/suppliers/offers/<int:offer_id>/<any(reservation, line):kind>/<int:item_id>/remove", methods=["POST"])
@verified_email_required
def remove_item(offer_id: int, kind: str, item_id: int):
    offer = _offer_or_404(offer_id)
    if not ConfirmForm(prefix="remove").validate_on_submit():
        abort(400)
    if apply_rule(lambda: remove_offer_item(offer, current_user, kind, item_id, date.today())):
        flash(_("Removed from your offer."), "success")
    return redirect(url_for("suppliers.offer", offer_id=offer.id))


@bp.route("/suppliers/offers/<int:offer_id>/submit", methods=["POST"], endpoint="submit_offer")
@verified_email_required
def submit(offer_id: int):
    offer = _offer_or_404(offer_id)
    form = SubmitOfferForm(prefix="submit")
    if form.validate_on_submit() and apply_rule(lambda: submit_offer(offer, current_user, form.summary.data or "", date.today()), form):
        flash(_("Your offer is submitted and sealed: no one else sees it before the tender closes."), "success")
        return redirect(url_for("suppliers.offer", offer_id=offer.id))
    return _render(offer, submit=form), 400
