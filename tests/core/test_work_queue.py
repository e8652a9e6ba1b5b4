"""The officers' work queue (models/core/work_queue.py): each queue is defined once, and
its count and its list come from that one definition, for every queue, on the dashboard
and on the queue's own page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import EmailMessage, Need, Organisation, OrganisationKind, Role, User, db, utcnow
from models.contracts.rules import CommitmentDetails, ContractDetails, add_commitment, record_contract
from models.core.work_queue import QUEUES, waiting, work_queue, work_waiting
from models.needs.rules import NeedDetails, create_need, publish_need, submit_need
from models.places.themes import Measure, Theme, seed_themes
from models.pledges.rules import accept_pledge, confirm_receipt, make_pledge, record_delivery
from models.stories.stories import StoryDetails, create_story, submit_story
from models.voting.setup import RoundFields, add_item_option, close_round, create_round, open_round
from tests.factories import login

from models.returns.rules import LineDetails, save_line, start_return, submit_return

TODAY = date.today()


def _need(group: Organisation, owner: User, officer: User, theme_id: int, title: str, publish: bool) -> Need:
    need = create_need(group, owner, NeedDetails(
        title, "For the community.", "", "volunteering", 20, "hours", 40_000, None, theme_id, 30, TODAY + timedelta(days=60),
    ), TODAY)
    submit_need(need, owner, TODAY)
    if publish:
        publish_need(need, officer, TODAY)
    return need


@pytest.fixture
def something_in_every_queue(app, make_user, make_organisation):
    """One row waiting in each queue, made by the rules (two in the needs queue), and
    rows just outside each queue."""
    officer_id = make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    owner_id = make_user("owner@example.org", "Olu Owner")
    seller_id = make_user("seller@example.org", "Sid Seller")
    applicant_id = make_user("applicant@example.org", "Abi Applicant")
    group_id = make_organisation(owner_id, name="Harlesden Food Hub", officer_id=officer_id)
    supplier_id = make_organisation(seller_id, kind=OrganisationKind.SUPPLIER, name="Builders Ltd", officer_id=officer_id)
    make_organisation(applicant_id, name="Kilburn Choir", registration_number="1190002", verified=False)
    with app.app_context():
        seed_themes()
        officer, owner, seller = (db.session.get(User, user_id) for user_id in (officer_id, owner_id, seller_id))
        group, supplier = db.session.get(Organisation, group_id), db.session.get(Organisation, supplier_id)
        theme_id = db.session.scalar(db.select(Theme.id).order_by(Theme.id))
        _need(group, owner, officer, theme_id, "Sorting donations", publish=False)
        _need(group, owner, officer, theme_id, "Driving the van", publish=False)
        published = _need(group, owner, officer, theme_id, "Painting the hall", publish=True)

        pledge = make_pledge(published, supplier, seller, 5)
        accept_pledge(pledge, owner)
        record_delivery(pledge, seller, TODAY, "Painted", None, TODAY)
        confirm_receipt(pledge, owner)
        make_pledge(published, supplier, seller, 2)  # offered: not the officer's turn yet

        measure_id = db.session.scalar(db.select(Measure.id).where(Measure.name == "Employee volunteering hours"))
        contract = record_contract(
            ContractDetails("BRENT-9", "Cleaning", None, supplier.id, 500_000_00, date(2024, 4, 1), None), officer
        )
        add_commitment(contract, seller, CommitmentDetails(measure_id, 40, TODAY + timedelta(days=90)))  # proposed
        approved = add_commitment(contract, officer, CommitmentDetails(measure_id, 10, TODAY + timedelta(days=90)))
        # Yearly returns: the first, a draft long past its due date (overdue); the second, submitted.
        for start, submit in ((date(2024, 4, 1), False), (date(2025, 4, 1), True)):
            supplier_return = start_return(contract, seller, start, TODAY)
            save_line(supplier_return, approved, seller, LineDetails(4, "Volunteering at the library"))
            if submit:
                submit_return(supplier_return, seller)

        db.session.add_all([
            EmailMessage(to_address="gone@example.org", subject="Hello", text_body="Hello", kind="test", status="failed"),
            EmailMessage(to_address="here@example.org", subject="Hello", text_body="Hello", kind="test", status="sent"),
        ])
        story = create_story(officer, StoryDetails("Our hall", "Painted by volunteers.", "It looks new.", None))
        submit_story(story, officer)
        create_story(officer, StoryDetails("Draft", "Not sent yet.", "Draft.", None))

        now = utcnow()
        for title, close in (("Closed round", True), ("Open round", False)):
            round_ = create_round(officer, RoundFields(title, "", None, 1_000_00, now - timedelta(hours=1),
                                                       now + timedelta(days=1), "approval", 1, None, "greedy"))
            add_item_option(round_, officer, "Benches", "", 500_00)
            add_item_option(round_, officer, "Bins", "", 500_00)
            open_round(round_, officer, now)
            if close:
                close_round(round_, officer, now)
        # A resident's idea with a comment held for an officer and a report waiting (inserted directly).
        from models.ideas.ideas import Idea, IdeaComment, IdeaReport

        idea = Idea(round_id=round_.id, proposer_id=owner.id, title="Benches", description="Four", cost_pence=400_00)
        db.session.add(idea)
        db.session.flush()
        held = IdeaComment(idea_id=idea.id, author_id=owner.id, body="Held", state="pending")
        shown = IdeaComment(idea_id=idea.id, author_id=owner.id, body="Shown", state="published")
        db.session.add_all([held, shown])
        db.session.flush()
        db.session.add_all([
            IdeaReport(idea_id=idea.id, comment_id=shown.id, reason="Rude"),
            IdeaReport(idea_id=idea.id, reason="Old", state="dismissed"),
        ])
        db.session.commit()


EXPECTED = {
    "organisations": 1, "needs": 2, "deliveries": 1, "commitments": 1, "failed_emails": 1, "stories": 1,
    "rounds_to_publish": 1, "idea_reports": 1, "idea_comments": 1, "returns": 1, "overdue_returns": 1,
}


def test_every_queue_counts_what_it_lists(app, something_in_every_queue):
    with app.app_context():
        queues = work_queue()
        assert set(queues) == set(QUEUES)  # the dashboard's counts cover every queue defined
        for name, queue in queues.items():
            listed = db.session.scalars(queue.query).all()
            assert queue.count == len(listed) == EXPECTED[name], name
            assert db.session.scalars(waiting(name)).all() == listed
        assert work_waiting() == EXPECTED
        assert {name: queue.count for name, queue in work_queue("needs", "stories").items()} == {"needs": 2, "stories": 1}


def test_the_needs_queue_is_listed_oldest_first(app, something_in_every_queue):
    with app.app_context():
        assert [need.title for need in db.session.scalars(waiting("needs"))] == ["Sorting donations", "Driving the van"]
        assert db.session.scalars(waiting("rounds_to_publish")).one().title == "Closed round"


def test_the_dashboard_and_the_queue_pages_show_the_same_rows(app, client, something_in_every_queue):
    login(client, "officer@example.org")
    dashboard = client.get("/officers/").get_data(as_text=True)
    for words in (
        "1 organisation to verify", "2 needs to moderate", "1 delivery to confirm",
        "Contracts: 1 proposed commitment to approve", "1 closed round waiting for results to be published",
        "1 email that could not be sent", "1 story to review", "Supplier returns: 1 to check, 1 overdue",
    ):
        assert words in dashboard
    impact = client.get("/officers/impact").get_data(as_text=True)
    assert "2 needs to moderate" in impact and "1 delivery to confirm" in impact and "1 organisation to verify" in impact
    needs = client.get("/officers/needs").get_data(as_text=True)
    assert "Sorting donations" in needs and "Driving the van" in needs and "Painting the hall" not in needs
    assert "Kilburn Choir" in client.get("/officers/organisations").get_data(as_text=True)
    assert "Painting the hall" in client.get("/officers/deliveries").get_data(as_text=True)
    stories = client.get("/officers/stories").get_data(as_text=True)
    assert "Our hall" in stories
    failed = client.get("/officers/outbox?status=failed").get_data(as_text=True)
    assert "gone@example.org" in failed and "here@example.org" not in failed
    contracts = client.get("/officers/contracts").get_data(as_text=True)
    assert "1 commitment proposed by suppliers is waiting for approval" in contracts
