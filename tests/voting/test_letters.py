"""Letter codes through the real views: an officer asks for letters for a ward's postcodes, a
job makes the codes and the PDF (one letter a page), and a resident without an account votes
at /vote with a code and their postcode, and changes the vote. The unhappy paths: a code
reused (still one ballot), a code for another round or another ward, a code after close, the
wrong postcode, and 1,000 guesses (rate-limited per IP and per postcode, without locking out
the code's owner)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Ballot, DomainError, Event, Postcode, Round, Task, User, db, utcnow
from models.voting.letters import LetterBatch, LetterCode, code_hash, make_codes, request_letters
from models.voting.setup import add_item_option, create_round, open_round
from tests import factories
from tests.factories import login, post_form, round_fields

HARLESDEN = "NW10 8AB"


@dataclass
class Channels:
    officer: int
    ward_id: int
    other_ward_id: int
    round: int
    other_round: int  # the same ward, another round
    other_ward_round: int
    options: list[int]
    codes: list[str]  # letters to NW10 8AB for `round`, as printed
    other_round_code: str
    other_ward_code: str
    other_ward_postcode: str


def open_ward_round(officer, ward_id: int, title: str, items=("Benches", "Trees", "Lights")) -> Round:
    round_ = create_round(officer, round_fields(ward_id, title=title))
    for item in items:
        add_item_option(round_, officer, item, "", 1_000_00)
    open_round(round_, officer, utcnow())
    return round_


def print_letters(round_: Round, officer, postcode: str, n: int, secret: str) -> list[str]:
    batch = request_letters(round_, officer, f"{postcode} {n}", 0, "Harlesden Library, 9am to 5pm")
    return [letter.code for letter in make_codes(batch, secret)]


@pytest.fixture
def channels(app, places) -> Channels:
    with app.app_context():
        secret = app.config["SECRET_KEY"]
        officer = factories.officer()
        harlesden = factories.ward_of(HARLESDEN)
        other_postcode = db.session.scalar(select(Postcode).where(Postcode.ward_id != harlesden.id).order_by(Postcode.postcode))
        round_ = open_ward_round(officer, harlesden.id, "Harlesden priorities")
        other_round = open_ward_round(officer, harlesden.id, "Harlesden parks")
        other_ward_round = open_ward_round(officer, other_postcode.ward_id, "Elsewhere priorities")
        codes = print_letters(round_, officer, HARLESDEN, 3, secret)
        other_round_code = print_letters(other_round, officer, HARLESDEN, 1, secret)[0]
        other_ward_code = print_letters(other_ward_round, officer, other_postcode.postcode, 1, secret)[0]
        db.session.commit()
        return Channels(
            officer.id, harlesden.id, other_postcode.ward_id, round_.id, other_round.id, other_ward_round.id,
            [option.id for option in round_.options], codes, other_round_code, other_ward_code, other_postcode.postcode,
        )


def enter_code(client, code: str, postcode: str = HARLESDEN, query: str = ""):
    return post_form(client, f"/vote{query}", {"code": code, "postcode": postcode})


def vote_with(client, options: list[int], name: str = "Ada Lovelace", born=("10", "12", "1980"), form_url: str = "/vote/ballot"):
    data = {"options": [str(o) for o in options], "name": name, "born": list(born)}
    return post_form(client, "/vote/ballot", data, form_url=form_url)


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def code_ballots(app, round_id: int) -> list[tuple[int, set[int]]]:
    with app.app_context():
        rows = db.session.scalars(select(Ballot).where(Ballot.round_id == round_id, Ballot.kind == "code").order_by(Ballot.id)).all()
        return [(ballot.letter_code_id, {choice.option_id for choice in ballot.choices}) for ballot in rows]


# ---------------------------------------------------------------- the happy path


def test_a_resident_without_an_account_votes_with_a_code_and_changes_the_vote(app, client, channels):
    response = enter_code(client, channels.codes[0].lower().replace("-", " "), "nw108ab")
    assert response.status_code == 302 and response.headers["Location"].endswith("/vote/ballot")
    page = client.get("/vote/ballot").get_data(as_text=True)
    assert "Harlesden priorities" in page and "Benches" in page
    assert vote_with(client, channels.options[:1]).status_code == 302
    assert code_ballots(app, channels.round) == [(pytest.approx(1, abs=10**9), {channels.options[0]})]
    done = client.get("/vote/done").get_data(as_text=True)
    assert "Your vote is recorded" in done and "Benches" in done
    # The next person at the same computer finds the ballot closed: the code is needed again.
    assert client.get("/vote/ballot").headers["Location"].endswith("/vote")

    # Later, in another browser: the same code changes the vote, it never adds a second ballot.
    again = app.test_client()
    enter_code(again, channels.codes[0])
    assert vote_with(again, channels.options[1:3]).status_code == 302
    ballots = code_ballots(app, channels.round)
    assert len(ballots) == 1 and ballots[0][1] == set(channels.options[1:3])
    with app.app_context():
        events = [e.action for e in db.session.scalars(select(Event).order_by(Event.id))]
    assert "ballot.cast" in events and "ballot.changed" in events


def test_codes_are_stored_only_as_keyed_hashes(app, channels):
    with app.app_context():
        stored = db.session.scalars(select(LetterCode.code_hash)).all()
        secret = app.config["SECRET_KEY"]
    raw = [code.replace("-", "") for code in channels.codes]
    assert not any(code in value for code in raw for value in stored)
    assert code_hash(secret, raw[0]) in stored
    assert code_hash("another-secret", raw[0]) not in stored


def test_one_ballot_per_code_and_round_is_a_database_constraint(app, channels):
    with app.app_context():
        code = db.session.scalar(select(LetterCode).where(LetterCode.round_id == channels.round))
        now = utcnow()
        db.session.add(Ballot(round_id=channels.round, kind="code", letter_code_id=code.id, created_at=now, updated_at=now))
        db.session.commit()
        db.session.add(Ballot(round_id=channels.round, kind="code", letter_code_id=code.id, created_at=now, updated_at=now))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        # and a code ballot must name its code
        db.session.add(Ballot(round_id=channels.round, kind="code", created_at=now, updated_at=now))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_letters_are_printed_by_a_job_one_page_each(app, client, channels, work_jobs, monkeypatch):
    known = iter([f"ABCDEFGHJK{a}{b}" for a, b in itertools.product("MNPQ", "RTUV")])
    monkeypatch.setattr("models.voting.letters.new_code", lambda: next(known))
    login(client, "officer@example.org")
    url = f"/officers/rounds/{channels.round}/letters"
    response = post_form(client, url, {"postcodes": "nw10 8ab 2\n", "every_other": "", "in_person": "Harlesden Library"})
    assert response.status_code == 302
    assert work_jobs() == 0
    task_url = response.headers["Location"]
    page = client.get(task_url).get_data(as_text=True)
    assert "2 letters on 2 pages" in page
    with app.app_context():
        task = db.session.scalar(select(Task).where(Task.name == "letters"))
        batch = db.session.scalar(select(LetterBatch).where(LetterBatch.task_id == task.id))
        assert batch.printed_at is not None and batch.letters == 2
    pdf = client.get(f"{task_url}/download")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # Running the job again makes no more codes.
    from workers.letters import build_letters_pdf

    with app.app_context():
        assert build_letters_pdf(task.id, batch.id) == "nothing to do"
        assert db.session.scalar(select(db.func.count()).select_from(LetterCode).where(LetterCode.batch_id == batch.id)) == 2
    # A printed code votes.
    voter = app.test_client()
    assert enter_code(voter, "ABCD-EFGH-JKMR").status_code == 302
    # Once printed, the officer deletes the PDF (the only place the codes were in clear).
    channels_page = f"/officers/rounds/{channels.round}/channels"
    delete_file = f"/officers/rounds/{channels.round}/letters/{batch.id}/delete-file"
    assert f'href="{delete_file}"' in client.get(channels_page).get_data(as_text=True)
    asked = client.get(delete_file).get_data(as_text=True)  # "Are you sure?" first, deleting nothing
    assert "Are you sure you want to delete the letters PDF?" in asked and "codes already printed still work" in asked
    assert f'action="{delete_file}"' in asked and client.get(f"{task_url}/download").status_code == 200
    assert client.get(f"/officers/rounds/{channels.round}/letters/999999/delete-file").status_code == 404
    deleted = post_form(client, delete_file, {}, form_url=channels_page)
    assert deleted.status_code == 302
    assert client.get(f"{task_url}/download").status_code == 404
    assert "the PDF has been deleted" in client.get(task_url).get_data(as_text=True)
    assert enter_code(app.test_client(), "ABCD-EFGH-JKMT").status_code == 302  # its codes still work
    # Residents cannot ask for letters or download them.
    with app.app_context():
        factories.user("resident@example.org", "Rita Resident")
        db.session.commit()
    resident = factories.signed_in(app, "resident@example.org")
    assert resident.get(f"{task_url}/download").status_code == 403
    assert resident.get(url).status_code == 403
    assert resident.get(delete_file).status_code == 403


def test_letters_only_go_to_postcodes_of_the_rounds_ward(app, client, channels):
    login(client, "officer@example.org")
    url = f"/officers/rounds/{channels.round}/letters"
    response = post_form(client, url, {"postcodes": f"{channels.other_ward_postcode} 3", "in_person": "Library"})
    assert response.status_code == 400 and "is not a postcode in" in response.get_data(as_text=True)
    response = post_form(client, url, {"postcodes": "", "every_other": "", "in_person": "Library"})
    assert response.status_code == 400 and "Ask for at least one letter" in response.get_data(as_text=True)


# ---------------------------------------------------------------- unhappy paths


def test_a_code_for_another_round_is_refused(app, client, channels):
    response = enter_code(client, channels.other_round_code, query=f"?round={channels.round}")
    assert response.status_code == 403 and "This code is for another vote" in response.get_data(as_text=True)
    assert code_ballots(app, channels.round) == []


def test_a_code_for_another_ward_is_refused_with_this_wards_postcode(app, client, channels):
    response = enter_code(client, channels.other_ward_code, HARLESDEN)
    assert response.status_code == 400 and "do not match a letter" in response.get_data(as_text=True)


def test_a_code_with_the_wrong_postcode_is_refused(app, client, channels):
    response = enter_code(client, channels.codes[0], channels.other_ward_postcode)
    assert response.status_code == 400 and "do not match a letter" in response.get_data(as_text=True)


def test_a_code_cannot_vote_after_close(app, client, channels):
    enter_code(client, channels.codes[1])
    with app.app_context():
        round_ = db.session.get(Round, channels.round)
        round_.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = vote_with(client, channels.options[:1], form_url="/vote")
    assert response.status_code == 302 and response.headers["Location"].endswith("/vote")
    assert code_ballots(app, channels.round) == []
    response = enter_code(app.test_client(), channels.codes[1])
    assert response.status_code == 403 and "Voting has closed" in response.get_data(as_text=True)


def test_a_thousand_guesses_are_stopped_and_the_owner_still_votes(app, channels):
    guesser = app.test_client()
    token = factories.csrf_token(guesser, "/vote")
    answers = []
    for number in range(1_000):
        guess = "".join("ABCDEFGHJK"[int(d)] for d in f"{number:012d}")
        response = guesser.post("/vote", data={"csrf_token": token, "code": guess, "postcode": HARLESDEN})
        answers.append(response.status_code)
    assert 302 not in answers
    assert answers.count(429) >= 990  # 10 a minute per IP address
    assert code_ballots(app, channels.round) == []
    # Others try the same postcode from many addresses: after 20 wrong codes they are told to wait...
    for number in range(15):
        elsewhere = from_address(app, f"10.0.1.{number}")
        enter_code(elsewhere, "ABCDEFGHJKMN")
    owner = from_address(app, "10.0.2.1")
    wrong = enter_code(owner, "ABCDEFGHJKMN")
    assert wrong.status_code == 429 and "your code still works" in wrong.get_data(as_text=True)
    # ...but the code itself is never locked: its owner votes.
    right = enter_code(owner, channels.codes[2])
    assert right.status_code == 302
    assert vote_with(owner, channels.options[:1]).status_code == 302
    assert len(code_ballots(app, channels.round)) == 1


def test_the_ballot_page_needs_a_code_first(client, channels):
    response = client.get("/vote/ballot")
    assert response.status_code == 302 and response.headers["Location"].endswith("/vote")


def test_a_borough_wide_round_has_no_letters(app, channels):
    with app.app_context():
        officer = db.session.get(User, channels.officer)
        borough = create_round(officer, round_fields(None, title="Borough priorities"))
        with pytest.raises(DomainError, match="borough-wide"):
            request_letters(borough, officer, "NW10 8AB 1", 0, "Library")
