"""The annual impact report as a PDF (WeasyPrint): produced by a job, since laying
out a long report takes seconds, and kept in instance/reports/ for download."""

from __future__ import annotations

import os
from datetime import date

from flask import current_app, render_template

from models import Task, User, db
from models.core.events import record_event
from models.core.tasks import finish_task, record_progress
from models.reporting.impact import report_figures
from workers.notify import council_name
from workers.registry import job


PDF_VARIANT = "pdf/ua-1"


def report_dir() -> str:
    folder = os.path.join(current_app.instance_path, "reports")
    os.makedirs(folder, exist_ok=True)
    return folder


@job("low", timeout=600)
def build_report_pdf(task_id: str, year_start: int) -> str:
    from weasyprint import HTML

    task = db.session.get(Task, task_id)
    if task is None or task.finished:
        return "nothing to do"
    task.status = "running"
    db.session.commit()
    try:
        from workers.notify import in_recipient_language

        # In the language of the officer who asked for it (README, "Languages").
        requester = db.session.get(User, task.user_id) if task.user_id else None
        with current_app.test_request_context(), in_recipient_language(requester.locale if requester else None):
            html = render_template(
                "reports/impact_pdf.html", council=council_name(), **report_figures(year_start, date.today())
            )
        record_progress(task.id, 30)
        # PDF/UA-1: tagged (headings, tables, lists in a structure tree a screen reader
        # follows), with the document's language and title.
        document = HTML(string=html).render(pdf_variant=PDF_VARIANT)
        record_progress(task.id, 80)
        filename = f"{task.id}.pdf"
        document.write_pdf(os.path.join(report_dir(), filename), pdf_variant=PDF_VARIANT)
    except Exception as error:
        db.session.rollback()
        finish_task(db.session.get(Task, task_id), error=f"The PDF could not be produced ({type(error).__name__}).")
        db.session.commit()
        raise
    name = f"social-value-impact-report-{year_start}-{str(year_start + 1)[2:]}.pdf"
    finish_task(task, result={"file": filename, "pages": len(document.pages), "download_name": name})
    record_event("impact_report.produced", task, to_state="finished", detail={"year": year_start, "pages": len(document.pages)})
    db.session.commit()
    return filename
