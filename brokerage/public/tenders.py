"""Open tenders and their bid packs, public while a tender is open: the page at a stable
address, the CSV (the one formula-safe writer) and the PDF (built by a job,
workers/tenders.py, and served as last built). Offers are never shown here."""

from __future__ import annotations

import os
from datetime import date

from flask import Response, abort, render_template, send_from_directory
from sqlalchemy import select

from brokerage.public import bp
from models import db
from models.core.csv_files import csv_string
from models.tenders.bid_pack import CSV_HEADER, csv_rows
from models.tenders.models import Tender
from models.tenders.pack import bid_pack
from workers.tenders import bid_pack_dir, bid_pack_file


def open_tender_or_404(tender_id: int) -> Tender:
    tender = db.session.get(Tender, tender_id)
    if tender is None or not tender.is_open(date.today()):
        abort(404)
    return tender


@bp.route("/tenders")
def tenders():
    today = date.today()
    rows = db.session.scalars(
        select(Tender).where(Tender.state == "open", Tender.closing_date >= today).order_by(Tender.closing_date, Tender.id)
    ).all()
    return render_template("public/tenders.html", tenders=rows, today=today)


@bp.route("/tenders/<int:tender_id>/bid-pack")
def bid_pack_page(tender_id: int):
    tender = open_tender_or_404(tender_id)
    pdf_ready = tender.pack_pdf_version is not None and os.path.exists(os.path.join(bid_pack_dir(), bid_pack_file(tender.id)))
    return render_template("public/bid_pack.html", tender=tender, pack=bid_pack(tender, date.today()), pdf_ready=pdf_ready)


@bp.route("/tenders/<int:tender_id>/bid-pack.csv")
def bid_pack_csv(tender_id: int):
    tender = open_tender_or_404(tender_id)
    body = csv_string([CSV_HEADER, *csv_rows(bid_pack(tender, date.today()))])
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="bid-pack-{tender.id}.csv"'})


@bp.route("/tenders/<int:tender_id>/bid-pack.pdf")
def bid_pack_pdf(tender_id: int):
    tender = open_tender_or_404(tender_id)
    folder = bid_pack_dir()
    if tender.pack_pdf_version is None or not os.path.exists(os.path.join(folder, bid_pack_file(tender.id))):
        abort(404)
    return send_from_directory(folder, bid_pack_file(tender.id), as_attachment=True, download_name=f"bid-pack-{tender.id}.pdf")
