"""Matching through the real pieces: the job on a real RQ worker (enqueued by the
views that publish a need or approve a commitment), reruns without duplicates,
dismissals that stick, the supplier's recommendations, the officers' brokerage
board and introductions by email; and the wrong people kept out."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import Commitment, Event, Match, Need, User, db
from models.contracts.rules import CommitmentDetails, add_commitment
from models.needs.rules import close_need
from models.voting.models import Round, RoundOption
from tests import factories
from tests.factories import post_form, signed_in

TODAY = date.today()
HARLESDEN = "Harlesden & Kensal Green"


@pytest.fixture
def world(app, places):
    return factories.matching_borough(app, TODAY)


def make_need(app, world, **fields) -> int:
    return factories.matching_need(app, world, today=TODAY, **fields)


def matches(app, commitment_id=None) -> list[tuple[int, int, float, bool]]:
    with app.app_context():
        query = select(Match).order_by(Match.commitment_id, Match.rank, Match.id)
        if commitment_id is not None:
            query = query.where(Match.commitment_id == commitment_id)
        return [(m.commitment_id, m.need_id, m.score, m.dismissed_at is not None) for m in db.session.scalars(query)]


def run_nightly(app, work_jobs) -> None:
    from brokerage.extensions import rq
    from workers.matching import match_all_commitments

    with app.app_context():
        rq.enqueue(match_all_commitments)
    assert work_jobs() == 0


# The job ------------------------------------------------------------------------------


def test_publishing_a_need_matches_it_through_the_worker(app, world, work_jobs):
    pantry = make_need(app, world, status="submitted")
    cash = make_need(app, world, title="Kit money", kind="cash", unit="£", quantity=300)
    make_need(app, world, title="Not yet sent", status="draft")
    assert matches(app) == []
    officer = signed_in(app, "officer@example.org")
    response = post_form(officer, f"/officers/needs/{pantry}", {"publish": "Publish"})
    assert response.status_code == 302
    assert work_jobs() == 0
    found = matches(app)
    assert [(c, n) for c, n, _, _ in found] == [(world["commitment"], pantry)]  # not the cash need, not the draft
    assert cash not in [n for _, n, _, _ in found]
    with app.app_context():
        match = db.session.scalar(select(Match))
        assert match.rank == 1 and 0 < match.score <= 100
        assert match.reasons[:2] == [
            "your ‘Employee volunteering hours’ commitment has 120 hours left, due in 6 weeks",
            "this need asks for 40 hours, so your commitment can complete it outright",
        ]
        assert f"in {HARLESDEN}, one of your commitment's preferred wards" in match.reasons


def test_approving_a_proposed_commitment_matches_it(app, world, work_jobs):
    need = make_need(app, world)
    with app.app_context():
        seller = db.session.get(User, world["seller"])
        from models import Contract

        proposed = add_commitment(db.session.get(Contract, world["contract"]), seller,
                                  CommitmentDetails(world["measure"], 30, TODAY + timedelta(days=200)))
        db.session.commit()
        proposed_id = proposed.id
    officer = signed_in(app, "officer@example.org")
    response = post_form(officer, f"/officers/commitments/{proposed_id}/decision", {"approve": "Approve"},
                         form_url=f"/officers/contracts/{world['contract']}")
    assert response.status_code == 302
    assert work_jobs() == 0
    assert [(c, n) for c, n, _, _ in matches(app, proposed_id)] == [(proposed_id, need)]


def test_a_rerun_replaces_stale_matches_without_duplicates(app, world, work_jobs):
    pantry = make_need(app, world)
    big = make_need(app, world, title="Painting the hall", quantity=500, ward="kilburn")
    small = make_need(app, world, title="Garden tidy", quantity=5, ward="kilburn")
    run_nightly(app, work_jobs)
    first = matches(app)
    # The need the commitment completes in its preferred ward first; the one it would only dent last.
    assert [n for _, n, _, _ in first] == [pantry, small, big]
    run_nightly(app, work_jobs)
    assert matches(app) == first
    with app.app_context():
        ids_before = set(db.session.scalars(select(Match.id)))
        close_need(db.session.get(Need, big), db.session.get(User, world["owner"]))
        db.session.commit()
    run_nightly(app, work_jobs)
    assert [n for _, n, _, _ in matches(app)] == [pantry, small]
    with app.app_context():
        assert set(db.session.scalars(select(Match.id))) < ids_before  # updated in place, the stale one gone
        # The database refuses a second row for the same pair.
        db.session.add(Match(commitment_id=world["commitment"], need_id=pantry, score=1, rank=9, reasons=[]))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_a_met_commitment_loses_its_matches(app, world, work_jobs):
    make_need(app, world)
    run_nightly(app, work_jobs)
    assert len(matches(app)) == 1
    with app.app_context():
        db.session.get(Commitment, world["commitment"]).delivered_quantity = 120
        db.session.commit()
    run_nightly(app, work_jobs)
    assert matches(app) == []


def test_round_results_raise_a_need_and_say_so(app, world, work_jobs):
    from brokerage.extensions import rq
    from workers.matching import match_for_round

    pantry = make_need(app, world)
    other = make_need(app, world, title="Another pantry", quantity=40)
    run_nightly(app, work_jobs)
    before = dict((n, s) for _, n, s, _ in matches(app))
    assert before[pantry] == before[other]
    with app.app_context():
        now = datetime.now()
        round_ = Round(title="Harlesden priorities 2026", ward_id=world["harlesden"], budget_pence=1_000_000,
                       opens_at=now - timedelta(days=20), closes_at=now - timedelta(days=5), state="published",
                       counted_at=now, published_at=now)
        db.session.add(round_)
        db.session.flush()
        for position in range(1, 15):
            db.session.add(RoundOption(round_id=round_.id, position=position, title=f"Option {position}",
                                       cost_pence=10_000, vote_rank=position,
                                       need_id=pantry if position == 2 else None))
        db.session.commit()
        rq.enqueue(match_for_round, round_.id)
    assert work_jobs() == 0
    after = dict((n, s) for _, n, s, _ in matches(app))
    assert after[pantry] > after[other]
    with app.app_context():
        match = db.session.scalar(select(Match).where(Match.need_id == pantry))
        assert match.rank == 1
        assert match.reasons[0] == f"ranked 2nd of 14 in {HARLESDEN}'s priority vote"


def test_nightly_matching_is_scheduled():
    from workers.matching import match_all_commitments
    from workers.schedule import PERIODIC_JOBS, register_periodic_jobs

    nightly = [p for p in PERIODIC_JOBS if p.func is match_all_commitments]
    assert len(nightly) == 1 and nightly[0].cron == "0 2 * * *" and nightly[0].queue == "low"

    class Scheduler:
        names: list[str] = []

        def register(self, func, **kwargs):
            self.names.append(kwargs["name"])

    register_periodic_jobs(Scheduler())
    assert "match_all_commitments" in Scheduler.names


# Suppliers: recommendations and dismissal ----------------------------------------------


def test_the_supplier_sees_recommendations_with_reasons_and_can_pledge(app, world, work_jobs):
    pantry = make_need(app, world)
    run_nightly(app, work_jobs)
    seller = signed_in(app, "seller@example.org")
    dashboard = seller.get(f"/suppliers/{world['supplier']}").get_data(as_text=True)
    assert "Recommended for you" in dashboard and "Volunteers for the pantry" in dashboard
    assert "Your ‘Employee volunteering hours’ commitment has 120 hours left, due in 6 weeks" in dashboard
    page = seller.get(f"/suppliers/{world['supplier']}/recommended").get_data(as_text=True)
    assert "This need asks for 40 hours, so your commitment can complete it outright" in page
    pledge_link = f"/needs/{pantry}/pledge?commitment={world['commitment']}"
    assert pledge_link in page
    form = seller.get(pledge_link).get_data(as_text=True)
    assert f'<option selected value="{world["commitment"]}">' in form or f'value="{world["commitment"]}" selected' in form


def test_a_dismissed_suggestion_stays_dismissed_on_reruns(app, world, work_jobs):
    make_need(app, world)
    other = make_need(app, world, title="Garden tidy", quantity=5)
    run_nightly(app, work_jobs)
    with app.app_context():
        match_id = db.session.scalar(select(Match.id).where(Match.need_id == other))
    seller = signed_in(app, "seller@example.org")
    url = f"/suppliers/{world['supplier']}/recommended"
    response = post_form(seller, f"/suppliers/matches/{match_id}/dismiss", {}, form_url=url)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    page = seller.get(url).get_data(as_text=True)
    assert "Dismissed: we will not suggest “Garden tidy” for this commitment again." in page
    assert f'id="match-{match_id}"' not in page
    run_nightly(app, work_jobs)
    run_nightly(app, work_jobs)
    with app.app_context():
        rows = db.session.scalars(select(Match).where(Match.need_id == other)).all()
        assert len(rows) == 1 and rows[0].id == match_id and rows[0].dismissed_at is not None
        assert db.session.scalar(select(Event.action).where(Event.subject_type == "matches")) == "match.dismissed"
    page = seller.get(url).get_data(as_text=True)
    assert "Garden tidy" not in page and "Volunteers for the pantry" in page


def test_the_wrong_people_cannot_dismiss_or_see_a_suppliers_recommendations(app, world, work_jobs):
    make_need(app, world)
    run_nightly(app, work_jobs)
    with app.app_context():
        match_id = db.session.scalar(select(Match.id))
    for email in ("rival@example.org", "owner@example.org", "resident@example.org"):
        client = signed_in(app, email)
        assert client.get(f"/suppliers/{world['supplier']}/recommended").status_code == 403
        response = post_form(client, f"/suppliers/matches/{match_id}/dismiss", {}, form_url="/")
        assert response.status_code == 403, email
    # Without a CSRF token even the supplier's own member is refused.
    seller = signed_in(app, "seller@example.org")
    assert seller.post(f"/suppliers/matches/{match_id}/dismiss").status_code == 400
    assert app.test_client().post(f"/suppliers/matches/{match_id}/dismiss").status_code in (302, 400)
    assert matches(app)[0][3] is False


# Officers: the brokerage board and introductions ----------------------------------------


def make_at_risk(app, world) -> None:
    with app.app_context():
        db.session.get(Commitment, world["commitment"]).due_date = TODAY + timedelta(days=20)
        db.session.commit()


def test_the_board_is_for_officers_only(app, world, work_jobs):
    make_need(app, world)
    make_at_risk(app, world)
    run_nightly(app, work_jobs)
    for email in ("seller@example.org", "owner@example.org", "resident@example.org"):
        client = signed_in(app, email)
        assert client.get("/officers/brokerage").status_code == 403
        with app.app_context():
            match_id = db.session.scalar(select(Match.id))
        assert post_form(client, f"/officers/matches/{match_id}/introduce", {}, form_url="/").status_code == 403
    assert app.test_client().get("/officers/brokerage").status_code == 302  # sign in first
    page = signed_in(app, "officer@example.org").get("/officers/brokerage").get_data(as_text=True)
    assert "Builders Ltd: Employee volunteering hours" in page and "At risk" in page
    assert "Volunteers for the pantry" in page and "Introduce" in page


def test_a_commitment_on_track_is_not_on_the_board(app, world, work_jobs):
    make_need(app, world)
    with app.app_context():
        db.session.get(Commitment, world["commitment"]).due_date = TODAY + timedelta(days=300)
        db.session.commit()
    run_nightly(app, work_jobs)
    page = signed_in(app, "officer@example.org").get("/officers/brokerage").get_data(as_text=True)
    assert "No commitment is at risk or overdue" in page


def test_introducing_emails_the_supplier_and_the_group(app, world, work_jobs, outbox):
    pantry = make_need(app, world)
    make_at_risk(app, world)
    run_nightly(app, work_jobs)
    outbox()
    sent_before = len(outbox())
    with app.app_context():
        match_id = db.session.scalar(select(Match.id).where(Match.need_id == pantry))
    officer = signed_in(app, "officer@example.org")
    response = post_form(officer, f"/officers/matches/{match_id}/introduce", {}, form_url="/officers/brokerage")
    assert response.status_code == 302
    sent = outbox()[sent_before:]
    assert sorted(m.to_address for m in sent) == ["owner@example.org", "seller@example.org"]
    assert all(m.subject == "Introduction: Builders Ltd and Harlesden Food Hub about Volunteers for the pantry"
               and m.status == "sent" for m in sent)
    to_supplier = next(m for m in sent if m.to_address == "seller@example.org")
    assert "Oona Officer" in to_supplier.text_body and "Harlesden Food Hub still needs 40 hours" in to_supplier.text_body
    assert f"/needs/{pantry}/pledge?commitment={world['commitment']}" in to_supplier.text_body
    to_group = next(m for m in sent if m.to_address == "owner@example.org")
    assert "Builders Ltd has social value commitments" in to_group.text_body
    assert "Introduced" in officer.get("/officers/brokerage").get_data(as_text=True)
    # Twice: a message, not two more emails.
    response = post_form(officer, f"/officers/matches/{match_id}/introduce", {}, form_url="/officers/brokerage",
                         follow_redirects=True)
    assert "You have already introduced them about this need" in response.get_data(as_text=True)
    assert len(outbox()) == sent_before + 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event).where(Event.action == "match.introduced")) == 1
