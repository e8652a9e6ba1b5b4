"""Delivered = confirmed pledges + accepted returns, shown by source, never double counted:
the commitment's status, the dashboard and annual report figures, the supplier scorecard,
the API, the public ledger's note; 360Giving stays pledges only."""

from __future__ import annotations

from datetime import date

import pytest

from models import Commitment, Contract, User, db
from models.reporting.impact import Year, headline, kpis
from models.returns.rules import LineDetails, accept_return, save_line, start_return, submit_return
from models.returns.totals import returns_totals
from tests import factories
from tests.factories import get


@pytest.fixture
def world(app, places):
    made = factories.returns_borough(app)
    with app.app_context():
        seller, officer = get(User, made.seller), get(User, made.officer)
        filed = start_return(get(Contract, made.contract), seller, date(2025, 4, 1), date(2025, 11, 1))
        save_line(filed, get(Commitment, made.apprenticeships), seller, LineDetails(26, "Apprentices"))
        save_line(filed, get(Commitment, made.spend), seller, LineDetails(100_000, "Local spend", spend={
            "micro": 0, "small": 100_000, "medium": 0, "large": 0}))
        submit_return(filed, seller)
        accept_return(filed.id, officer)
        db.session.commit()
    return made


def test_reports_count_accepted_returns_by_source(app, world):
    with app.app_context():
        by_id = {kpi.commitment_id: kpi for kpi in kpis(None, date(2026, 1, 1))}
        assert (by_id[world.apprenticeships].delivered, by_id[world.apprenticeships].delivered_through_returns) == (26, 26)
        assert by_id[world.apprenticeships].delivered_through_pledges == 0
        figures = headline(None, date(2026, 1, 1))
        # £1 a unit for the spend measure: £100,000 through returns, nothing through pledges.
        assert figures.delivered_through_returns_pence == figures.delivered_against_commitments_pence == 100_000_00
        assert returns_totals().value_pence == 100_000_00 and returns_totals().returns == 1
        assert returns_totals(year=2024).returns == 0 and returns_totals(year=2025).returns == 1
        assert Year(2025).first_day == date(2025, 4, 1)


def test_scorecard_api_and_ledger_show_delivery_by_source(app, world, client):
    page = client.get(f"/organisations/{world.supplier}").get_data(as_text=True)
    assert "0 through pledges, 26 through returns" in page
    data = client.get(f"/api/v1/suppliers/{world.supplier}").get_json()
    line = next(c for c in data["commitments"] if c["id"] == world.apprenticeships)
    assert (line["delivered_quantity"], line["delivered_through_pledges"], line["delivered_through_returns"]) == (26, 0, 26)
    ledger = client.get("/ledger").get_data(as_text=True)
    assert "accepted returns reported £100,000" in ledger
    import json

    grants = json.loads(client.get("/open-data/360giving.json").get_data(as_text=True))
    assert grants["grants"] == []  # 360Giving: confirmed pledges only
