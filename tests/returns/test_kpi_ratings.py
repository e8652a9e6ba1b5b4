"""KPI ratings: an officer marks KPIs; a contract over £5m with fewer than three is flagged;
each ended 12-month year gets a proposed rating from delivered against the pro-rata target,
with the figures; the officer confirms it, or overrides it only with a reason."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import Commitment, Contract, User, db
from models.returns.models import KpiRating
from models.returns.rules import LineDetails, accept_return, save_line, start_return, submit_return
from tests import factories
from tests.factories import get, post_form, signed_in


@pytest.fixture
def world(app, places):
    made = factories.returns_borough(app)
    with app.app_context():
        seller, officer = get(User, made.seller), get(User, made.officer)
        filed = start_return(get(Contract, made.contract), seller, date(2025, 4, 1), date(2025, 11, 1))
        save_line(filed, get(Commitment, made.apprenticeships), seller, LineDetails(26, "Apprentices"))
        submit_return(filed, seller)
        accept_return(filed.id, officer)
        db.session.commit()
    return made


def test_kpis_flag_propose_confirm_and_override_with_a_reason(app, world):
    officer = signed_in(app, "officer@example.org")
    contract_page = f"/officers/contracts/{world.contract}"
    assert "need at least 3 KPIs; this one has 0" in officer.get(contract_page).get_data(as_text=True)
    for commitment in (world.apprenticeships, world.hires, world.spend):
        assert post_form(officer, f"/officers/commitments/{commitment}/kpi", {}, form_url=f"{contract_page}/kpis").status_code == 302
    page = officer.get(f"{contract_page}/kpis").get_data(as_text=True)
    assert "need at least 3 KPIs" not in page
    # The first year (to 31 March 2026): 26 weeks against a pro-rata 172 (364 of 1,095 days of 520).
    assert "<strong>26 weeks</strong> against a pro-rata target of <strong>172</strong>" in page
    assert "Proposed rating: <strong>Inadequate</strong>" in page
    key = f"{world.apprenticeships}-2025-04-01"
    url = f"{contract_page}/kpis/{key}"
    response = post_form(officer, url, {f"{key}-key": key, f"{key}-rating": "requires_improvement", f"{key}-reason": ""},
                         form_url=f"{contract_page}/kpis")
    assert response.status_code == 400
    assert "Say why the rating is not the proposed one (Inadequate)" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(KpiRating)) is None
    response = post_form(officer, url, {f"{key}-key": key, f"{key}-rating": "requires_improvement",
                                        f"{key}-reason": "Two more apprentices started in March; their weeks count next year."},
                         form_url=f"{contract_page}/kpis")
    assert response.status_code == 302
    hires_key = f"{world.hires}-2025-04-01"
    response = post_form(officer, f"{contract_page}/kpis/{hires_key}",
                         {f"{hires_key}-key": hires_key, f"{hires_key}-rating": "inadequate", f"{hires_key}-reason": ""},
                         form_url=f"{contract_page}/kpis")
    assert response.status_code == 302  # confirming the proposed rating needs no reason
    with app.app_context():
        ratings = {r.commitment_id: (r.proposed, r.rating, r.delivered, r.pro_rata_target)
                   for r in db.session.scalars(select(KpiRating))}
        assert ratings == {world.apprenticeships: ("inadequate", "requires_improvement", 26, 172),
                           world.hires: ("inadequate", "inadequate", 0, 13)}
    with app.app_context():
        from models.reporting.impact import kpis

        rated = {kpi.commitment_id: kpi.rating for kpi in kpis(None, date.today())}
        assert rated[world.apprenticeships] == "requires_improvement" and rated[world.spend] is None
    supplier = signed_in(app, "supplier@example.org")
    assert supplier.get(f"{contract_page}/kpis").status_code == 403


def test_rating_thresholds_are_council_settings_used_by_the_proposed_ratings(app, world, make_user):
    from models import Role
    from models.core.settings import get_setting
    from tests.web.test_admin import SETTINGS, field_error

    make_user("admin@example.org", "Ada Admin", role=Role.ADMIN)
    admin = signed_in(app, "admin@example.org")
    page = admin.get("/admin/settings").get_data(as_text=True)
    assert "KPI ratings" in page and 'name="rating_approaching_percent" type="text" value="85"' in page
    officer = signed_in(app, "officer@example.org")
    contract_page = f"/officers/contracts/{world.contract}"
    post_form(officer, f"/officers/commitments/{world.apprenticeships}/kpi", {}, form_url=f"{contract_page}/kpis")
    assert "Proposed rating: <strong>Inadequate</strong>" in officer.get(f"{contract_page}/kpis").get_data(as_text=True)
    # 26 weeks against a pro-rata 172 is 15%: requires improvement from 10%.
    response = post_form(admin, "/admin/settings", {**SETTINGS, "rating_good_percent": "110", "rating_approaching_percent": "20",
                                                    "rating_requires_improvement_percent": "10"})
    assert response.status_code == 302
    assert "Proposed rating: <strong>Requires improvement</strong>" in officer.get(f"{contract_page}/kpis").get_data(as_text=True)
    for fields, field, message in (
        ({"rating_approaching_percent": "120"}, "rating_approaching_percent", "The rating thresholds must rise"),
        ({"rating_requires_improvement_percent": "20"}, "rating_approaching_percent", "The rating thresholds must rise"),
        ({"rating_good_percent": "lots"}, "rating_good_percent", "Not a valid integer value."),
        ({"rating_good_percent": "1001"}, "rating_good_percent", "Enter a percentage between 0 and 1,000"),
        ({"rating_requires_improvement_percent": "-1"}, "rating_requires_improvement_percent", "Enter a percentage between 0 and 1,000"),
        ({"rating_good_percent": ""}, "rating_good_percent", "Enter the percentage as a whole number"),
    ):
        response = post_form(admin, "/admin/settings", {**SETTINGS, "rating_good_percent": "110", "rating_approaching_percent": "20",
                                                        "rating_requires_improvement_percent": "10", **fields})
        assert response.status_code == 200
        assert (field_error(response.get_data(as_text=True), field) or "").startswith(message), (fields, message)
    with app.app_context():
        assert [get_setting(key) for key in ("rating_good_percent", "rating_approaching_percent",
                                             "rating_requires_improvement_percent")] == ["110", "20", "10"]


def test_the_public_scorecard_shows_only_confirmed_ratings_with_the_explanation(app, world, client):
    scorecard = f"/organisations/{world.supplier}"
    page = client.get(scorecard).get_data(as_text=True)
    assert "The council has not confirmed any KPI ratings for Brent Green Builders Ltd yet." in page
    officer = signed_in(app, "officer@example.org")
    contract_page = f"/officers/contracts/{world.contract}"
    for commitment in (world.apprenticeships, world.hires):
        post_form(officer, f"/officers/commitments/{commitment}/kpi", {}, form_url=f"{contract_page}/kpis")
    page = client.get(scorecard).get_data(as_text=True)
    assert "has not confirmed any KPI ratings" in page and "<table" not in page.split('id="kpi-ratings"')[1]  # proposed ones are not published
    key = f"{world.apprenticeships}-2025-04-01"
    response = post_form(officer, f"{contract_page}/kpis/{key}",
                         {f"{key}-key": key, f"{key}-rating": "requires_improvement",
                          f"{key}-reason": "Two more apprentices started in March"}, form_url=f"{contract_page}/kpis")
    assert response.status_code == 302
    page = client.get(scorecard).get_data(as_text=True)
    assert "has not confirmed any KPI ratings" not in page
    ratings = page.split('id="kpi-ratings"')[1]
    assert "Apprenticeship weeks for local people" in ratings and "1 April 2025 to 31 March 2026" in ratings
    assert "Requires improvement" in ratings and "Two more apprentices started in March" in ratings
    assert "26 weeks delivered against a pro-rata target of 172" in ratings
    assert "Local people hired" not in ratings  # only proposed so far
    hires_key = f"{world.hires}-2025-04-01"
    post_form(officer, f"{contract_page}/kpis/{hires_key}",
              {f"{hires_key}-key": hires_key, f"{hires_key}-rating": "inadequate", f"{hires_key}-reason": ""},
              form_url=f"{contract_page}/kpis")
    ratings = client.get(scorecard).get_data(as_text=True).split('id="kpi-ratings"')[1]
    assert "Local people hired" in ratings and "Confirmed as proposed from the figures." in ratings
    from tests.reporting.test_api_responses_valid import Checker

    document = client.get("/api/v1/openapi.json").get_json()
    data = Checker(client, document).get(f"/api/v1/suppliers/{world.supplier}")  # valid against the OpenAPI document
    assert [(r["kpi"], r["year_start"], r["rating"], r["explanation"], r["delivered"], r["pro_rata_target"])
            for r in data["kpi_ratings"]] == [
        ("Apprenticeship weeks for local people", "2025-04-01", "requires_improvement", "Two more apprentices started in March",
         26, 172),
        ("Local people hired", "2025-04-01", "inadequate", "", 0, 13),
    ]
    # A commitment no longer a KPI is not shown as one.
    post_form(officer, f"/officers/commitments/{world.hires}/kpi", {}, form_url=f"{contract_page}/kpis")
    assert "Local people hired" not in client.get(scorecard).get_data(as_text=True).split('id="kpi-ratings"')[1]
