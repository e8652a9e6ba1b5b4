"""Polling stations and one vote per person across channels, through the real views.

A volunteer granted a round records in-person ballots after checking name, postcode (in the
ward) and date of birth; the same person voting online then in person, or in person then by
letter code, is refused and listed; an officer resolves each conflict under the round's rule
(first ballot counts, or in-person wins), audited, and the count uses the resolved ballots.
The unhappy paths: a round not granted, after close, a date of birth in the future, under
the round's age limit, a postcode outside the ward."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from models import Ballot, Event, Postcode, Round, User, db, utcnow
from models.voting.count import count_round
from models.voting.identity import BallotConflict, identity_hash, normalise_name
from models.voting.setup import close_round
from tests import factories
from tests.factories import post_form
from tests.voting.test_letters import HARLESDEN, Channels, channels, enter_code, vote_with  # noqa: F401

VOLUNTEER = "volunteer@example.org"
RESIDENT = "ada@example.org"
ADA = {"name": "Ada Lovelace", "born": ["10", "12", "1980"]}


@pytest.fixture
def people(app, channels: Channels):
    with app.app_context():
        factories.user(VOLUNTEER, "Val Volunteer")
        ada = factories.user(RESIDENT, "Ada L.")
        factories.living_in(ada, channels.ward_id, HARLESDEN)
        db.session.commit()
    officer = factories.signed_in(app, "officer@example.org")
    response = post_form(officer, f"/officers/rounds/{channels.round}/polling", {"email": VOLUNTEER},
                         form_url=f"/officers/rounds/{channels.round}/channels")
    assert response.status_code == 302
    return officer


def set_rule(officer, round_id: int, rule: str = "first", min_age: str = "", identity_online: bool = True):
    data = {"conflict_rule": rule, "min_age": min_age}
    if identity_online:
        data["identity_online"] = "y"
    response = post_form(officer, f"/officers/rounds/{round_id}/channels", data)
    assert response.status_code == 302, response.get_data(as_text=True)


def record(client, round_id: int, options: list[int], name="Ada Lovelace", born=("10", "12", "1980"), postcode=HARLESDEN):
    return post_form(client, f"/polling/{round_id}", {
        "name": name, "born": list(born), "postcode": postcode, "options": [str(o) for o in options],
    })


def vote_online(client, round_id: int, options: list[int], **identity):
    data = {"options": [str(o) for o in options], "action": "vote", **identity}
    return post_form(client, f"/rounds/{round_id}/ballot", data, form_url=f"/rounds/{round_id}")


def counted(app, round_id: int) -> list[tuple[str, set[int]]]:
    with app.app_context():
        rows = db.session.scalars(select(Ballot).where(Ballot.round_id == round_id).order_by(Ballot.id)).all()
        return [(ballot.kind, {choice.option_id for choice in ballot.choices}) for ballot in rows]


def conflicts(app, round_id: int) -> list[BallotConflict]:
    with app.app_context():
        rows = db.session.scalars(select(BallotConflict).where(BallotConflict.round_id == round_id)).all()
        db.session.expunge_all()
        return rows


# ---------------------------------------------------------------- polling stations


def test_a_volunteer_records_an_in_person_ballot(app, channels, people):
    volunteer = factories.signed_in(app, VOLUNTEER)
    assert "Harlesden priorities" in volunteer.get("/polling").get_data(as_text=True)
    response = record(volunteer, channels.round, channels.options[:2])
    assert response.status_code == 302
    assert counted(app, channels.round) == [("in_person", set(channels.options[:2]))]
    page = volunteer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ballot recorded" in page and "optional questions" in page
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.action == "ballot.cast"))
        assert event.actor_id is not None and event.detail["channel"] == "in_person"


def test_a_polling_station_cannot_act_on_a_round_it_was_not_given(app, channels, people):
    volunteer = factories.signed_in(app, VOLUNTEER)
    assert volunteer.get(f"/polling/{channels.other_round}").status_code == 403
    token = factories.csrf_token(volunteer, f"/polling/{channels.round}")
    response = volunteer.post(f"/polling/{channels.other_round}", data={
        "csrf_token": token, "name": "Ada Lovelace", "born": ["10", "12", "1980"], "postcode": HARLESDEN,
        "options": [str(channels.options[0])],
    })
    assert response.status_code == 403
    assert counted(app, channels.other_round) == []


def test_a_polling_station_cannot_record_after_close(app, channels, people):
    volunteer = factories.signed_in(app, VOLUNTEER)
    token = factories.csrf_token(volunteer, f"/polling/{channels.round}")
    with app.app_context():
        close_round(db.session.get(Round, channels.round), None, utcnow())
        db.session.commit()
    assert volunteer.get(f"/polling/{channels.round}").status_code == 403
    response = volunteer.post(f"/polling/{channels.round}", data={
        "csrf_token": token, "name": "Ada Lovelace", "born": ["10", "12", "1980"], "postcode": HARLESDEN,
        "options": [str(channels.options[0])],
    })
    assert response.status_code == 403
    assert counted(app, channels.round) == []


def test_only_officers_grant_a_polling_station(app, channels, people):
    resident = factories.signed_in(app, RESIDENT)
    assert resident.get(f"/officers/rounds/{channels.round}/channels").status_code == 403
    token = factories.csrf_token(resident, "/vote")
    assert resident.post(f"/officers/rounds/{channels.round}/polling", data={"csrf_token": token, "email": RESIDENT}).status_code == 403
    assert resident.get(f"/polling/{channels.round}").status_code == 403


@pytest.mark.parametrize(
    "details, message",
    [
        ({"born": (date.today() + timedelta(days=1)).strftime("%d %m %Y").split()}, "The date of birth must be in the past"),
        ({"postcode": "HA9 0AA"}, "The postcode must be in"),
        ({"postcode": "SW1A 1AA"}, "Enter a postcode in the borough"),
        ({"name": "  "}, "Enter the full name"),
        ({"born": ["31", "2", "1980"]}, "Enter a real date"),
    ],
)
def test_a_polling_station_checks_who_may_vote(app, channels, people, details, message):
    volunteer = factories.signed_in(app, VOLUNTEER)
    with app.app_context():
        other = db.session.scalar(select(Postcode.postcode).where(Postcode.ward_id == channels.other_ward_id))
    if details.get("postcode") == "HA9 0AA":
        details = {"postcode": other}
    response = record(volunteer, channels.round, channels.options[:1], **details)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counted(app, channels.round) == []


def test_the_rounds_age_limit_is_checked(app, channels, people):
    set_rule(people, channels.round, min_age="16")
    volunteer = factories.signed_in(app, VOLUNTEER)
    young = (date.today() - timedelta(days=15 * 365)).strftime("%d %m %Y").split()
    response = record(volunteer, channels.round, channels.options[:1], born=young)
    assert response.status_code == 400 and "must be 16 or over" in response.get_data(as_text=True)


# ---------------------------------------------------------------- one vote per person


def test_online_then_in_person_is_refused_listed_and_the_first_ballot_counts(app, channels, people):
    set_rule(people, channels.round, "first")
    ada = factories.signed_in(app, RESIDENT)
    page = ada.get(f"/rounds/{channels.round}").get_data(as_text=True)
    assert "Date of birth" in page
    assert vote_online(ada, channels.round, channels.options[:1]).status_code == 400  # no name or date of birth
    assert vote_online(ada, channels.round, channels.options[:1], **ADA).status_code == 302
    volunteer = factories.signed_in(app, VOLUNTEER)
    response = record(volunteer, channels.round, channels.options[1:3], name="  ADA   lovelace ")
    page = volunteer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not recorded: this person has already voted in this round (online, with an account)" in page
    assert counted(app, channels.round) == [("digital", {channels.options[0]})]
    [conflict] = conflicts(app, channels.round)
    assert (conflict.channel, conflict.counted_channel, conflict.state) == ("in_person", "digital", "open")

    listed = people.get(f"/officers/rounds/{channels.round}/channels").get_data(as_text=True)
    assert "in person, at a polling station" in listed
    response = post_form(people, f"/officers/rounds/{channels.round}/conflicts/{conflict.id}/resolve", {},
                         form_url=f"/officers/rounds/{channels.round}/channels")
    assert response.status_code == 302
    [conflict] = conflicts(app, channels.round)
    assert (conflict.state, conflict.outcome) == ("resolved", "kept")
    assert counted(app, channels.round) == [("digital", {channels.options[0]})]
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.action == "ballot.conflict_resolved"))
        assert event.detail["rule"] == "first" and event.detail["outcome"] == "kept" and event.actor_id is not None


def test_in_person_wins_replaces_the_online_ballot_and_the_count_follows(app, channels, people):
    set_rule(people, channels.round, "in_person")
    ada = factories.signed_in(app, RESIDENT)
    assert vote_online(ada, channels.round, channels.options[:1], **ADA).status_code == 302
    volunteer = factories.signed_in(app, VOLUNTEER)
    record(volunteer, channels.round, channels.options[1:3])
    [conflict] = conflicts(app, channels.round)
    post_form(people, f"/officers/rounds/{channels.round}/conflicts/{conflict.id}/resolve", {},
              form_url=f"/officers/rounds/{channels.round}/channels")
    assert counted(app, channels.round) == [("in_person", set(channels.options[1:3]))]
    with app.app_context():
        round_ = db.session.get(Round, channels.round)
        close_round(round_, None, utcnow())
        count_round(round_.id)
        db.session.commit()
        votes = {option.id: option.votes for option in db.session.get(Round, channels.round).options}
    assert votes == {channels.options[0]: 0, channels.options[1]: 1, channels.options[2]: 1}
    # Resolving twice is refused.
    again = post_form(people, f"/officers/rounds/{channels.round}/conflicts/{conflict.id}/resolve", {},
                      form_url=f"/officers/rounds/{channels.round}/channels")
    assert "already been resolved" in people.get(again.headers["Location"]).get_data(as_text=True)


def test_in_person_then_by_code_is_refused_and_listed(app, channels, people):
    volunteer = factories.signed_in(app, VOLUNTEER)
    record(volunteer, channels.round, channels.options[:1])
    voter = app.test_client()
    enter_code(voter, channels.codes[0])
    response = vote_with(voter, channels.options[1:2], name="Ada Lovelace", born=("10", "12", "1980"))
    assert response.status_code == 409
    assert "You have already voted in this round" in response.get_data(as_text=True)
    assert counted(app, channels.round) == [("in_person", {channels.options[0]})]
    [conflict] = conflicts(app, channels.round)
    assert (conflict.channel, conflict.counted_channel) == ("code", "in_person")
    # Another person with the same letter's postcode is not the same person.
    response = vote_with(voter, channels.options[1:2], name="Charles Babbage", born=("26", "12", "1971"))
    assert response.status_code == 302


def test_the_same_person_by_two_codes_is_refused(app, channels, people):
    first, second = app.test_client(), app.test_client()
    enter_code(first, channels.codes[0])
    assert vote_with(first, channels.options[:1]).status_code == 302
    enter_code(second, channels.codes[1])
    assert vote_with(second, channels.options[1:2]).status_code == 409
    assert len(counted(app, channels.round)) == 1


def test_names_dates_of_birth_and_postcodes_are_never_stored_in_clear(app, channels, people):
    set_rule(people, channels.round)
    ada = factories.signed_in(app, RESIDENT)
    vote_online(ada, channels.round, channels.options[:1], **ADA)
    record(factories.signed_in(app, VOLUNTEER), channels.round, channels.options[:1])
    with app.app_context():
        for table in ("ballots", "ballot_conflicts", "events"):
            dump = " ".join(str(row) for row in db.session.execute(text(f"SELECT * FROM {table}")).all())
            assert "Lovelace" not in dump and "1980" not in dump
        assert db.session.scalar(select(User.name).where(User.email == RESIDENT)) == "Ada L."
    assert identity_hash("k", "Ada Lovelace", date(1980, 12, 10), "NW10 8AB") == identity_hash("k", "ADA  LOVELACE", date(1980, 12, 10), "nw108ab")
    assert identity_hash("k", "Ada Lovelace", date(1980, 12, 10), "NW10 8AB") != identity_hash("j", "Ada Lovelace", date(1980, 12, 10), "NW10 8AB")
    assert normalise_name(" Mary-Jane  O’Néil ") == "mary jane o neil"


def test_paper_ballots_may_carry_the_identity_and_are_deduplicated(app, channels, people):
    volunteer = factories.signed_in(app, VOLUNTEER)
    record(volunteer, channels.round, channels.options[:1])
    url = f"/officers/rounds/{channels.round}/paper"
    bad = post_form(people, url, {"reference": "B-0", "ballots": "1 | Ada Lovelace | 31/02/1980 | NW10 8AB"})
    assert bad.status_code == 400 and "Line 1: “31/02/1980” is not a date of birth" in bad.get_data(as_text=True)
    future = post_form(people, url, {"reference": "B-0", "ballots": f"1 | Ada Lovelace | 1/1/{date.today().year + 1} | NW10 8AB"})
    assert "Line 1: The date of birth must be in the past" in future.get_data(as_text=True)
    response = post_form(people, url, {"reference": "B-1", "ballots": "\n".join([
        "2 | ada lovelace | 10/12/1980 | nw10 8ab",  # voted in person already
        "3 | Charles Babbage | 26/12/1971 | NW10 8AB",
        "2, 3 | Charles Babbage | 1971-12-26 | NW10 8AB",  # twice in the same batch
        "1, 2",  # no identity: counted as before
    ])})
    assert response.status_code == 302
    kinds = sorted(kind for kind, _ in counted(app, channels.round))
    assert kinds == ["in_person", "paper", "paper"]
    assert sorted(conflict.channel for conflict in conflicts(app, channels.round)) == ["paper", "paper"]


def test_an_officer_removes_a_polling_station(app, channels, people):
    with app.app_context():
        from models.voting.identity import PollingGrant

        grant_id = db.session.scalar(select(PollingGrant.id).where(PollingGrant.round_id == channels.round))
    response = post_form(people, f"/officers/rounds/{channels.round}/polling/{grant_id}/remove", {},
                         form_url=f"/officers/rounds/{channels.round}/channels")
    assert response.status_code == 302
    volunteer = factories.signed_in(app, VOLUNTEER)
    assert volunteer.get(f"/polling/{channels.round}").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Event).where(Event.action == "round.polling_revoked")) is not None


def test_granting_an_unknown_email_says_so(app, channels, people):
    response = post_form(people, f"/officers/rounds/{channels.round}/polling", {"email": "nobody@example.org"},
                         form_url=f"/officers/rounds/{channels.round}/channels")
    assert response.status_code == 400 and "There is no account with that email address" in response.get_data(as_text=True)
