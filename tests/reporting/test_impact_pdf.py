"""The annual report PDF is accessible: tagged (WeasyPrint's PDF/UA-1 variant, with the
document's language and title), headings kept with what follows them, charts with room
for their longest label. `pdfinfo` (poppler-utils) reads the PDF as a reader would;
`pdftoppm` renders its pages to look at (kept in the test's temporary folder)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from sqlalchemy import select

from brokerage.charts import paired_chart
from models import Task, db
from tests import factories
from tests.factories import login, post_form

from .test_impact import TODAY, YEAR


def produced_pdf(app, client, work_jobs) -> bytes:
    login(client, "officer@example.org")
    response = post_form(client, f"/officers/report/pdf?year={YEAR.start}", {}, form_url="/officers/report")
    assert response.status_code == 302 and work_jobs() == 0
    with app.app_context():
        task = db.session.scalar(select(Task).where(Task.name == "impact_report"))
    return client.get(f"/officers/report/pdf/{task.id}/download").data


def test_the_report_pdf_is_tagged_for_screen_readers(app, client, places, work_jobs, tmp_path):
    if shutil.which("pdfinfo") is None:
        pytest.skip("needs pdfinfo and pdftoppm: apt-get install poppler-utils")
    factories.impact_borough(app, TODAY)
    path = tmp_path / "report.pdf"
    path.write_bytes(produced_pdf(app, client, work_jobs))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["Tagged"].strip() == "yes", info
    assert fields["Title"].strip().startswith("Annual Social Value Impact Report"), info
    metadata = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    assert "pdfuaid:part" in metadata and "1" in metadata.split("pdfuaid:part", 1)[1][:40], metadata
    structure = subprocess.run(["pdfinfo", "-struct", str(path)], capture_output=True, text=True, check=True).stdout
    for tag in ("H1", "H2", "Table", "TH", "TD", "Caption"):
        assert tag in structure, f"no {tag} in the structure tree"
    # Pages as pictures, to look at: pdftoppm -r 60 report.pdf page (in tmp_path).
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "page")], check=True)
    assert sorted(os.listdir(tmp_path))[0].startswith("page")
    if os.environ.get("KEEP_REPORT_PAGES"):
        shutil.copytree(tmp_path, os.environ["KEEP_REPORT_PAGES"], dirs_exist_ok=True)


def test_headings_stay_with_their_tables():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "templates" / "reports" / "impact_pdf.html").read_text()
    assert "h2, h3 { break-after: avoid" in css and "break-inside: avoid" in css


class Row:
    def __init__(self, label, committed, delivered):
        self.label, self.committed_pence, self.delivered_pence = label, committed, delivered


def test_a_charts_longest_value_fits_inside_it():
    money = lambda pence: f"£{pence // 100:,}"  # noqa: E731
    chart = paired_chart([Row("Employment", 123_456_789_00, 100_000_00), Row("Environment", 5_000_00, 5_000_00)], money)
    longest = max(chart.pairs, key=lambda pair: pair.committed_width)
    # 12px Arial: no character is wider than 0.62em; the text starts 6px after the bar.
    text_end = chart.label_width + longest.committed_width + 6 + len(f"{longest.committed_text} committed") * 12 * 0.62
    assert text_end <= chart.width, (text_end, chart.width)


def test_a_charts_long_labels_wrap_instead_of_being_cut_off():
    money = lambda pence: f"£{pence // 100:,}"  # noqa: E731
    label = "Reducing inequalities and strengthening community wellbeing"
    [pair] = paired_chart([Row(label, 5_500_00, 2_500_00)], money).pairs
    assert " ".join(pair.label_lines) == label and all(len(line) <= 30 for line in pair.label_lines)


def test_the_report_pdf_is_in_the_language_of_the_officer_who_asked_for_it(app, client, places, work_jobs):
    """The job lays the report out in the requesting officer's language: the Welsh report's
    title, cover and footer are in Welsh, and it says so (lang="cy"). PDF text is read with
    pdftotext when poppler-utils is there; the HTML the job renders is checked either way."""
    from flask import before_render_template

    from models import User

    factories.impact_borough(app, TODAY)
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "officer@example.org")).locale = "cy"
        db.session.commit()
    rendered: list[str] = []

    def record(sender, template, context, **extra):
        if template.name == "reports/impact_pdf.html":
            rendered.append(template.render(context))

    with before_render_template.connected_to(record, app):
        produced_pdf(app, client, work_jobs)
    [page] = rendered
    assert '<html lang="cy">' in page
    assert "Adroddiad Blynyddol ar Effaith Gwerth Cymdeithasol" in page and "Annual Social Value Impact Report" not in page
    assert "Social Value Impact Report" not in page and '"Page "' not in page
