"""The Social Value Fund as a balance (issue 18): payments in lieu and social section 106
money received come in; officers add it to a ward vote's budget; each movement is a ledger
entry with its source; nobody spends more than the balance, even two at once (PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import DomainError, Round, db
from models.fund.ledger import FundEntry, fund_summary, spend_on_round
from models.planning.imports import import_developer_file
from tests import factories
from tests.contracts.ocds_files import council_is
from tests.factories import login, post_form
from tests.pledges.test_pledge_invariants import race, unexpected
from tests.planning.test_developer_contributions import SOUTH_HAMS, SOUTH_HAMS_TRANSACTIONS, real


def test_a_payment_in_lieu_comes_in_with_its_source(app, world):
    with app.app_context():
        summary = fund_summary()
        assert (summary.balance_pence, summary.in_pence, summary.out_pence) == (1_000_00, 1_000_00, 0)
        entry = db.session.scalar(select(FundEntry))
        assert entry.source == "payment_in_lieu" and entry.commitment_id == world["commitment"]
        assert "Harlesden Food Hub, grant GRANT-1" == entry.description


def test_an_officer_adds_fund_money_to_a_ward_votes_budget(app, world):
    client = app.test_client()
    login(client, "officer@example.org")
    response = post_form(client, "/officers/fund/ward-votes", {"round_id": str(world["draft"]), "amount": "600"},
                         form_url="/officers/fund")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get("/officers/fund").get_data(as_text=True)
    assert "£400" in page and "Added to a ward vote" in page and "Payment in lieu" in page
    with app.app_context():
        assert db.session.get(Round, world["draft"]).budget_pence == 5_600_00
    # More than the balance: refused, with the message beside the field and the input kept.
    response = post_form(client, "/officers/fund/ward-votes", {"round_id": str(world["draft"]), "amount": "400.01"},
                         form_url="/officers/fund")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "you cannot spend more than that" in body and 'value="400.01"' in body
    dashboard = client.get("/officers/impact").get_data(as_text=True)
    assert "balance <strong>£400</strong>" in dashboard


def test_the_same_ward_vote_form_sent_twice_adds_once(app, world):
    with app.app_context():
        officer = factories.get(factories.User, world["officer"])
        for _ in range(2):
            spend_on_round(db.session.get(Round, world["draft"]), 100_00, officer, client_token="one-click")
            db.session.commit()
        assert db.session.get(Round, world["draft"]).budget_pence == 5_100_00
        assert fund_summary().balance_pence == 900_00


def test_a_closed_vote_and_nothing_are_refused(app, world):
    with app.app_context():
        officer = factories.get(factories.User, world["officer"])
        with pytest.raises(DomainError, match="has not closed"):
            spend_on_round(db.session.get(Round, world["closed"]), 100, officer)
        with pytest.raises(DomainError, match="more than"):
            spend_on_round(db.session.get(Round, world["draft"]), 0, officer)


def test_social_section_106_money_received_comes_in_once(app, world):
    with app.app_context():
        council_is(ids=[SOUTH_HAMS])
        import_developer_file(real("south_hams_developer-agreement.csv"))
        import_developer_file(real("south_hams_developer-agreement-contribution.csv"))
        import_developer_file(SOUTH_HAMS_TRANSACTIONS)
        import_developer_file(SOUTH_HAMS_TRANSACTIONS)
        db.session.commit()
        summary = fund_summary()
        # The off-site play contribution (open space and leisure) received £12,920; the spend is not income.
        assert summary.by_source == {"payment_in_lieu": 1_000_00, "section_106": 12_920_00}
        assert summary.balance_pence == 13_920_00


@pytest.mark.postgres
def test_two_officers_spending_at_once_never_overspend(app, world):
    def spend(amount):
        def action(barrier):
            officer = factories.get(factories.User, world["officer"])
            round_ = db.session.get(Round, world["draft"])
            barrier.wait()
            return spend_on_round(round_, amount, officer).id
        return action

    results = race(app, [spend(600_00), spend(600_00)])
    assert unexpected(results) == []
    assert sum(isinstance(result, DomainError) for result in results) == 1
    with app.app_context():
        assert fund_summary().balance_pence == 400_00
        assert db.session.get(Round, world["draft"]).budget_pence == 5_600_00
        assert db.session.scalar(select(func.count()).select_from(FundEntry).where(FundEntry.direction == "out")) == 1
