"""Two officers accepting one supplier return at once: one wins, the return counts once
(PostgreSQL, real threads; the row lock and the conditional update). Run with
TEST_DATABASE_URL naming a PostgreSQL database; skipped on SQLite, which serialises writers."""

from __future__ import annotations

from datetime import date

import pytest

from models import Commitment, Contract, DomainError, User, db
from models.returns.models import SupplierReturn
from models.returns.rules import LineDetails, accept_return, save_line, start_return, submit_return
from tests import factories
from tests.pledges.test_pledge_invariants import race, unexpected


@pytest.fixture
def world(app, places):
    return factories.returns_borough(app)


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_two_officers_accepting_one_return_at_once_count_it_once(app, world, attempt):
    with app.app_context():
        seller = db.session.get(User, world.seller)
        made = start_return(db.session.get(Contract, world.contract), seller, date(2025, 4, 1), date(2025, 11, 1))
        save_line(made, db.session.get(Commitment, world.hires), seller, LineDetails(7, "Seven local people hired"))
        submit_return(made, seller)
        db.session.commit()
        return_id = made.id

    def accept(officer_id: int):
        def action(barrier):
            officer = db.session.get(User, officer_id)
            db.session.commit()
            barrier.wait()
            accept_return(return_id, officer)
            return officer_id

        return action

    results = race(app, [accept(world.officer), accept(world.second_officer)])

    assert unexpected(results) == []
    assert sum(isinstance(result, int) for result in results) == 1
    assert sum(isinstance(result, DomainError) for result in results) == 1
    with app.app_context():
        assert db.session.get(Commitment, world.hires).returned_quantity == 7
        assert db.session.get(SupplierReturn, return_id).state == "accepted"
