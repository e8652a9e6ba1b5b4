"""Ward priority rounds through the real views: officers set up a round and its
ballot, residents of the ward vote (and change their vote), officers enter paper
ballots, the clock closes the round, a job counts it, and the results are published.
The unhappy paths: the wrong ward, the wrong time, too many choices, over budget,
options of another round, tampered forms, and the wrong role."""

from __future__ import annotations


import re
import threading
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import Ballot, BallotChoice, DomainError, Event, Need, PaperBatch, Round, User, Ward, db, utcnow
from models.voting.setup import add_item_option, add_need_options, create_round, open_round
from models.voting.ballots import cast_ballot
from models.places.themes import Theme
from tests import factories
from tests.factories import login, post_form, round_fields

HARLESDEN = "NW10 8AB"


@dataclass
class World:
    officer: int
    residents: list[int]
    outsider: int
    unverified: int
    group_owner: int
    needs: list[int]
    other_ward_need: int
    ward_id: int
    round: int


def _need(owner, organisation, ward_id, theme_id, title, pounds, officer):
    return factories.need(
        organisation, owner, title, summary=f"{title} for the community", description=f"**{title}**: what it pays for.",
        kind="cash", quantity=pounds, unit="pounds", value_pence=pounds * 100, ward_id=ward_id, theme_id=theme_id,
        beneficiaries=50, deadline=date.today() + timedelta(days=90), officer=officer,
    ).id


@pytest.fixture
def world(app, places) -> World:
    with app.app_context():
        officer = factories.officer()
        residents = [factories.user(f"resident{i}@example.org", f"Resident {i}") for i in range(3)]
        outsider = factories.user("outsider@example.org", "Otto Outsider")
        unverified = factories.user("unverified@example.org", "Una Unverified", verified=False)
        owner = factories.user("group@example.org", "Gita Group")
        group = factories.organisation(owner, officer=officer)
        db.session.commit()
        factories.themes()
        harlesden = factories.ward_of(HARLESDEN)
        other_ward = db.session.scalar(select(Ward.id).where(Ward.id != harlesden.id).order_by(Ward.id))
        for resident in residents + [unverified]:
            factories.living_in(resident, harlesden.id, HARLESDEN)
        factories.living_in(outsider, other_ward)
        theme_id = factories.first_theme_id(order_by=Theme.id)
        needs = [
            _need(owner, group, harlesden.id, theme_id, title, pounds, officer)
            for title, pounds in (("Laptops for homework club", 4_000), ("Community fridge", 3_000), ("Allotment tools", 5_000))
        ]
        other = _need(owner, group, other_ward, theme_id, "Kilburn kit", 1_000, officer)
        round_ = create_round(officer, round_fields(harlesden.id))
        add_need_options(round_, officer, [db.session.get(Need, need_id) for need_id in needs])
        open_round(round_, officer, utcnow())
        db.session.commit()
        return World(officer.id, [resident.id for resident in residents], outsider.id, unverified.id, owner.id, needs,
                     other, harlesden.id, round_.id)


def option_ids(app, round_id: int) -> list[int]:
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        return [option.id for option in round_.options]


def vote(client, round_id: int, options: list, action: str = "vote"):
    return post_form(
        client,
        f"/rounds/{round_id}/ballot",
        {"options": [str(option) for option in options], "action": action},
        form_url=f"/rounds/{round_id}",
    )


def ballots(app, round_id: int) -> list[tuple[int | None, str, set[int]]]:
    with app.app_context():
        rows = db.session.scalars(select(Ballot).where(Ballot.round_id == round_id).order_by(Ballot.id)).all()
        return [(ballot.voter_id, ballot.kind, {choice.option_id for choice in ballot.choices}) for ballot in rows]


# ---------------------------------------------------------------- officers set up a round


def test_an_officer_sets_up_a_round_through_the_form(app, client, world):
    login(client, "officer@example.org")
    response = post_form(
        client,
        "/officers/rounds/new",
        {
            "title": "Stonebridge priorities",
            "description": "",
            "ward_id": str(world.ward_id),
            "budget": "25,000",
            "opens_on": ["1", "3", "2030"],
            "opens_time": "9am",
            "closes_on": ["31", "3", "2030"],
            "closes_time": "5:30pm",
            "method": "knapsack",
            "min_spend_percent": "50",
            "rule": "greedy",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.title == "Stonebridge priorities"))
        assert round_.budget_pence == 25_000_00
        assert round_.method == "knapsack" and round_.max_choices is None and round_.min_spend_percent == 50
        # 9am on 1 March (GMT) is 09:00 UTC; 5:30pm on 31 March (BST) is 16:30 UTC.
        assert (round_.opens_at.hour, round_.closes_at.hour, round_.closes_at.minute) == (9, 16, 30)
        assert db.session.scalar(select(Event).where(Event.action == "round.created")) is not None


def test_a_bad_round_form_says_what_is_wrong_beside_each_field_and_keeps_what_was_typed(app, client, world):
    login(client, "officer@example.org")
    response = post_form(
        client,
        "/officers/rounds/new",
        {
            "title": "My round",
            "ward_id": "999999",
            "budget": "lots",
            "opens_on": ["1", "3", "2030"],
            "opens_time": "25:00",
            "closes_on": ["31", "2", "2030"],
            "closes_time": "5pm",
            "method": "approval",
            "rule": "plurality",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose a ward from the list" in html
    assert "Enter the amount in pounds" in html
    assert "Enter a time like 9am" in html
    assert "Enter a real date" in html  # 31 February
    assert 'value="My round"' in html and 'value="lots"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round)) == 1


def test_closing_before_opening_and_approval_without_a_limit_are_refused(app, client, world):
    login(client, "officer@example.org")
    form = {
        "title": "Backwards",
        "ward_id": "borough",
        "budget": "1000",
        "opens_on": ["2", "3", "2030"],
        "opens_time": "9am",
        "closes_on": ["1", "3", "2030"],
        "closes_time": "9am",
        "method": "approval",
        "max_choices": "3",
        "rule": "greedy",
    }
    html = post_form(client, "/officers/rounds/new", form).get_data(as_text=True)
    assert "The closing time must be after the opening time" in html
    summary = html.split('data-module="govuk-error-summary"')[1].split("</ul>")[0]  # listed in the summary too
    assert "The closing time must be after the opening time" in summary and 'href="#closes_on' in summary
    html = post_form(client, "/officers/rounds/new", {**form, "closes_on": ["9", "3", "2030"], "max_choices": ""}).get_data(as_text=True)
    assert "Enter how many options a resident can choose" in html


def test_round_set_up_refuses_past_dates_and_asks_for_the_ward(app, client, world):
    login(client, "officer@example.org")
    page = client.get("/officers/rounds/new").get_data(as_text=True)
    assert re.search(r'<option (selected )?value="">Choose a ward</option>', page)  # no ward chosen for the officer
    assert 'value="borough">The whole borough</option>' in page
    # Each method's setting is revealed by choosing it.
    assert len(re.findall(r'<div class="govuk-radios__conditional[^"]*" id="conditional-method', page)) == 2
    assert 'data-aria-controls="conditional-method' in page
    yesterday = date.today() - timedelta(days=2)
    html = post_form(client, "/officers/rounds/new", {
        "title": "Too late", "ward_id": "", "budget": "1000",
        "opens_on": [str(yesterday.day), str(yesterday.month), str(yesterday.year)], "opens_time": "9am",
        "closes_on": [str(yesterday.day), str(yesterday.month), str(yesterday.year)], "closes_time": "5pm",
        "method": "approval", "max_choices": "3", "rule": "greedy",
    }).get_data(as_text=True)
    summary = html.split('data-module="govuk-error-summary"')[1].split("</ul>")[0]
    for message in ("The opening date must be today or in the future", "The closing date must be today or in the future",
                    "Choose the ward whose residents vote, or the whole borough"):
        assert message in summary and html.count(message) == 2, message  # in the summary and beside its field
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round).where(Round.title == "Too late")) == 0


@pytest.mark.parametrize("path", ["/officers/rounds", "/officers/rounds/new"])
def test_only_officers_run_rounds(app, client, world, path):
    login(client, "resident0@example.org")
    assert client.get(path).status_code == 403
    assert client.get(f"/officers/rounds/{world.round}").status_code == 403


def test_residents_cannot_change_a_round_by_posting_to_the_officer_pages(app, client, world):
    login(client, "resident0@example.org")
    token_page = f"/rounds/{world.round}"
    for path in (f"/officers/rounds/{world.round}/close", f"/officers/rounds/{world.round}/items"):
        response = post_form(client, path, {"title": "Mine", "cost": "10"}, form_url=token_page)
        assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Round, world.round).state == "open"


def test_needs_of_another_ward_cannot_go_on_the_ballot(app, world):
    with app.app_context():
        officer = db.session.get(User, world.officer)
        round_ = create_round(officer, round_fields(world.ward_id, title="Second"))
        with pytest.raises(DomainError, match="is not in"):
            add_need_options(round_, officer, [db.session.get(Need, world.other_ward_need)])


def test_a_tampered_need_choice_is_refused_beside_the_field(app, client, world):
    with app.app_context():
        officer = db.session.get(User, world.officer)
        round_id = create_round(officer, round_fields(world.ward_id, title="Second")).id
        db.session.commit()
    login(client, "officer@example.org")
    response = post_form(
        client,
        f"/officers/rounds/{round_id}/needs",
        {"needs": [str(world.other_ward_need)]},
        form_url=f"/officers/rounds/{round_id}",
    )
    assert response.status_code == 400
    assert "Choose needs from the list" in response.get_data(as_text=True)


def test_items_are_numbered_for_the_paper_ballot_and_renumbered_when_one_is_removed(app, client, world):
    with app.app_context():
        officer = db.session.get(User, world.officer)
        round_ = create_round(officer, round_fields(world.ward_id, title="Items"))
        db.session.commit()
        round_id = round_.id
    login(client, "officer@example.org")
    for title in ("Benches", "Bins", "Bulbs"):
        response = post_form(client, f"/officers/rounds/{round_id}/items", {"title": title, "description": "", "cost": "1,500"}, form_url=f"/officers/rounds/{round_id}")
        assert response.status_code == 302
    over = post_form(client, f"/officers/rounds/{round_id}/items", {"title": "Too dear", "cost": "20,000"}, form_url=f"/officers/rounds/{round_id}")
    assert "no more than the round" in over.get_data(as_text=True)
    bins = option_ids(app, round_id)[1]
    post_form(client, f"/officers/rounds/{round_id}/options/{bins}/remove", {}, form_url=f"/officers/rounds/{round_id}")
    with app.app_context():
        options = db.session.get(Round, round_id).options
        assert [(option.position, option.title) for option in options] == [(1, "Benches"), (2, "Bulbs")]


def test_a_round_needs_two_options_to_open(app, world):
    with app.app_context():
        officer = db.session.get(User, world.officer)
        round_ = create_round(officer, round_fields(world.ward_id, title="Thin"))
        add_item_option(round_, officer, "Only one", "", 500_00)
        with pytest.raises(DomainError, match="at least two options"):
            open_round(round_, officer, utcnow())


# ---------------------------------------------------------------- residents vote


def test_a_resident_votes_changes_their_vote_and_gets_confirmations(app, client, world, outbox):
    options = option_ids(app, world.round)
    login(client, "resident0@example.org")
    page = client.get(f"/rounds/{world.round}").get_data(as_text=True)
    assert "Laptops for homework club" in page and "£4,000" in page and "Harlesden Food Hub" in page
    response = vote(client, world.round, options[:2])
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/rounds/{world.round}/voted")
    confirmation = client.get(f"/rounds/{world.round}/voted").get_data(as_text=True)
    assert "Your vote has been recorded" in confirmation and "Community fridge" in confirmation
    assert vote(client, world.round, [options[2]]).status_code == 302
    assert ballots(app, world.round) == [(world.residents[0], "digital", {options[2]})]
    mail = outbox("resident0@example.org")
    assert [message.subject for message in mail] == ["Your vote in Harlesden priorities 2027"] * 2
    assert "recorded your vote" in mail[0].text_body and "Laptops for homework club" in mail[0].text_body
    assert "change to your vote" in mail[1].text_body and "Allotment tools" in mail[1].text_body
    with app.app_context():
        actions = db.session.scalars(select(Event.action).where(Event.action.like("ballot.%")).order_by(Event.id)).all()
        assert actions == ["ballot.cast", "ballot.changed"]
        # The audit trail records that a ballot changed, never the choices.
        details = db.session.scalars(select(Event.detail).where(Event.action.like("ballot.%"))).all()
        assert all(set(detail) == {"round", "choices"} for detail in details)


def test_a_resident_can_withdraw_their_vote(app, client, world):
    options = option_ids(app, world.round)
    login(client, "resident0@example.org")
    vote(client, world.round, options[:1])
    ballot_page = client.get(f"/rounds/{world.round}").get_data(as_text=True)
    assert 'value="withdraw"' not in ballot_page  # the button asks first
    assert f'href="/rounds/{world.round}/withdraw-vote"' in ballot_page
    confirm = client.get(f"/rounds/{world.round}/withdraw-vote").get_data(as_text=True)
    assert "Are you sure you want to withdraw your vote?" in confirm and "Your vote will not be counted." in confirm
    assert 'name="action" value="withdraw"' in confirm and len(ballots(app, world.round)) == 1
    response = post_form(client, f"/rounds/{world.round}/ballot", {"action": "withdraw"}, form_url=f"/rounds/{world.round}/withdraw-vote")
    assert response.status_code == 302
    assert ballots(app, world.round) == []
    # With no vote to withdraw, there is nothing to confirm.
    assert client.get(f"/rounds/{world.round}/withdraw-vote").status_code == 302


def test_a_resident_of_another_ward_cannot_vote(app, client, world):
    login(client, "outsider@example.org")
    page = client.get(f"/rounds/{world.round}").get_data(as_text=True)
    assert "Only residents of" in page
    response = vote(client, world.round, option_ids(app, world.round)[:1])
    assert response.status_code == 403
    assert "Only residents of" in response.get_data(as_text=True)
    assert ballots(app, world.round) == []


def test_an_unverified_email_cannot_vote(app, client, world):
    login(client, "unverified@example.org")
    response = vote(client, world.round, option_ids(app, world.round)[:1])
    assert response.status_code == 403
    assert ballots(app, world.round) == []


def test_signed_out_visitors_are_asked_to_sign_in(app, client, world):
    page = client.get(f"/rounds/{world.round}").get_data(as_text=True)
    assert "Sign in to vote." in page
    response = client.post(f"/rounds/{world.round}/ballot", data={"options": ["1"]})
    assert response.status_code in (302, 400)  # to sign in (or refused for the missing token)
    assert ballots(app, world.round) == []


@pytest.mark.parametrize("shift, message", [(timedelta(days=2), "Voting has not started yet"), (timedelta(days=-30), "Voting has closed")])
def test_voting_before_opening_or_after_closing_is_refused(app, client, world, shift, message):
    with app.app_context():
        round_ = db.session.get(Round, world.round)
        if shift > timedelta(0):
            round_.opens_at = utcnow() + shift
        else:
            round_.opens_at, round_.closes_at = utcnow() + shift, utcnow() - timedelta(minutes=1)
        db.session.commit()
    login(client, "resident0@example.org")
    response = vote(client, world.round, option_ids(app, world.round)[:1])
    assert response.status_code == 403
    assert message in response.get_data(as_text=True)
    assert ballots(app, world.round) == []


def test_an_approval_ballot_with_too_many_options_keeps_the_choices_and_says_why(app, client, world):
    options = option_ids(app, world.round)
    login(client, "resident0@example.org")
    response = vote(client, world.round, options)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose no more than 2 options" in html
    assert html.count(" checked") == 3  # what they ticked is still ticked
    assert ballots(app, world.round) == []


def test_options_of_another_round_and_tampered_values_are_refused(app, client, world):
    with app.app_context():
        officer = db.session.get(User, world.officer)
        other = create_round(officer, round_fields(world.ward_id, title="Other"))
        foreign = add_item_option(other, officer, "Someone else's option", "", 100_00).id
        db.session.commit()
    login(client, "resident0@example.org")
    for choice in ([foreign], ["abc"], ["1" * 40], [option_ids(app, world.round)[0]] * 2, []):
        response = vote(client, world.round, choice)
        assert response.status_code == 400, choice
    assert ballots(app, world.round) == []


def test_a_knapsack_ballot_over_budget_is_refused_and_the_total_works_without_javascript(app, client, world):
    with app.app_context():
        round_ = db.session.get(Round, world.round)
        round_.method, round_.max_choices, round_.budget_pence, round_.min_spend_percent = "knapsack", None, 8_000_00, 50
        db.session.commit()
    options = option_ids(app, world.round)  # £4,000, £3,000, £5,000
    login(client, "resident0@example.org")
    total = vote(client, world.round, options[:2], action="total")
    assert total.status_code == 200 and "£7,000" in total.get_data(as_text=True) and "£1,000 left" in total.get_data(as_text=True)
    assert ballots(app, world.round) == []  # checking the total saves nothing
    over = vote(client, world.round, options)
    assert over.status_code == 400
    assert "more than the budget of £8,000: remove" in over.get_data(as_text=True)
    under = vote(client, world.round, [options[1]])
    assert "at least £4,000 (" in under.get_data(as_text=True)
    assert vote(client, world.round, [options[0], options[1]]).status_code == 302
    assert len(ballots(app, world.round)) == 1


def test_options_and_rules_are_fixed_once_a_ballot_exists(app, client, world):
    voter = app.test_client()
    login(voter, "resident0@example.org")
    assert vote(voter, world.round, option_ids(app, world.round)[:1]).status_code == 302
    login(client, "officer@example.org")
    response = post_form(client, f"/officers/rounds/{world.round}/items", {"title": "Late", "cost": "100"}, form_url=f"/officers/rounds/{world.round}")
    assert "can no longer change" in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Round, world.round).options) == 3


def test_the_database_allows_one_ballot_per_resident_per_round(app, world):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        db.session.add_all(
            [Ballot(round_id=world.round, voter_id=world.residents[0], kind="digital") for _ in range(2)]
        )
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_ballot_submission_is_rate_limited(app, client, world):
    options = option_ids(app, world.round)
    login(client, "resident0@example.org")
    statuses = [vote(client, world.round, options[:1], action="total").status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429


@pytest.mark.postgres
def test_two_tabs_voting_at_once_make_one_ballot(app, world):
    options = option_ids(app, world.round)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def cast(choice: int):
        with app.app_context():
            try:
                round_ = db.session.get(Round, world.round)
                user = db.session.get(User, world.residents[0])
                db.session.commit()
                barrier.wait()
                cast_ballot(round_, user, [choice], utcnow())
                db.session.commit()
            except BaseException as error:  # noqa: BLE001: reported below
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=cast, args=(option,)) for option in options[:2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    found = ballots(app, world.round)
    assert len(found) == 1 and len(found[0][2]) == 1 and found[0][2] <= set(options[:2])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BallotChoice)) == 1


# ---------------------------------------------------------------- paper ballots


def test_paper_batches_are_checked_line_by_line_and_counted_separately(app, client, world):
    login(client, "officer@example.org")
    url = f"/officers/rounds/{world.round}/paper"
    bad = post_form(client, url, {"reference": "HKG-01", "ballots": "1, 2\n1 2 3\n"})
    assert bad.status_code == 400 and "Line 2: Choose no more than 2 options" in bad.get_data(as_text=True)
    unknown = post_form(client, url, {"reference": "HKG-01", "ballots": "1\n9\n"})
    assert "Line 2: there is no option 9" in unknown.get_data(as_text=True)
    junk = post_form(client, url, {"reference": "HKG-01", "ballots": "1; x\n"})
    assert "Line 1: “x” is not an option number" in junk.get_data(as_text=True)
    assert ballots(app, world.round) == []
    several = post_form(client, url, {"reference": "HKG-01", "ballots": "1\n1 2 3\n2\n9\nx\n3\n"})
    text = several.get_data(as_text=True)
    assert several.status_code == 400
    for problem in ["Line 2: Choose no more than 2 options", "Line 4: there is no option 9", "Line 5: “x” is not an option number"]:
        assert text.count(problem) == 2, problem  # every bad line, in the summary and beside the field
    assert "Line 1:" not in text and "Line 3:" not in text and "Line 6:" not in text
    assert ballots(app, world.round) == []
    good = post_form(client, url, {"reference": "HKG-01", "ballots": "1, 2\n3\n\n2;3\n"})
    assert good.status_code == 302
    again = post_form(client, url, {"reference": "HKG-01", "ballots": "1\n"})
    assert "has already been entered" in again.get_data(as_text=True)
    options = option_ids(app, world.round)
    assert [(voter, kind, choices) for voter, kind, choices in ballots(app, world.round)] == [
        (None, "paper", {options[0], options[1]}),
        (None, "paper", {options[2]}),
        (None, "paper", {options[1], options[2]}),
    ]
    with app.app_context():
        batch = db.session.scalar(select(PaperBatch))
        assert (batch.reference, batch.ballot_count, batch.entered_by_id) == ("HKG-01", 3, world.officer)
    page = client.get(f"/officers/rounds/{world.round}").get_data(as_text=True)
    assert "0 online, 3 on paper" in page


def test_a_huge_paper_batch_is_refused_without_saving(app, client, world):
    login(client, "officer@example.org")
    response = post_form(client, f"/officers/rounds/{world.round}/paper", {"reference": "BIG", "ballots": "1\n" * 150_000})
    assert response.status_code == 400
    assert "at most 200,000 characters" in response.get_data(as_text=True)
    assert ballots(app, world.round) == []


# ---------------------------------------------------------------- closing, counting, results


def test_the_clock_closes_the_round_and_a_job_counts_it(app, client, world, work_jobs):
    from workers.rounds import close_due_rounds

    options = option_ids(app, world.round)
    for index, choice in enumerate([[0, 1], [0], [2]]):
        voter = app.test_client()
        login(voter, f"resident{index}@example.org")
        assert vote(voter, world.round, [options[i] for i in choice]).status_code == 302
    with app.app_context():
        round_ = db.session.get(Round, world.round)
        round_.closes_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert close_due_rounds() == 1
        assert db.session.get(Round, world.round).state == "closed"
    assert work_jobs() == 0
    with app.app_context():
        round_ = db.session.get(Round, world.round)
        assert round_.counted_at is not None
        votes = {option.title: (option.votes, option.digital_votes, option.vote_rank) for option in round_.options}
        assert votes == {
            "Laptops for homework club": (2, 2, 1),
            "Community fridge": (1, 1, 2),
            "Allotment tools": (1, 1, 3),
        }
    # Residents cannot see results before they are published; officers can, and their work queue says so.
    assert client.get(f"/rounds/{world.round}/results").status_code == 302
    # Counted but not published: the pages say so, rather than "counting".
    assert "the votes have been counted. The council will publish the results" in client.get(f"/rounds/{world.round}").get_data(as_text=True)
    assert "Counted, not yet published" in client.get("/rounds").get_data(as_text=True)
    login(client, "officer@example.org")
    assert "1 closed round waiting for results to be published" in client.get("/officers/").get_data(as_text=True)
    assert client.get(f"/rounds/{world.round}/results").status_code == 200
    assert post_form(client, f"/officers/rounds/{world.round}/publish", {}, form_url=f"/officers/rounds/{world.round}").status_code == 302
    with app.app_context():
        assert db.session.get(Round, world.round).state == "published"
        from brokerage.extensions import rq

        queued = [job.func_name for job in rq.queue("default").jobs]
        assert queued == ["workers.matching.match_for_round"]  # winners feed suppliers' matching
    assert work_jobs() == 0


def test_results_and_the_pabulib_export_never_name_a_voter(app, world):
    options = option_ids(app, world.round)
    for index in range(2):
        voter = app.test_client()
        login(voter, f"resident{index}@example.org")
        assert vote(voter, world.round, options[:2]).status_code == 302
    with app.app_context():
        from models.voting.setup import close_round, publish_results
        from workers.rounds import count_round_votes

        officer = db.session.get(User, world.officer)
        close_round(db.session.get(Round, world.round), officer, utcnow())
        db.session.commit()
        count_round_votes(world.round)
        publish_results(db.session.get(Round, world.round), officer)
        db.session.commit()
    anonymous = app.test_client()
    results = anonymous.get(f"/rounds/{world.round}/results").get_data(as_text=True)
    export = anonymous.get(f"/rounds/{world.round}/round.pb").get_data(as_text=True)
    assert "Laptops for homework club" in results and "Laptops for homework club" in export
    for text in (results, export):
        assert "Resident 0" not in text and "resident0@example.org" not in text
    voter_ids = {line.split(";")[0] for line in export.split("VOTES\n")[1].splitlines()[1:]}
    assert voter_ids == {"1", "2"}  # numbered afresh, not the residents' account ids
    assert sorted(world.residents[:2]) != [1, 2]


def test_the_ward_page_links_to_its_vote_but_not_to_drafts(app, client, world):
    with app.app_context():
        officer = db.session.get(User, world.officer)
        create_round(officer, round_fields(world.ward_id, title="Secret draft"))
        db.session.commit()
        code = db.session.get(Ward, world.ward_id).code
    page = client.get(f"/wards/{code}").get_data(as_text=True)
    assert "Harlesden priorities 2027" in page and "voting open until" in page
    assert "Secret draft" not in page
    drafts = client.get("/rounds").get_data(as_text=True)
    assert "Harlesden priorities 2027" in drafts and "Secret draft" not in drafts


def test_results_cannot_be_published_before_the_count_and_an_open_round_cannot_be_recounted(app, client, world):
    login(client, "officer@example.org")
    page = f"/officers/rounds/{world.round}"
    recount = post_form(client, f"{page}/recount", {}, form_url=page, follow_redirects=True)
    assert "Only a closed round can be counted again" in recount.get_data(as_text=True)
    publish = post_form(client, f"{page}/publish", {}, form_url=page, follow_redirects=True)
    assert "Only a closed round" in publish.get_data(as_text=True)
    assert post_form(client, f"{page}/close", {}, form_url=page).status_code == 302  # the count job is queued, not run
    publish = post_form(client, f"{page}/publish", {}, form_url=page, follow_redirects=True)
    assert "The votes have not been counted yet" in publish.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Round, world.round).state == "closed"


def test_a_large_paper_batch_is_stored_whole_and_can_be_removed(app, client, world):
    login(client, "officer@example.org")
    url = f"/officers/rounds/{world.round}/paper"
    assert post_form(client, url, {"reference": "BIG-01", "ballots": "1, 2\n3\n" * 1_000}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 2_000
        assert db.session.scalar(select(func.count()).select_from(BallotChoice)) == 3_000
        batch_id = db.session.scalar(select(PaperBatch.id))
    page = f"/officers/rounds/{world.round}"
    assert post_form(client, f"{page}/paper/{batch_id}/remove", {}, form_url=page).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
        assert db.session.scalar(select(func.count()).select_from(BallotChoice)) == 0
