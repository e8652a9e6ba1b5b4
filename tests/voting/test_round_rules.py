"""The round rules that views used to repeat, tested where they now live once:
whether a round can still change (`change_problem`), and when a round is counted:
every rule that leaves a closed round's ballots uncounted registers the count job,
which is enqueued once its transaction commits, and never when it rolls back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import DomainError, PendingJob, Role, Round, User, db, utcnow
from models.voting.ballots import enter_paper_batch, remove_paper_batch
from models.voting.count import count_round
from models.voting.setup import (
    RoundFields,
    add_item_option,
    change_problem,
    close_round,
    create_round,
    open_round,
    publish_results,
    request_recount,
)
from tests.factories import login, post_form

COUNT = "workers.rounds.count_round_votes"
CLOSED = "This round has closed, so its options and rules can no longer change"
VOTED = "Ballots have been cast in this round, so its options and rules can no longer change"


@pytest.fixture
def officer(make_user) -> int:
    return make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)


def make_round(app, officer_id: int, open_it: bool = True) -> int:
    """A borough-wide round with two costed items, open since an hour ago (or a draft)."""
    with app.app_context():
        officer = db.session.get(User, officer_id)
        now = utcnow()
        round_ = create_round(officer, RoundFields(
            title="Borough priorities", description="", ward_id=None, budget_pence=5_000_00,
            opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7), method="approval",
            max_choices=2, min_spend_percent=None, rule="greedy",
        ))
        add_item_option(round_, officer, "Benches", "", 1_000_00)
        add_item_option(round_, officer, "Bins", "", 2_000_00)
        if open_it:
            open_round(round_, officer, now)
        db.session.commit()
        return round_.id


def queued(app) -> list[tuple[str, list]]:
    """Every job waiting on the RQ queues, as (function, arguments)."""
    from brokerage.extensions import rq
    from brokerage.jobs import QUEUES

    with app.app_context():
        return sorted((job.func_name, list(job.args)) for name in QUEUES for job in rq.queue(name).jobs)


def empty_the_queues(app) -> None:
    from brokerage.extensions import rq
    from brokerage.jobs import QUEUES

    with app.app_context():
        for name in QUEUES:
            rq.queue(name).empty()


def outbox_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(PendingJob))


def officer_of(officer_id: int) -> User:
    return db.session.get(User, officer_id)


# ---------------------------------------------------------------- whether a round can still change


def test_change_problem_says_why_in_each_state_and_the_rules_refuse_in_its_words(app, officer):
    draft = make_round(app, officer, open_it=False)
    round_id = make_round(app, officer)
    with app.app_context():
        assert change_problem(db.session.get(Round, draft)) is None
        round_ = db.session.get(Round, round_id)
        assert change_problem(round_) is None  # open, nobody has voted yet

        enter_paper_batch(round_, officer_of(officer), "B-1", "1\n", utcnow())
        db.session.commit()
        round_ = db.session.get(Round, round_id)
        assert change_problem(round_) == VOTED
        with pytest.raises(DomainError) as refused:
            add_item_option(round_, officer_of(officer), "Late", "", 100)
        assert refused.value.message == VOTED
        db.session.rollback()

        close_round(db.session.get(Round, round_id), officer_of(officer), utcnow())
        count_round(round_id)
        db.session.commit()
        assert change_problem(db.session.get(Round, round_id)) == CLOSED

        publish_results(db.session.get(Round, round_id), officer_of(officer))
        db.session.commit()
        round_ = db.session.get(Round, round_id)
        assert change_problem(round_) == CLOSED
        with pytest.raises(DomainError) as refused:
            add_item_option(round_, officer_of(officer), "Late", "", 100)
        assert refused.value.message == CLOSED


def test_the_officers_round_page_shows_the_rules_answer(app, client, officer):
    round_id = make_round(app, officer)
    login(client, "officer@example.org")
    page = client.get(f"/officers/rounds/{round_id}").get_data(as_text=True)
    assert "Change the round" in page and "Add a costed item" in page and "can no longer change" not in page
    with app.app_context():
        enter_paper_batch(db.session.get(Round, round_id), officer_of(officer), "B-1", "2\n", utcnow())
        db.session.commit()
    page = client.get(f"/officers/rounds/{round_id}").get_data(as_text=True)
    assert f"{VOTED}." in page
    assert "Change the round" not in page and "Add a costed item" not in page


# ---------------------------------------------------------------- when a round is counted


def test_closing_a_round_enqueues_its_count_once_after_the_commit(app, officer):
    round_id = make_round(app, officer)
    with app.app_context():
        close_round(db.session.get(Round, round_id), officer_of(officer), utcnow())
        # Entered in the same transaction, after closing: the count is asked for twice.
        enter_paper_batch(db.session.get(Round, round_id), officer_of(officer), "B-1", "1, 2\n", utcnow())
        assert outbox_rows() == 2  # in the transaction, with the change
        assert queued(app) == []  # nothing runs before the commit
        db.session.commit()
        assert outbox_rows() == 0
    assert queued(app) == [(COUNT, [round_id])]


def test_a_rule_that_rolls_back_enqueues_nothing(app, officer):
    round_id = make_round(app, officer)
    with app.app_context():
        close_round(db.session.get(Round, round_id), officer_of(officer), utcnow())
        db.session.rollback()
        db.session.commit()  # a later commit does not bring the forgotten job back
        assert outbox_rows() == 0
        assert db.session.get(Round, round_id).state == "open"
    assert queued(app) == []


def test_rules_that_change_a_closed_rounds_ballots_ask_for_a_count(app, officer):
    round_id = make_round(app, officer)
    with app.app_context():
        enter_paper_batch(db.session.get(Round, round_id), officer_of(officer), "OPEN-1", "1\n", utcnow())
        db.session.commit()
    assert queued(app) == []  # an open round is counted when it closes, not before

    with app.app_context():
        close_round(db.session.get(Round, round_id), officer_of(officer), utcnow())
        db.session.commit()
        count_round(round_id)
        db.session.commit()
    empty_the_queues(app)
    changes = [
        lambda round_: enter_paper_batch(round_, officer_of(officer), "LATE-1", "2\n", utcnow()),
        lambda round_: remove_paper_batch(round_, officer_of(officer), _batch_id("LATE-1")),
        lambda round_: request_recount(round_, officer_of(officer)),
    ]
    for change in changes:
        with app.app_context():
            change(db.session.get(Round, round_id))
            db.session.commit()
            assert db.session.get(Round, round_id).counted_at is None  # stale until counted again
        assert queued(app) == [(COUNT, [round_id])]
        empty_the_queues(app)


def _batch_id(reference: str) -> int:
    from models import PaperBatch

    return db.session.scalar(select(PaperBatch.id).where(PaperBatch.reference == reference))


def test_the_clock_closes_a_round_and_its_count_follows(app, officer, work_jobs):
    from workers.rounds import close_due_rounds

    round_id = make_round(app, officer)
    with app.app_context():
        enter_paper_batch(db.session.get(Round, round_id), officer_of(officer), "B-1", "1, 2\n2\n", utcnow())
        db.session.get(Round, round_id).closes_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert close_due_rounds() == 1
    assert queued(app) == [(COUNT, [round_id])]
    assert work_jobs() == 0
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_.counted_at is not None
        assert {option.title: option.votes for option in round_.options} == {"Benches": 1, "Bins": 2}


def test_publishing_results_asks_for_the_rematch_and_no_count(app, officer):
    round_id = make_round(app, officer)
    with app.app_context():
        close_round(db.session.get(Round, round_id), officer_of(officer), utcnow())
        count_round(round_id)
        db.session.commit()
    empty_the_queues(app)
    with app.app_context():
        publish_results(db.session.get(Round, round_id), officer_of(officer))
        db.session.commit()
    assert queued(app) == [("workers.matching.match_for_round", [round_id])]


def test_the_officers_buttons_leave_counting_to_the_rules(app, client, officer):
    round_id = make_round(app, officer)
    login(client, "officer@example.org")
    page = f"/officers/rounds/{round_id}"
    assert post_form(client, f"{page}/close", {}, form_url=page).status_code == 302
    assert queued(app) == [(COUNT, [round_id])]  # once: the view does not enqueue it again
    empty_the_queues(app)
    assert post_form(client, f"{page}/recount", {}, form_url=page).status_code == 302
    assert queued(app) == [(COUNT, [round_id])]
    empty_the_queues(app)
    assert post_form(client, f"{page}/paper", {"reference": "P-1", "ballots": "1\n"}).status_code == 302
    assert queued(app) == [(COUNT, [round_id])]


# ---------------------------------------------------------------- a round's spend


def test_a_rounds_spend_is_what_its_rule_funds_on_the_results_page_and_in_the_api(app, client, officer):
    from models.voting.count import spent_pence

    with app.app_context():
        officer_user = officer_of(officer)
        now = utcnow()
        round_ = create_round(officer_user, RoundFields(
            title="Tight budget", description="", ward_id=None, budget_pence=3_000_00,
            opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7), method="approval",
            max_choices=3, min_spend_percent=None, rule="equal-shares-add1",
        ))
        for title, pounds in (("Hall roof", 1_000), ("Hall floor", 1_000), ("Hall lights", 1_000), ("Benches", 800)):
            add_item_option(round_, officer_user, title, "", pounds * 100)
        open_round(round_, officer_user, now)
        # Three voters want the hall done; two others want benches.
        enter_paper_batch(round_, officer_user, "B-1", "1, 2, 3\n1, 2, 3\n1, 2, 3\n4\n4\n", now)
        close_round(round_, officer_user, now)
        count_round(round_.id)
        publish_results(round_, officer_user)
        db.session.commit()
        round_ = db.session.get(Round, round_.id)
        greedy = {option.title for option in round_.options if option.selected_greedy}
        shares = {option.title for option in round_.options if option.selected_add1}
        assert greedy == {"Hall roof", "Hall floor", "Hall lights"}  # most votes first
        assert "Benches" in shares  # equal shares: the two benches voters get their share
        assert spent_pence(round_, "greedy") == 3_000_00
        assert spent_pence(round_) == sum(o.cost_pence for o in round_.options if o.title in shares)
        official, other = spent_pence(round_), spent_pence(round_, round_.other_rule)
        round_id = round_.id

    def pounds(pence: int) -> str:
        return f"£{pence // 100:,}"

    results = client.get(f"/rounds/{round_id}/results").get_data(as_text=True)
    assert official != other
    assert re.search(rf"Budget spent</p>\s*<p[^>]*>{pounds(official)}</p>", results)
    assert f"costing {pounds(other)}." in results
    assert client.get(f"/api/v1/rounds/{round_id}").get_json()["results"]["spent_pence"] == official
