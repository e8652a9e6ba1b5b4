"""The contract performance assessment for a contract and year: a page, a formula-safe CSV,
and OCDS `contracts[].implementation` that libcoveocds (offline) finds no error in."""

from __future__ import annotations

import csv
import io

import pytest

from models import Commitment, db
from tests.factories import get, post_form, signed_in
from tests.reporting.ocds_tools import LocalMirror, errors
from tests.returns.test_kpi_ratings import world  # noqa: F401 (the fixture: a return accepted)


@pytest.fixture
def mirror():
    with LocalMirror() as served:
        yield served


@pytest.fixture
def rated(app, world):  # noqa: F811
    officer = signed_in(app, "officer@example.org")
    contract_page = f"/officers/contracts/{world.contract}"
    with app.app_context():
        get(Commitment, world.apprenticeships).description = "=HYPERLINK(\"http://evil\")"
        db.session.commit()
    for commitment in (world.apprenticeships, world.hires, world.spend):
        post_form(officer, f"/officers/commitments/{commitment}/kpi", {}, form_url=f"{contract_page}/kpis")
    key = f"{world.apprenticeships}-2025-04-01"
    response = post_form(officer, f"{contract_page}/kpis/{key}",
                         {f"{key}-key": key, f"{key}-rating": "other", f"{key}-reason": "=1+1 started late"},
                         form_url=f"{contract_page}/kpis")
    assert response.status_code == 302
    return officer, f"{contract_page}/assessments/2025-04-01"


def test_assessment_page_and_csv(app, world, rated):  # noqa: F811
    officer, url = rated
    page = officer.get(url).get_data(as_text=True)
    assert "Contract performance assessment" in page and "Brent Green Builders Ltd" in page
    assert "1 April 2025 to 31 March 2026" in page and "Not yet: some ratings are only proposed" in page
    text = officer.get(f"{url}.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["kpi"] for row in rows] == ["Apprenticeship weeks for local people", "Local people hired",
                                            "Spend with local SMEs and VCSEs"]
    assert rows[0]["rating"] == "Other" and rows[0]["explanation"] == "'=1+1 started late"  # formula-safe
    assert rows[0]["delivered"] == "26" and rows[1]["rating"] == "Inadequate"
    assert signed_in(app, "supplier@example.org").get(f"{url}.csv").status_code == 403
    assert officer.get(f"/officers/contracts/{world.contract}/assessments/2024-04-01").status_code == 404


def test_assessment_ocds_has_no_errors_in_libcoveocds(app, world, rated, mirror, tmp_path):  # noqa: F811
    officer, url = rated
    package = officer.get(f"{url}.json").get_json()
    [release] = package["releases"]
    metrics = release["contracts"][0]["implementation"]["metrics"]
    assert len(metrics) == 3
    assert "rated Other" in metrics[0]["observations"][0]["notes"]
    assert metrics[0]["observations"][0]["period"]["startDate"].startswith("2025-04-01")
    results = mirror.review(package, tmp_path / "cove")
    assert errors(results) == {}
    assert results["additional_fields"] == []
