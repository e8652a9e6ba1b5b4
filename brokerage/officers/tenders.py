"""Officers record tenders (by hand or from an OCDS tender-stage file), curate each open
tender's bid pack, compare the sealed offers once it has closed (value, themes, wards,
needs and ward priorities covered) with their scores and notes, and award it: the winning
offer becomes a contract with commitments and pledges (models/tenders/rules.py)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from brokerage.decorators import officer_required
from brokerage.forms.tenders import (
    AddPackItemForm,
    AssessForm,
    AwardForm,
    CurateForm,
    TenderForm,
    TenderImportForm,
    TenderPlacesForm,
    WithdrawTenderForm,
)
from brokerage.officers import bp
from brokerage.views import apply_rule, show_domain_error
from models import DomainError, db
from models.core.events import events_for
from models.tenders.models import Offer, OfferLine, Tender
from models.tenders.ocds import import_tenders
from models.tenders.pack import bid_pack, offer_figures, ward_priority_keys
from models.tenders.rules import (
    AwardDetails,
    assess_offer,
    award_tender,
    curate_pack,
    record_tender,
    set_tender_places,
    withdraw_tender,
)
from workers.notify import send_pledge_offered, send_tender_outcome

MAX_IMPORT_BYTES = 2 * 1024 * 1024  # tender notices are a few kilobytes: read in the request


def _tender_or_404(tender_id: int) -> Tender:
    tender = db.session.get(Tender, tender_id)
    if tender is None:
        abort(404)
    return tender


@bp.route("/tenders")
@officer_required
def tenders():
    rows = db.session.scalars(select(Tender).options(selectinload(Tender.offers)).order_by(Tender.closing_date.desc(), Tender.id.desc())).all()
    return render_template("officers/tenders.html", tenders=rows, today=date.today())


@bp.route("/tenders/new", methods=["GET", "POST"])
@officer_required
def new_tender():
    form = TenderForm()
    if form.validate_on_submit():
        made: list[Tender] = []
        if apply_rule(lambda: made.append(record_tender(form.details(), current_user, date.today())), form):
            flash(_("Tender %(reference)s recorded. Its bid pack is public while it is open.", reference=made[0].reference), "success")
            return redirect(url_for("officers.tender", tender_id=made[0].id))
    return render_template("officers/tender_form.html", form=form)


@bp.route("/tenders/import", methods=["GET", "POST"])
@officer_required
def import_tender():
    """A tender notice is one small release: read in the request (a file over 2 MB is refused;
    the bulk contract import runs as a job)."""
    form = TenderImportForm()
    result = None
    if form.validate_on_submit():
        data = form.file.data.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            form.file.errors = [_("The file must be 2 MB or smaller: tender notices are small")]
        else:
            try:
                result = import_tenders(data, current_user, date.today())
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                show_domain_error(form, error)
            else:
                flash(result.summary().splitlines()[0] + ".", "success")
    return render_template("officers/tender_import.html", form=form, result=result)


def _render_tender(tender: Tender, **forms):
    today = date.today()
    closed = tender.has_closed(today)
    pack = bid_pack(tender, today)
    offers = [offer for offer in tender.offers if offer.state != "draft"] if closed else []
    priorities = ward_priority_keys(pack)
    submitted = [(o.id, f"{o.supplier.name}") for o in offers if o.state == "submitted"]
    return render_template(
        "officers/tender.html", tender=tender, today=today, pack=pack, closed=closed, curate=tender.is_open(today),
        offers=[(offer, offer_figures(offer, priorities)) for offer in offers],
        sealed_count=len([o for o in tender.offers if o.state == "submitted"]),
        curate_form=CurateForm(), add_form=forms.get("add") or AddPackItemForm(prefix="add"),
        places_form=forms.get("places") or TenderPlacesForm(
            prefix="places", data={"theme_ids": [t.id for t in tender.themes], "ward_ids": [w.id for w in tender.wards]}
        ),
        withdraw_form=forms.get("withdraw") or WithdrawTenderForm(prefix="withdraw"),
        assess_forms={offer.id: AssessForm(prefix=f"assess{offer.id}", data={"score": offer.score, "notes": offer.assessment_notes}) for offer in offers},
        award_form=forms.get("award") or AwardForm(submitted, prefix="award"),
        events=events_for(tender, *(tender.offers if closed else []), limit=30),  # sealed: no bidder named before closing
    )


@bp.route("/tenders/<int:tender_id>")
@officer_required
def tender(tender_id: int):
    return _render_tender(_tender_or_404(tender_id))


@bp.route("/tenders/<int:tender_id>/pack", methods=["POST"])
@officer_required
def curate(tender_id: int):
    tender = _tender_or_404(tender_id)
    form = CurateForm()
    if form.validate_on_submit() and apply_rule(lambda: curate_pack(tender, current_user, form.key.data, form.action.data, date.today()), form):
        flash(_("Bid pack updated."), "success")
    elif form.errors:
        flash(_("Choose an item of the bid pack."), "error")
    return redirect(url_for("officers.tender", tender_id=tender.id))


@bp.route("/tenders/<int:tender_id>/pack/add", methods=["POST"])
@officer_required
def add_pack_item(tender_id: int):
    tender = _tender_or_404(tender_id)
    form = AddPackItemForm(prefix="add")
    if form.validate_on_submit() and apply_rule(lambda: curate_pack(tender, current_user, (form.key.data or "").strip(), "add", date.today()), form):
        flash(_("Added to the bid pack."), "success")
        return redirect(url_for("officers.tender", tender_id=tender.id))
    return _render_tender(tender, add=form), 400


@bp.route("/tenders/<int:tender_id>/places", methods=["POST"])
@officer_required
def tender_places(tender_id: int):
    tender = _tender_or_404(tender_id)
    form = TenderPlacesForm(prefix="places")
    if form.validate_on_submit() and apply_rule(
        lambda: set_tender_places(tender, current_user, tuple(form.theme_ids.data or ()), tuple(form.ward_ids.data or ())), form
    ):
        flash(_("Themes and wards saved: the bid pack follows them."), "success")
        return redirect(url_for("officers.tender", tender_id=tender.id))
    return _render_tender(tender, places=form), 400


@bp.route("/tenders/<int:tender_id>/withdraw", methods=["POST"])
@officer_required
def withdraw(tender_id: int):
    tender = _tender_or_404(tender_id)
    form = WithdrawTenderForm(prefix="withdraw")
    if form.validate_on_submit() and apply_rule(lambda: withdraw_tender(tender, current_user, form.reason.data or ""), form):
        flash(_("Tender withdrawn."), "success")
        return redirect(url_for("officers.tender", tender_id=tender.id))
    return _render_tender(tender, withdraw=form), 400


@bp.route("/tenders/offers/<int:offer_id>/assessment", methods=["POST"])
@officer_required
def assess(offer_id: int):
    offer = db.session.get(Offer, offer_id)
    if offer is None or not offer.tender.has_closed(date.today()):
        abort(404)  # sealed until the tender closes
    form = AssessForm(prefix=f"assess{offer.id}")
    if form.validate_on_submit() and apply_rule(
        lambda: assess_offer(offer, current_user, form.score.data, form.notes.data or "", date.today()), form
    ):
        flash(_("Assessment of %(supplier)s's offer saved.", supplier=offer.supplier.name), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for("officers.tender", tender_id=offer.tender_id))


def _tell_bidders(tender: Tender) -> None:
    send_tender_outcome(tender)
    for line in (r for o in tender.offers if o.state == "awarded" for r in o.reservations):
        if line.pledge is not None:
            send_pledge_offered(line.pledge)


@bp.route("/tenders/<int:tender_id>/award", methods=["POST"])
@officer_required
def award(tender_id: int):
    tender = _tender_or_404(tender_id)
    offers = [(o.id, o.supplier.name) for o in tender.offers if o.state == "submitted"]
    form = AwardForm(offers, prefix="award")
    if form.validate_on_submit():
        details = AwardDetails(form.offer_id.data, form.value.pence, form.start_date.data, form.end_date.data)

        def rule():
            award_tender(tender, current_user, details, date.today())
            _tell_bidders(tender)

        if apply_rule(rule, form):
            report = tender.award_report or {}
            flash(
                _("Awarded: contract recorded with %(commitments)s commitments and %(pledges)s pledges offered to groups; "
                  "%(reported)s reservations to look at.", commitments=report.get("commitments", 0),
                  pledges=len(report.get("pledged", [])), reported=len(report.get("reported", []))),
                "success",
            )
            return redirect(url_for("officers.tender", tender_id=tender.id))
    return _render_tender(tender, award=form), 400


@bp.route("/commitments/<int:commitment_id>/descent")
@officer_required
def commitment_descent(commitment_id: int):
    """A commitment's line of descent: bid pack item → offer → commitment → pledges and
    returns → confirmed."""
    line = db.session.scalar(select(OfferLine).where(OfferLine.commitment_id == commitment_id))
    if line is None:
        abort(404)
    from models import Pledge
    from models.returns.models import ReturnLine, SupplierReturn

    pledges = db.session.scalars(select(Pledge).where(Pledge.commitment_id == commitment_id).order_by(Pledge.id)).all()
    from models.returns.splits import ReturnLineSplit

    # Its own lines, and other commitments' lines an officer split so that part counts here.
    split_here = select(ReturnLineSplit.line_id).where(ReturnLineSplit.commitment_id == commitment_id)
    returned = db.session.scalars(
        select(ReturnLine).join(SupplierReturn, SupplierReturn.id == ReturnLine.return_id)
        .where((ReturnLine.commitment_id == commitment_id) | ReturnLine.id.in_(split_here),
               SupplierReturn.state.in_(("submitted", "accepted")))
        .order_by(SupplierReturn.period_start, SupplierReturn.version, ReturnLine.id)
    ).all()
    splits = db.session.execute(
        select(ReturnLineSplit.line_id, ReturnLineSplit.commitment_id, ReturnLineSplit.quantity)
        .where(ReturnLineSplit.line_id.in_([found.id for found in returned]))
    ).all()
    split_lines = {line_id for line_id, _, _ in splits}
    counted_here = {line_id: quantity for line_id, counted_for, quantity in splits if counted_for == commitment_id}
    return render_template("officers/commitment_descent.html", line=line, offer=line.offer, tender=line.offer.tender,
                           commitment=line.commitment, pledges=pledges, returned=returned, split_lines=split_lines,
                           counted_here=counted_here)
