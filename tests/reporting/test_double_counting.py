"""One benefit, counted once (issue 18): a delivery split between a contract's and a grant's
commitments never adds up to more than was delivered, and a split one is listed as claimed
by more than one source."""

from __future__ import annotations

from datetime import date

import pytest

from models import Commitment, Contract, DomainError, Pledge, User, db
from models.contracts.rules import ContractDetails, record_contract
from models.pledges.rules import set_allocations
from models.reporting.double_counting import claimed_by_several_sources
from tests import factories
from tests.factories import impact_borough


@pytest.fixture
def world(app, places):
    return impact_borough(app)


def test_a_split_never_exceeds_the_delivery_and_is_listed(app, world):
    with app.app_context():
        officer = db.session.get(User, world["officer"])
        paid = db.session.get(Pledge, world["pledges"][0])  # £1,500 towards the contract's commitment
        contract_commitment = paid.allocations[0].commitment_id
        grant = record_contract(ContractDetails("GRANT-9", "Kitchen", "Communities", paid.supplier_id, 10_000_00,
                                                None, None, kind="grant", programme="Brent Together Fund"), officer)
        cash = db.session.get(Commitment, contract_commitment).measure_id
        grant_commitment = factories.commitment(grant, officer, cash, 1_000, date(2027, 3, 31))
        db.session.commit()
        assert claimed_by_several_sources() == []
        with pytest.raises(DomainError, match="at most the 1,500"):
            set_allocations(paid, officer, [(contract_commitment, 1_000), (grant_commitment.id, 600)])
        db.session.rollback()
        set_allocations(db.session.get(Pledge, world["pledges"][0]), officer,
                        [(contract_commitment, 900), (grant_commitment.id, 600)])
        db.session.commit()
        [shared] = claimed_by_several_sources()
        assert (shared.pledge_id, shared.delivered, shared.allocated) == (world["pledges"][0], 1_500, 1_500)
        assert shared.agreements == (("Contract", "BRENT-BIG", 900), ("Grant", "GRANT-9", 600))
        assert db.session.get(Contract, grant.id).commitments[0].delivered_quantity == 600
    from tests.factories import login

    client = app.test_client()
    login(client, "officer@example.org")
    page = client.get("/officers/impact?year=all").get_data(as_text=True)
    assert "Contract BRENT-BIG: 900; Grant GRANT-9: 600" in page and "1,500 of 1,500" in page


def test_the_dashboard_lists_shared_benefits(app, world):
    from tests.factories import login

    client = app.test_client()
    login(client, "officer@example.org")
    page = client.get("/officers/impact").get_data(as_text=True)
    assert "Benefits claimed by more than one source" in page and "every delivery and return line counts towards one" in page
