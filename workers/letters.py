"""Letters with voting codes as a PDF (WeasyPrint), one letter a page: made by a job, since
a ward's letters run to thousands of pages. The job makes the codes and the PDF together, in
one transaction, so the codes exist in clear only in the PDF (the database keeps their
hashes); run twice, it does nothing the second time."""

from __future__ import annotations

import os

from flask import current_app, render_template

from models import Task, db
from models.core.tasks import finish_task
from models.voting.letters import LetterBatch, make_codes
from workers.notify import council_name, external_url
from workers.registry import job


def letters_dir() -> str:
    folder = os.path.join(current_app.instance_path, "letters")
    os.makedirs(folder, exist_ok=True)
    return folder


@job("low", timeout=1800)
def build_letters_pdf(task_id: str, batch_id: int) -> str:
    from weasyprint import HTML

    task = db.session.get(Task, task_id)
    batch = db.session.get(LetterBatch, batch_id)
    if task is None or task.finished or batch is None or batch.printed_at is not None:
        return "nothing to do"
    task.status = "running"
    db.session.commit()
    filename = f"{task.id}.pdf"
    path = os.path.join(letters_dir(), filename)
    try:
        letters = make_codes(batch, current_app.config["SECRET_KEY"])
        with current_app.test_request_context():
            html = render_template(
                "reports/letters_pdf.html", council=council_name(), round=batch.round, batch=batch, letters=letters,
                vote_url=external_url("public.vote_by_code"),
            )
        document = HTML(string=html).render()
        document.write_pdf(path)
        pages = len(document.pages)
        finish_task(task, result={"file": filename, "pages": pages, "letters": len(letters),
                                  "download_name": f"letters-round-{batch.round_id}-batch-{batch.id}.pdf"})
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        if os.path.exists(path):
            os.remove(path)
        finish_task(db.session.get(Task, task_id), error=f"The letters could not be produced ({type(error).__name__}).")
        db.session.commit()
        raise
    return filename
