"""The Fund's tests share one world: a grant whose unmet commitment paid £1,000 into the Fund,
and two ward votes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from models import OrganisationKind, Ward, db
from models.contracts.rules import ContractDetails, record_contract, settle_commitment
from tests import factories


@pytest.fixture
def world(app, places):
    """A failing grant settled by a £1,000 payment in lieu, and two ward votes (a draft and a closed one)."""
    with app.app_context():
        council = factories.officer("officer@example.org", "Olu Officer")
        hub = factories.organisation(factories.user("hub@example.org", "Hana Hub"), OrganisationKind.VCSE,
                                     officer=council)
        factories.themes()
        grant = record_contract(ContractDetails("GRANT-1", "Kitchen", "Communities", hub.id, 25_000_00, None, None,
                                                kind="grant", programme="Brent Together Fund"), council)
        unmet = factories.commitment(grant, council, factories.measure("Employee volunteering hours").id, 100,
                                     date(2025, 1, 31))
        settle_commitment(unmet, council, "fund_payment", date(2025, 6, 1), 1_000_00)
        ward = db.session.scalar(select(Ward).order_by(Ward.name).limit(1))
        start = datetime(2030, 1, 1)
        draft = factories.inserted_round(ward.id, "Harlesden priorities", state="draft", budget_pence=5_000_00,
                                         opens_at=start, closes_at=start + timedelta(days=14), max_choices=3)
        closed = factories.inserted_round(ward.id, "Last year's vote", state="closed", budget_pence=5_000_00,
                                          opens_at=start, closes_at=start + timedelta(days=14), max_choices=3)
        db.session.commit()
        return {"officer": council.id, "draft": draft.id, "closed": closed.id, "commitment": unmet.id}
