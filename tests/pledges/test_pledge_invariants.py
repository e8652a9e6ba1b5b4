"""The pledge invariants under real concurrency (PostgreSQL) and over random
sequences of pledge actions (Hypothesis):

- a need's pledged quantity is the sum of its holding pledges and never passes
  what it asked for; its accepted and delivered quantities are the sums of its
  accepted and confirmed pledges;
- a commitment's delivered quantity is the sum of its allocations;
- a pledge's allocations never add up to more than it delivered, and only
  confirmed pledges have any.

A rule that says no raises DomainError; anything else reaching the caller
(an IntegrityError from a constraint, a deadlock) would be a 500, so the tests
count it as a failure."""

from __future__ import annotations

import itertools
from collections import Counter
import threading
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import case, func, select

from models import DomainError, Need, Organisation, User, db
from models.contracts.models import Commitment
from models.needs.models import NeedStatus
from models.pledges.models import ACCEPTED, HOLDING, Allocation, Pledge, PledgeStatus
from models.pledges.rules import (
    accept_pledge,
    confirm_delivery,
    confirm_receipt,
    decline_pledge,
    dispute_delivery,
    make_pledge,
    record_delivery,
    set_allocations,
    withdraw_pledge,
)
from tests import factories

THREADS = 8
_references = itertools.count(1)


@dataclass
class World:
    officer_id: int
    second_officer_id: int
    owner_id: int
    group_id: int
    supplier_user_ids: tuple[int, int]
    supplier_ids: tuple[int, int]
    measure_id: int
    theme_id: int


@pytest.fixture
def world(app) -> World:
    """Two officers, a community group, two verified suppliers and a measure: made once per test."""
    with app.app_context():
        officer = factories.officer("officer@example.org", "Olu Officer")
        second_officer = factories.officer("officer2@example.org", "Ola Officer")
        owner = factories.user("owner@example.org", "Gita Group")
        first = factories.user("supplier1@example.org", "Sam Supplier")
        second = factories.user("supplier2@example.org", "Sue Supplier")
        group = factories.organisation(owner, officer=officer)
        suppliers = (
            factories.supplier(first, officer=officer),
            factories.supplier(second, "Cleaners plc", officer=officer, registration_number="09000002"),
        )
        db.session.commit()
        factories.themes()
        measure = factories.measure(need_kind="volunteering")
        db.session.commit()
        return World(officer.id, second_officer.id, owner.id, group.id, (first.id, second.id),
                     tuple(supplier.id for supplier in suppliers), measure.id, measure.theme_id)


def published_need(world: World, quantity: int, title: str = "Pantry volunteers") -> int:
    """A published need, inserted directly: publishing is not what these tests are about."""
    return factories.inserted_need(
        world.group_id, world.owner_id, title, kind="volunteering", quantity=quantity, unit="hours",
        value_pence=quantity * 1500, theme_id=world.theme_id, summary="Saturday mornings",
        deadline=date.today() + timedelta(days=30),
    ).id


def commitment_for(world: World, supplier_index: int, target: int = 1000) -> int:
    officer = db.session.get(User, world.officer_id)
    contract = factories.contract(world.supplier_ids[supplier_index], officer, f"C-{next(_references)}", "Cleaning")
    return factories.commitment(contract, officer, world.measure_id, target, date.today() + timedelta(days=200)).id


def delivered_pledge(world: World, need_id: int, quantity: int, commitment_id: int | None = None) -> int:
    """A pledge the supplier delivered and the group confirmed receiving: ready for an officer."""
    return factories.pledge(
        db.session.get(Need, need_id), db.session.get(Organisation, world.supplier_ids[0]),
        db.session.get(User, world.supplier_user_ids[0]), quantity, commitment_id=commitment_id, until="received",
        receiver=db.session.get(User, world.owner_id), delivery_note="Volunteers came",
    ).id


def race(app, actions) -> list[object]:
    """Run each action in its own thread, app context and session, released together by a
    barrier. Each result is what the action returned (after commit), the DomainError it
    raised (after rollback), or any other exception: the tests fail on those."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int, action) -> None:
        with app.app_context():
            try:
                prepared = action(barrier)
                db.session.commit()
                results[index] = prepared
            except DomainError as error:
                db.session.rollback()
                results[index] = error
            except Exception as error:  # noqa: BLE001: a 500 in a view; reported by the test
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return results


def unexpected(results: list[object]) -> list[object]:
    return [result for result in results if isinstance(result, BaseException) and not isinstance(result, DomainError)]


def check_need(need_id: int) -> Need:
    """The need's counters against its pledges, read fresh from the database."""
    db.session.expire_all()
    need = db.session.get(Need, need_id)

    def total(statuses):
        return func.coalesce(func.sum(case((Pledge.status.in_(statuses), Pledge.quantity), else_=0)), 0)

    holding, accepted, confirmed = db.session.execute(
        select(total(HOLDING), total(ACCEPTED), total([PledgeStatus.CONFIRMED.value])).where(Pledge.need_id == need_id)
    ).one()
    assert need.pledged_quantity == holding
    assert need.pledged_quantity <= need.quantity
    assert need.accepted_quantity == accepted
    assert need.delivered_quantity == confirmed
    if need.status == NeedStatus.PUBLISHED.value:
        assert need.pledged_quantity < need.quantity
    if need.status == NeedStatus.FULLY_PLEDGED.value:
        assert need.pledged_quantity == need.quantity > need.delivered_quantity
    return need


def check_allocations(commitment_ids, pledge_ids) -> None:
    """Each commitment's delivered quantity is its allocations' sum; each pledge's allocations
    fit in it, and only confirmed pledges have any."""
    allocated = func.coalesce(func.sum(Allocation.quantity), 0)
    for commitment_id, delivered, total in db.session.execute(
        select(Commitment.id, Commitment.delivered_quantity, allocated)
        .outerjoin(Allocation, Allocation.commitment_id == Commitment.id)
        .where(Commitment.id.in_(commitment_ids))
        .group_by(Commitment.id, Commitment.delivered_quantity)
    ):
        assert delivered == total, f"commitment {commitment_id}"
    for pledge_id, quantity, status, total in db.session.execute(
        select(Pledge.id, Pledge.quantity, Pledge.status, allocated)
        .outerjoin(Allocation, Allocation.pledge_id == Pledge.id)
        .where(Pledge.id.in_(pledge_ids))
        .group_by(Pledge.id, Pledge.quantity, Pledge.status)
    ):
        assert total <= quantity, f"pledge {pledge_id}"
        if status != PledgeStatus.CONFIRMED.value:
            assert total == 0, f"pledge {pledge_id} is {status} but allocated"


# Concurrency: PostgreSQL only (SQLite serialises writers, so there is no race to lose).


@pytest.mark.postgres
def test_concurrent_pledges_never_over_pledge_a_need(app, world):
    with app.app_context():
        need_id = published_need(world, quantity=100)
        db.session.commit()

    def pledge(quantity: int):
        def action(barrier):
            need = db.session.get(Need, need_id)
            supplier = db.session.get(Organisation, world.supplier_ids[0])
            user = db.session.get(User, world.supplier_user_ids[0])
            db.session.commit()  # end the read transaction: the race starts at the barrier
            barrier.wait()
            return make_pledge(need, supplier, user, quantity, "We can help").id

        return action

    # 8 × 30 = 240 offered against 100 asked for
    results = race(app, [pledge(30) for _ in range(THREADS)])

    assert unexpected(results) == []
    made = [result for result in results if isinstance(result, int)]
    refused = [result for result in results if isinstance(result, DomainError)]
    assert len(made) + len(refused) == THREADS
    assert len(made) == 3 and len(refused) == 5  # 3 × 30 fit in 100; a fourth would not
    with app.app_context():
        need = check_need(need_id)
        assert need.pledged_quantity == 90
        assert db.session.scalar(select(func.count()).select_from(Pledge).where(Pledge.need_id == need_id)) == 3


@pytest.mark.postgres
def test_concurrent_pledges_of_mixed_sizes_fill_a_need_exactly_or_less(app, world):
    with app.app_context():
        need_id = published_need(world, quantity=50)
        db.session.commit()
    sizes = [7, 11, 13, 17, 19, 23, 29, 31]

    def pledge(quantity: int, supplier_index: int):
        def action(barrier):
            need = db.session.get(Need, need_id)
            supplier = db.session.get(Organisation, world.supplier_ids[supplier_index])
            user = db.session.get(User, world.supplier_user_ids[supplier_index])
            db.session.commit()
            barrier.wait()
            return make_pledge(need, supplier, user, quantity).id

        return action

    results = race(app, [pledge(size, index % 2) for index, size in enumerate(sizes)])

    assert unexpected(results) == []
    assert any(isinstance(result, DomainError) for result in results)
    with app.app_context():
        need = check_need(need_id)
        made = [size for size, result in zip(sizes, results) if isinstance(result, int)]
        assert need.pledged_quantity == sum(made) <= 50


@pytest.mark.postgres
def test_two_officers_confirming_one_delivery_at_once_count_it_once(app, world):
    with app.app_context():
        need_id = published_need(world, quantity=40)
        commitment_id = commitment_for(world, 0)
        pledge_id = delivered_pledge(world, need_id, 40, commitment_id=commitment_id)
        db.session.commit()

    def confirm(officer_id: int):
        def action(barrier):
            pledge = db.session.get(Pledge, pledge_id)
            officer = db.session.get(User, officer_id)
            db.session.commit()
            barrier.wait()
            confirm_delivery(pledge, officer)
            return officer_id

        return action

    results = race(app, [confirm(world.officer_id), confirm(world.second_officer_id)])

    assert unexpected(results) == []
    assert sum(isinstance(result, int) for result in results) == 1
    assert sum(isinstance(result, DomainError) for result in results) == 1
    with app.app_context():
        need = check_need(need_id)
        assert need.delivered_quantity == 40
        check_allocations([commitment_id], [pledge_id])
        assert db.session.get(Commitment, commitment_id).delivered_quantity == 40


@pytest.mark.postgres
def test_concurrent_allocations_of_two_pledges_to_one_commitment_add_up(app, world):
    with app.app_context():
        officer = db.session.get(User, world.officer_id)
        need_id = published_need(world, quantity=60)
        commitment_id = commitment_for(world, 0)
        pledge_ids = [delivered_pledge(world, need_id, 30), delivered_pledge(world, need_id, 30)]
        for pledge_id in pledge_ids:
            confirm_delivery(db.session.get(Pledge, pledge_id), officer)  # no commitment named: unallocated
        db.session.commit()

    def allocate(pledge_id: int, officer_id: int, quantity: int):
        def action(barrier):
            pledge = db.session.get(Pledge, pledge_id)
            officer = db.session.get(User, officer_id)
            db.session.commit()
            barrier.wait()
            set_allocations(pledge, officer, [(commitment_id, quantity)])
            return quantity

        return action

    results = race(app, [allocate(pledge_ids[0], world.officer_id, 30), allocate(pledge_ids[1], world.second_officer_id, 25)])

    assert unexpected(results) == []
    assert results == [30, 25]
    with app.app_context():
        check_allocations([commitment_id], pledge_ids)
        assert db.session.get(Commitment, commitment_id).delivered_quantity == 55


@pytest.mark.postgres
def test_concurrent_allocations_of_one_pledge_never_count_it_twice(app, world):
    """Two officers re-allocate the same confirmed pledge at once, to different commitments."""
    with app.app_context():
        officer = db.session.get(User, world.officer_id)
        need_id = published_need(world, quantity=30)
        first, second = commitment_for(world, 0), commitment_for(world, 0)
        pledge_id = delivered_pledge(world, need_id, 30, commitment_id=first)
        confirm_delivery(db.session.get(Pledge, pledge_id), officer)  # 30 allocated to the first
        db.session.commit()

    def allocate(officer_id: int, allocations):
        def action(barrier):
            pledge = db.session.get(Pledge, pledge_id)
            pledge.allocations  # loaded before the race, as a view's form would have
            officer = db.session.get(User, officer_id)
            barrier.wait()
            set_allocations(pledge, officer, allocations)
            return officer_id

        return action

    results = race(app, [
        allocate(world.officer_id, [(first, 10), (second, 20)]),
        allocate(world.second_officer_id, [(second, 30)]),
    ])

    assert unexpected(results) == []
    with app.app_context():
        check_allocations([first, second], [pledge_id])
        pledge = db.session.get(Pledge, pledge_id)
        assert pledge.allocated_quantity == 30


# Random sequences of pledge actions (SQLite by default; PostgreSQL too when set).

QUANTITIES = st.one_of(st.integers(1, 4), st.integers(-1, 14))  # the needs ask for 10 and 6
# (which of the supplier's commitments, or another supplier's, how much): some too much
ALLOCATIONS = st.lists(
    st.tuples(st.sampled_from(["own", "own", "second own", "other"]), st.one_of(st.integers(0, 2), st.integers(-1, 12))),
    max_size=3,
)
MOSTLY = st.sampled_from([True, True, True, False])  # the right person, now and then the wrong one
# A pledge to act on: usually one whose status suits the action (so sequences get through
# the whole lifecycle), sometimes any (so the wrong-state refusals are tried too).
CHOICE = st.tuples(st.integers(min_value=0), MOSTLY)


def pledge_actions_machine(app, world: World, outcomes: Counter):
    """A state machine over one example's two needs, three commitments (two of the first
    supplier's, one of the second's) and the pledges the rules make on them."""
    today = date.today()

    class PledgeActions(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.context = app.app_context()
            self.context.push()
            self.need_ids: list[int] = []
            self.commitment_ids: list[int] = []
            self.pledge_ids: list[int] = []

        def teardown(self):
            db.session.rollback()
            db.session.remove()
            self.context.pop()

        @initialize()
        def fresh_needs_and_commitments(self):
            self.need_ids = [published_need(world, 10, "Pantry volunteers"), published_need(world, 6, "Garden volunteers")]
            self.commitment_ids = [commitment_for(world, 0), commitment_for(world, 0), commitment_for(world, 1)]
            db.session.commit()

        def attempt(self, action, *args, **kwargs) -> None:
            """Commit what a rule did, or roll back when it said no (any other error fails)."""
            name = action.__name__
            try:
                result = action(*args, **kwargs)
            except DomainError as error:
                db.session.rollback()
                outcomes[name, "refused"] += 1
                outcomes[name, error.message[:60]] += 1
                return
            db.session.commit()
            outcomes[name, "done"] += 1
            if isinstance(result, Pledge):
                self.pledge_ids.append(result.id)

        def user(self, user_id: int) -> User:
            return db.session.get(User, user_id)

        def pledge(self, choice: tuple[int, bool], *statuses: str) -> Pledge:
            index, suited = choice
            candidates = self.pledge_ids
            if suited:
                candidates = db.session.scalars(
                    select(Pledge.id).where(Pledge.id.in_(self.pledge_ids), Pledge.status.in_(statuses)).order_by(Pledge.id)
                ).all() or candidates
            return db.session.get(Pledge, candidates[index % len(candidates)])

        def allocations(self, pledge: Pledge, wanted) -> list[tuple[int, int]] | None:
            if wanted is None:
                return None
            first, second, theirs = self.commitment_ids
            mine = {"own": first, "second own": second, "other": theirs}
            if pledge.supplier_id == world.supplier_ids[1]:
                mine = {"own": theirs, "second own": theirs, "other": first}
            return [(mine[which], quantity) for which, quantity in wanted]

        def supplier_user_of(self, pledge: Pledge, right: bool) -> User:
            index = world.supplier_ids.index(pledge.supplier_id)
            return self.user(world.supplier_user_ids[index if right else 1 - index])

        @rule(need=st.sampled_from([0, 1]), supplier=st.sampled_from([0, 1]), quantity=QUANTITIES,
              commitment=st.sampled_from([None, "own", "own", "other"]))
        def make_pledge(self, need, supplier, quantity, commitment):
            own = self.commitment_ids[2] if supplier else self.commitment_ids[quantity % 2]
            other = self.commitment_ids[0] if supplier else self.commitment_ids[2]
            self.attempt(
                make_pledge, db.session.get(Need, self.need_ids[need]), db.session.get(Organisation, world.supplier_ids[supplier]),
                self.user(world.supplier_user_ids[supplier]), quantity, "We can help",
                commitment_id={None: None, "own": own, "other": other}[commitment],
            )

        @precondition(lambda self: self.pledge_ids)
        @rule(choice=CHOICE, steps=st.integers(1, 4), allocations=st.none() | ALLOCATIONS)
        def advance(self, choice, steps, allocations):
            """The next few steps of a pledge's lifecycle, each by the right person and
            committed on its own: so sequences get as far as confirmation and allocation."""
            pledge_id = self.pledge(choice, "offered", "accepted", "delivered").id
            for _ in range(steps):
                pledge = db.session.get(Pledge, pledge_id)
                seller, owner, officer = self.supplier_user_of(pledge, True), self.user(world.owner_id), self.user(world.officer_id)
                if pledge.status == "offered":
                    self.attempt(accept_pledge, pledge, owner)
                elif pledge.status == "accepted":
                    self.attempt(record_delivery, pledge, seller, today, "Volunteers came", None, today)
                elif pledge.status == "delivered" and pledge.group_confirmed_at is None:
                    self.attempt(confirm_receipt, pledge, owner)
                elif pledge.status == "delivered":
                    self.attempt(confirm_delivery, pledge, officer, self.allocations(pledge, allocations))
                    if db.session.get(Pledge, pledge_id).status == "delivered":  # refused: allocations too large
                        self.attempt(confirm_delivery, db.session.get(Pledge, pledge_id), officer, None)
                else:
                    break
                self.check()

        @precondition(lambda self: self.pledge_ids)
        @rule(choice=CHOICE, by_group=MOSTLY)
        def accept(self, choice, by_group):
            pledge = self.pledge(choice, "offered")
            self.attempt(accept_pledge, pledge, self.user(world.owner_id if by_group else world.officer_id))

        @precondition(lambda self: self.pledge_ids)
        @rule(choice=CHOICE, reason=st.sampled_from(["", "We have enough now"]))
        def decline(self, choice, reason):
            self.attempt(decline_pledge, self.pledge(choice, "offered"), self.user(world.owner_id), reason)

        @precondition(lambda self: self.pledge_ids)
        @rule(choice=CHOICE, right_supplier=MOSTLY)
        def withdraw(self, choice, right_supplier):
            pledge = self.pledge(choice, "offered", "accepted")
            self.attempt(withdraw_pledge, pledge, self.supplier_user_of(pledge, right_supplier))

        @precondition(lambda self: self.pledge_ids)
        @rule(choice=CHOICE, days_ago=st.sampled_from([-1, 0, 3]))
        def record_delivery(self, choice, days_ago):
            pledge = self.pledge(choice, "accepted")
            self.attempt(
                record_delivery, pledge, self.supplier_user_of(pledge, True), today - timedelta(days=days_ago),
                "Volunteers came", None, today,
            )

        @precondition(lambda self: self.pledge_ids)
        @rule(choice=CHOICE)
        def confirm_receipt(self, choice):
            self.attempt(confirm_receipt, self.pledge(choice, "delivered"), self.user(world.owner_id))

        @precondition(lambda self: self.pledge_ids)
        @rule(choice=CHOICE, by_officer=MOSTLY, allocations=st.none() | ALLOCATIONS)
        def confirm_delivery(self, choice, by_officer, allocations):
            pledge = self.pledge(choice, "delivered")
            actor = self.user(world.officer_id) if by_officer else self.supplier_user_of(pledge, True)
            self.attempt(confirm_delivery, pledge, actor, self.allocations(pledge, allocations))

        @precondition(lambda self: self.pledge_ids)
        @rule(choice=CHOICE, reason=st.sampled_from(["", "No evidence of the hours", "Only half came"]))
        def dispute(self, choice, reason):
            self.attempt(dispute_delivery, self.pledge(choice, "delivered"), self.user(world.second_officer_id), reason)

        @precondition(lambda self: self.pledge_ids)
        @rule(choice=CHOICE, allocations=ALLOCATIONS)
        def set_allocations(self, choice, allocations):
            pledge = self.pledge(choice, "confirmed")
            self.attempt(set_allocations, pledge, self.user(world.second_officer_id), self.allocations(pledge, allocations))

        @invariant()
        def check(self):
            """The counters match the pledges, read fresh from the database, after every step."""
            for need_id in self.need_ids:
                check_need(need_id)
            check_allocations(self.commitment_ids, self.pledge_ids)

    return PledgeActions


def test_random_pledge_actions_keep_every_invariant(app, world):
    outcomes: Counter = Counter()
    run_state_machine_as_test(
        pledge_actions_machine(app, world, outcomes),
        settings=settings(max_examples=40, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]),
    )
    print(sorted(outcomes.items()))  # with -s: what the sequences did, and why the rules said no
    # The sequences went through the whole lifecycle, not only the refusals.
    done = {name for name, outcome in outcomes if outcome == "done"}
    assert {"make_pledge", "accept_pledge", "record_delivery", "confirm_receipt", "confirm_delivery"} <= done
