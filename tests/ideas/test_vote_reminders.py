"""Reminders to vote: residents who opted in are emailed when their ward's round opens and
two days before it closes if they have not voted; each once per person per round (a unique
dispatch row), never after voting, never to the unsubscribed or to other wards; the job run
twice, or killed half-way and run again, sends nobody two."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import EmailMessage, Round, User, Ward, db, utcnow
from models.digests.preferences import set_vote_reminders
from models.voting.ballots import cast_ballot
from models.ideas.ideas import RoundDispatch
from models.voting.setup import add_item_option, create_round, open_round
from tests import factories
from tests.factories import login, post_form, round_fields

HARLESDEN = "NW10 8AB"


@pytest.fixture
def world(app, places) -> dict:
    with app.app_context():
        officer = factories.officer()
        harlesden = factories.ward_of(HARLESDEN)
        other_ward = db.session.scalar(select(Ward.id).where(Ward.id != harlesden.id).order_by(Ward.id))
        people = {}
        for name in ("keen", "voter", "quiet", "leaver", "keen2", "elsewhere"):
            person = factories.user(f"{name}@example.org", name.title())
            factories.living_in(person, other_ward if name == "elsewhere" else harlesden.id, HARLESDEN)
            people[name] = person
        for name in ("keen", "voter", "leaver", "keen2", "elsewhere"):
            set_vote_reminders(people[name], True)  # "quiet" never asked
        now = utcnow()
        round_ = create_round(officer, round_fields(harlesden.id, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7)))
        add_item_option(round_, officer, "Benches", "", 100_000)
        add_item_option(round_, officer, "Trees", "", 200_000)
        open_round(round_, officer, now)
        cast_ballot(round_, people["voter"], [round_.options[0].id], now)
        db.session.commit()
        return {"round": round_.id, "officer": officer.id, **{name: person.id for name, person in people.items()}}


def run(app, as_of=None) -> dict:
    from workers.ideas import send_vote_reminders

    with app.app_context():
        return send_vote_reminders(as_of.isoformat() if as_of else None)


def reminders(app) -> list[tuple[str, str]]:
    with app.app_context():
        return sorted(
            db.session.execute(
                select(EmailMessage.to_address, EmailMessage.kind).where(EmailMessage.kind.like("reminder_%"))
            ).all()
        )


def test_opted_in_residents_get_one_opening_reminder_however_often_the_job_runs(app, world):
    run(app)
    run(app)
    assert reminders(app) == [("keen2@example.org", "reminder_opened"), ("keen@example.org", "reminder_opened"),
                              ("leaver@example.org", "reminder_opened")]
    with app.app_context():
        message = db.session.scalar(select(EmailMessage).where(EmailMessage.to_address == "keen@example.org"))
        assert "List-Unsubscribe" in message.headers and f"/rounds/{world['round']}" in message.text_body


def test_the_closing_reminder_goes_two_days_before_the_close_only_to_those_who_have_not_voted(app, world):
    run(app)
    with app.app_context():
        round_ = db.session.get(Round, world["round"])
        cast_ballot(round_, db.session.get(User, world["leaver"]), [round_.options[1].id], utcnow())
        db.session.commit()
        closes = round_.closes_at
    late = closes - timedelta(days=1)
    run(app, late)
    run(app, late)
    closing = [row for row in reminders(app) if row[1] == "reminder_closing"]
    assert closing == [("keen2@example.org", "reminder_closing"), ("keen@example.org", "reminder_closing")]
    assert run(app, closes + timedelta(minutes=1)) == {}  # closed: nothing is due


def test_an_unsubscribed_resident_gets_none(app, client, world):
    from workers.digests import unsubscribe_token

    with app.app_context():
        token = unsubscribe_token(world["keen"], "reminders")
    response = post_form(client, f"/unsubscribe/{token}", {})
    assert response.status_code == 200 and "reminders to vote" in response.get_data(as_text=True)
    run(app)
    assert "keen@example.org" not in {address for address, _ in reminders(app)}


def test_a_run_killed_half_way_and_run_again_sends_nobody_two(app, world, monkeypatch):
    import workers.ideas as jobs

    app.config["DIGEST_BATCH_SIZE"] = 1  # a commit per person
    real = jobs.queue_email
    calls = {"n": 0}

    def dies_on_the_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "queue_email", dies_on_the_second)
    with pytest.raises(SystemExit):
        run(app)
    with app.app_context():
        db.session.rollback()
    assert len(reminders(app)) == 1
    with app.app_context():  # the person being written to when it died has neither message nor dispatch
        assert db.session.execute(select(RoundDispatch.user_id, RoundDispatch.email_message_id.is_not(None))).all() == [
            (world["keen"], True)
        ]
    monkeypatch.setattr(jobs, "queue_email", real)
    run(app)
    run(app)
    sent = reminders(app)
    assert len(sent) == 3 and len({address for address, _ in sent}) == 3
    assert factories.count(app, RoundDispatch) == 3


def test_residents_opt_in_on_their_email_updates_page(app, client, world):
    login(client, "quiet@example.org")
    page = client.get("/account/email-updates").get_data(as_text=True)
    assert "Reminders to vote" in page
    response = post_form(client, "/account/email-updates", {"frequency": "never", "vote_reminders": "y"})
    assert response.status_code == 302
    run(app)
    assert ("quiet@example.org", "reminder_opened") in reminders(app)
