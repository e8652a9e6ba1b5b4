"""The social value dashboard and the annual impact report: the headline figures,
recomputed here from the raw rows in plain Python, must equal what the SQL in
models/impact.py says; the report's HTML, CSV, JSON and PDF carry the same
figures; only officers see any of it."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import select

from models import Commitment, Need, Pledge, Task, db
from models.reporting import impact
from models.reporting.ledger import financial_year
from tests import factories
from tests.factories import count, login, post_form, signed_in

TODAY = date.today()
YEAR = impact.Year.of(TODAY)


@pytest.fixture
def borough(app, places):
    return factories.impact_borough(app, TODAY)


def recomputed_headline(today: date) -> dict:
    """The headline figures from the raw rows, in plain Python: the test's own arithmetic."""
    committed = delivered = count = 0
    statuses = {"met": 0, "on_track": 0, "at_risk": 0, "unmet": 0}
    for commitment in db.session.scalars(select(Commitment).where(Commitment.state == "approved")):
        if financial_year(commitment.due_date) != YEAR.start:
            continue
        proxy = commitment.measure.proxy_value_pence or 0
        committed += commitment.target_quantity * proxy
        delivered += commitment.delivered_quantity * proxy
        count += 1
        statuses[commitment.status(today).value] += 1
    in_year = deliveries = 0
    beneficiaries_needs = set()
    for pledge in db.session.scalars(select(Pledge).where(Pledge.status == "confirmed")):
        if financial_year(pledge.confirmed_at) == YEAR.start:
            in_year += pledge.value_pence
            deliveries += 1
            beneficiaries_needs.add(pledge.need_id)
    fund = sum(
        c.fund_payment_pence or 0
        for c in db.session.scalars(select(Commitment).where(Commitment.settlement == "fund_payment"))
        if financial_year(c.settled_at) == YEAR.start
    )
    return {
        "committed_pence": committed,
        "delivered_against_commitments_pence": delivered,
        "delivered_in_year_pence": in_year,
        "deliveries_in_year": deliveries,
        "beneficiaries_in_year": sum(db.session.get(Need, need_id).beneficiaries for need_id in beneficiaries_needs),
        "commitments": count,
        **statuses,
        "fund_received_pence": fund,
    }


def test_the_headline_figures_equal_a_recomputation_from_the_raw_rows(app, borough):
    with app.app_context():
        figures = impact.headline(YEAR, TODAY).as_dict()
        expected = recomputed_headline(TODAY)
        assert {key: figures[key] for key in expected} == expected
        # And the numbers this world was built to have:
        assert figures["committed_pence"] == (1_000 + 4_000 + 500) * 100  # hours have no proxy value
        assert figures["delivered_against_commitments_pence"] == (1_500 + 1_000) * 100
        assert figures["deliveries_in_year"] == 2 and figures["beneficiaries_in_year"] == 140
        assert figures["fund_received_pence"] == 2_500_00 and figures["unmet"] == 1 and figures["met"] == 1


def test_groupings_add_up_to_the_headline(app, borough):
    with app.app_context():
        headline = impact.headline(YEAR, TODAY)
        for rows in (impact.by_theme(YEAR), impact.by_tier(YEAR), impact.by_supplier(YEAR)):
            assert sum(row.committed_pence for row in rows) == headline.committed_pence
            assert sum(row.delivered_pence for row in rows) == headline.delivered_against_commitments_pence
            assert sum(row.commitments for row in rows) == headline.commitments
        wards = impact.delivered_by_ward(YEAR)
        assert sum(row.delivered_pence for row in wards) == headline.delivered_in_year_pence
        years = {row.key: row for row in impact.by_year()}
        assert years[str(YEAR.start)].committed_pence == headline.committed_pence
        assert years[str(YEAR.start + 1)].committed_pence == 9_999 * 100


def test_the_report_covers_contracts_over_the_threshold_only(app, borough):
    with app.app_context():
        report = impact.build_report(YEAR, TODAY)
        assert [row.reference for row in report.contracts] == ["BRENT-BIG"]
        assert {kpi.contract_reference for kpi in report.kpis} == {"BRENT-BIG"}
        assert [kpi.commitment_id for kpi in report.unmet] == [borough["unmet"]]
        assert report.unmet[0].settlement == "fund_payment"


def test_officers_see_the_dashboard_and_report_with_the_same_figures(app, client, borough):
    login(client, "officer@example.org")
    dashboard = client.get("/officers/impact").get_data(as_text=True)
    report = client.get("/officers/report").get_data(as_text=True)
    for page in (dashboard, report):
        assert "£5,500" in page  # committed this year
        assert "£2,500" in page  # delivered against commitments, and the fund payment
    assert "a) Social value delivered against committed, by contract" in report
    assert "Social Value Fund payment of £2,500" in report
    data = json.loads(client.get(f"/officers/report/data.json?year={YEAR.start}").get_data(as_text=True))
    with app.app_context():
        assert data["headline"] == impact.headline(YEAR, TODAY).as_dict()
    rows = list(csv.reader(io.StringIO(client.get(f"/officers/report/data.csv?year={YEAR.start}").get_data(as_text=True))))
    assert rows[0][0] == "Commitment" and len(rows) == 1 + len(data["kpis"]) == 4
    assert client.get("/officers/impact?year=1999").status_code == 404
    assert client.get("/officers/impact?year=all").status_code == 200


@pytest.mark.parametrize("path", ["/officers/impact", "/officers/report", "/officers/report/data.json", "/officers/report/data.csv"])
def test_only_officers_see_the_figures(app, client, borough, path):
    login(client, "seller@example.org")
    assert client.get(path).status_code == 403


def test_the_pdf_is_produced_by_a_job_and_downloads(app, client, borough, work_jobs):
    login(client, "officer@example.org")
    response = post_form(client, f"/officers/report/pdf?year={YEAR.start}", {}, form_url="/officers/report")
    assert response.status_code == 302
    assert work_jobs() == 0
    with app.app_context():
        task = db.session.scalar(select(Task).where(Task.name == "impact_report"))
        assert task.status == "finished" and task.result["pages"] >= 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The PDF is ready" in page
    pdf = client.get(f"/officers/report/pdf/{task.id}/download")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    other = app.test_client()
    login(other, "seller@example.org")
    assert other.get(f"/officers/report/pdf/{task.id}/download").status_code == 403


def case_study_form(commitment, **overrides):
    return {
        "kind": "underperformance",
        "title": "Volunteering fell short",
        "commitment_id": str(commitment),
        "summary": "Only a third of the hours were given.",
        "variance_reasons": "The supplier's **staff rota** changed mid-year.",
        "lessons": "Agree volunteering dates at contract start.",
        **overrides,
    }


def test_officers_write_case_studies_that_the_report_and_pdf_carry(app, client, borough, work_jobs):
    login(client, "officer@example.org")
    url = f"/officers/case-studies/new?year={YEAR.start}"
    bad = post_form(client, url, case_study_form(borough["unmet"], lessons="", commitment_id="999999"))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Enter the lessons learned" in page and "Choose a commitment from the list" in page
    assert "Volunteering fell short" in page  # what was typed is kept
    assert post_form(client, url, case_study_form(borough["unmet"])).status_code == 302
    report = client.get(f"/officers/report?year={YEAR.start}").get_data(as_text=True)
    assert "Underperformance: Volunteering fell short" in report
    assert "<strong>staff rota</strong>" in report and "Agree volunteering dates" in report
    data = json.loads(client.get(f"/officers/report/data.json?year={YEAR.start}").get_data(as_text=True))
    assert [study["title"] for study in data["case_studies"]] == ["Volunteering fell short"]
    with app.app_context():
        from models import CaseStudy, Event

        study = db.session.scalar(select(CaseStudy))
        assert study.commitment_id == borough["unmet"] and study.financial_year == YEAR.start
        assert db.session.scalar(select(Event.action).where(Event.subject_type == "case_studies")) == "case_study.created"


def test_deleting_a_case_study_asks_first(app, client, borough):
    login(client, "officer@example.org")
    assert post_form(client, f"/officers/case-studies/new?year={YEAR.start}", case_study_form(borough["unmet"])).status_code == 302
    with app.app_context():
        from models import CaseStudy

        study_id = db.session.scalar(select(CaseStudy.id))
    url = f"/officers/case-studies/{study_id}/delete"
    assert f'href="{url}"' in client.get(f"/officers/case-studies?year={YEAR.start}").get_data(as_text=True)

    page = client.get(url).get_data(as_text=True)
    assert "Are you sure you want to delete the case study “Volunteering fell short”?" in page
    assert "taken out of the annual report" in page and "Yes, delete the case study" in page and f'action="{url}"' in page
    assert signed_in(app, "seller@example.org").get(url).status_code == 403
    assert client.get("/officers/case-studies/999999/delete").status_code == 404
    assert count(app, CaseStudy) == 1  # asking deleted nothing

    assert post_form(client, url, {}).status_code == 302
    assert count(app, CaseStudy) == 0


def test_case_study_markdown_is_sanitised(app, client, borough):
    login(client, "officer@example.org")
    form = case_study_form("", kind="success", summary="<script>alert(1)</script>Went **well**")
    assert post_form(client, f"/officers/case-studies/new?year={YEAR.start}", form).status_code == 302
    report = client.get(f"/officers/report?year={YEAR.start}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in report and "<strong>well</strong>" in report


def test_only_officers_write_case_studies(app, client, borough):
    login(client, "seller@example.org")
    assert client.get(f"/officers/case-studies?year={YEAR.start}").status_code == 403
    assert client.get("/officers/case-studies/new").status_code == 403
