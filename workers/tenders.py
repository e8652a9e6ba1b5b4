"""A tender's bid pack as a PDF (WeasyPrint), built by a job whenever the tender is recorded
or its pack curated, and kept in instance/bid-packs/ for the public download. Safe to run
twice: it builds the pack as it stands and records which curation version it shows."""

from __future__ import annotations

import os
from datetime import date

from flask import current_app, render_template

from models import db, utcnow
from models.tenders.models import Tender
from models.tenders.pack import bid_pack
from workers.notify import council_name
from workers.registry import job


def bid_pack_dir() -> str:
    folder = os.path.join(current_app.instance_path, "bid-packs")
    os.makedirs(folder, exist_ok=True)
    return folder


def bid_pack_file(tender_id: int) -> str:
    return f"tender-{tender_id}.pdf"


@job("low", timeout=300)
def build_bid_pack_pdf(tender_id: int) -> str:
    from weasyprint import HTML

    tender = db.session.get(Tender, tender_id)
    if tender is None or tender.state != "open":
        return "nothing to do"
    version = tender.pack_version
    with current_app.test_request_context():
        html = render_template(
            "reports/bid_pack_pdf.html", council=council_name(), tender=tender, pack=bid_pack(tender, date.today()),
            today=date.today(),
        )
    path = os.path.join(bid_pack_dir(), bid_pack_file(tender_id))
    HTML(string=html).write_pdf(path + ".part")
    os.replace(path + ".part", path)
    tender.pack_pdf_version, tender.pack_pdf_built_at = version, utcnow()
    db.session.commit()
    return path
