"""Digests: the period rules; preferences (residents opt in); what each person
gets; sending through a real RQ worker to a real SMTP server with List-Unsubscribe
headers; sending once whatever happens (twice, a job failing half way, a worker
killed with SIGKILL, two runs at once); a mail server that refuses; unsubscribe
links; the officers' preview; no query per person."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select, text

from brokerage.extensions import rq
from models import DigestDispatch, DigestPreference, EmailMessage, Event, Membership, User, db, utcnow
from models.digests.content import DigestBuilder
from models.digests.periods import period_for, send_window_open
from models.digests.preferences import due_recipients, preferences_for
from tests import factories
from tests.factories import ROOT, count, plain, post_form, published_round, recorded_queries, signed_in
from workers.digests import send_digest_run, send_digests
from workers.mail import MAX_ATTEMPTS


@pytest.fixture
def world(app, places):
    return factories.digest_borough(app)


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour)


# The period rules ----------------------------------------------------------


def test_a_digest_belongs_to_the_period_it_is_sent_in_and_covers_the_one_before():
    monthly = period_for("monthly", at(2026, 12, 1, 7))
    assert (monthly.key, monthly.starts, monthly.since) == ("2026-12", datetime(2026, 12, 1), datetime(2026, 11, 1))
    assert monthly.label == "December 2026"
    weekly = period_for("weekly", at(2026, 11, 25))
    assert (weekly.key, weekly.starts, weekly.since) == ("2026-W48", datetime(2026, 11, 23), datetime(2026, 11, 16))
    assert weekly.label == "week of 23 November 2026"
    new_year = period_for("weekly", at(2027, 1, 1))  # a Friday in ISO week 53 of 2026
    assert (new_year.key, new_year.starts) == ("2026-W53", datetime(2026, 12, 28))
    quarterly = period_for("quarterly", at(2027, 2, 14))
    assert (quarterly.key, quarterly.starts, quarterly.since) == ("2027-Q1", datetime(2027, 1, 1), datetime(2026, 10, 1))


def test_scheduled_sending_starts_at_seven_on_the_first_day_and_catches_up_for_a_few_days():
    assert not send_window_open("monthly", at(2026, 12, 1, 6))
    assert send_window_open("monthly", at(2026, 12, 1, 7))
    assert send_window_open("monthly", at(2026, 12, 7, 23))
    assert not send_window_open("monthly", at(2026, 12, 8, 7))
    assert send_window_open("weekly", at(2026, 11, 24, 12))  # Tuesday: catching up
    assert not send_window_open("weekly", at(2026, 11, 25, 12))
    assert send_window_open("quarterly", at(2027, 1, 14, 12)) and not send_window_open("quarterly", at(2027, 2, 1, 12))


# Preferences ---------------------------------------------------------------


def test_residents_get_no_digest_until_they_ask_members_get_one_monthly(app, world):
    with app.app_context():
        monthly = due_recipients("monthly", "2026-11")
        assert due_recipients("weekly", "2026-W48") == []
        rory = preferences_for(db.session.get(User, world["rory"]))
    # Grace (a group) and Sam (a supplier) by default, Rita because she asked; not Rory, not the officer.
    assert sorted(monthly) == sorted([world["owner"], world["seller"], world["rita"]])
    assert (rory.frequency, rory.saved) == ("never", False)

    page = signed_in(app, "rory@example.org").get("/account/email-updates").get_data(as_text=True)
    assert re.search(r'value="never"\s+checked', page)
    assert "Residents get no updates until they ask for them" in page
    assert "Which wards? (optional)" in page and "Which priority themes? (optional)" in page  # unticked means all


def test_a_resident_chooses_weekly_updates_about_another_ward(app, world):
    client = signed_in(app, "rory@example.org")
    assert "Email updates" in client.get("/account").get_data(as_text=True)

    response = post_form(
        client,
        "/account/email-updates",
        {"frequency": "weekly", "ward_ids": [str(world["kilburn"])], "theme_ids": [str(world["theme"])]},
    )

    assert response.status_code == 302
    with app.app_context():
        rory = db.session.get(User, world["rory"])
        chosen = preferences_for(rory)
        assert (chosen.frequency, chosen.ward_ids, chosen.theme_ids, chosen.saved) == (
            "weekly", (world["kilburn"],), (world["theme"],), True,
        )
        [changed] = db.session.scalars(select(Event).where(Event.action == "digest.preferences_changed", Event.actor_id == rory.id))
        assert (changed.from_state, changed.to_state) == ("never", "weekly")
        assert due_recipients("weekly", "2026-W48") == [rory.id]
        now = utcnow()
        [digest] = DigestBuilder(period_for("weekly", now), now).build([rory.id])
    assert [need.title for need in digest.area.new_needs] == ["Coaches for the Kilburn youth team"]
    assert digest.area.wards == [("Kilburn", "E05013503")]


def test_bad_preferences_are_refused_beside_the_field_and_nothing_changes(app, world):
    client = signed_in(app, "rory@example.org")

    no_choice = post_form(client, "/account/email-updates", {"ward_ids": [str(world["kilburn"])]})
    unknown_ward = post_form(client, "/account/email-updates", {"frequency": "weekly", "ward_ids": ["999999"]})

    assert no_choice.status_code == 200
    assert "Choose how often you want an update" in no_choice.get_data(as_text=True)
    assert unknown_ward.status_code == 200
    assert "govuk-error-message" in unknown_ward.get_data(as_text=True)
    assert count(app, DigestPreference, DigestPreference.user_id == world["rory"]) == 0


def test_preferences_page_needs_sign_in(app, world):
    response = app.test_client().get("/account/email-updates")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# What each person gets -------------------------------------------------------


def test_each_person_gets_what_concerns_them(app, world):
    published_round(app, world["harlesden"], winners=["Pantry freezer", "Youth club kit"], losers=["New benches"])
    with app.app_context():
        now = utcnow()
        digests = {
            digest.recipient.id: digest
            for digest in DigestBuilder(period_for("monthly", now), now).build(
                [world["owner"], world["seller"], world["rita"], world["rory"], 987654]
            )
        }
    assert set(digests) == {world["owner"], world["seller"], world["rita"], world["rory"]}  # no such account: skipped

    [supplier] = digests[world["seller"]].suppliers
    [commitment] = supplier.commitments
    assert (commitment.measure, commitment.delivered, commitment.target, commitment.status) == (
        "Employee volunteering hours", 24, 100, "at_risk",
    )
    assert [(line.kind, line.quantity) for line in supplier.due_soon] == [("commitment", 76)]
    assert supplier.recommendations == []  # the matching job has not run yet
    assert digests[world["seller"]].area is None  # a member with no home ward gets no ward section

    [group] = digests[world["owner"]].groups
    assert sorted((line.need_title, line.status) for line in group.new_pledges) == [
        ("Help moving the new freezer", "offered"), ("Volunteers for the Saturday pantry", "confirmed"),
    ]
    assert [(line.title, line.quantity) for line in group.closing_soon] == [("Help moving the new freezer", 4)]
    assert [(line.title, line.phase) for line in group.rounds] == [
        ("Results round", "results"), ("Harlesden priorities 2026", "voting"),
    ]

    rita = digests[world["rita"]]
    assert rita.suppliers == [] and rita.groups == []
    assert {need.title for need in rita.area.new_needs} == {"Volunteers for the Saturday pantry", "Help moving the new freezer"}
    assert {line.title: line.winners for line in rita.area.rounds} == {
        "Harlesden priorities 2026": (), "Results round": ("Pantry freezer", "Youth club kit"),
    }
    for digest in digests.values():
        assert [story.title for story in digest.stories] == ["Breakfast for 120 families"]


def test_suppliers_digests_carry_their_best_matches_but_not_dismissed_ones(app, world):
    from models.matching.matches import Match, run_matching

    with app.app_context():
        run_matching()
        db.session.commit()
        now = utcnow()
        [digest] = DigestBuilder(period_for("monthly", now), now).build([world["seller"]])
        titles = [line.title for line in digest.suppliers[0].recommendations]
        assert titles and set(titles) <= {
            "Volunteers for the Saturday pantry", "Help moving the new freezer", "Coaches for the Kilburn youth team",
        }
        best = db.session.scalar(select(Match).order_by(Match.score.desc()))
        best.dismissed_at = now
        db.session.commit()
        [digest] = DigestBuilder(period_for("monthly", now), now).build([world["seller"]])
        assert best.need.title not in [line.title for line in digest.suppliers[0].recommendations]


# Sending: a real worker, a real SMTP server -----------------------------------


def test_digests_go_out_through_a_real_worker_to_a_real_smtp_server(app, world, smtp, work_jobs):
    with app.app_context():
        rq.enqueue(send_digest_run, "monthly")

    assert work_jobs() == 0

    received = smtp.received()
    assert sorted(received) == ["grace@example.org", "rita@example.org", "sam@example.org"]
    month = utcnow().strftime("%B %Y")
    for address, mime in received.items():
        assert mime["Subject"] == f"Brent Council: your monthly update for {month}"
        assert mime.get_content_type() == "multipart/alternative"
        one_click = re.fullmatch(r"<http://localhost(/unsubscribe/[\w.-]+/one-click)>", mime["List-Unsubscribe"])
        assert one_click, mime["List-Unsubscribe"]
        assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text_part = plain(mime)
        html_part = mime.get_body(("html",)).get_content()
        confirm_link = one_click.group(1).removesuffix("/one-click")
        assert f"http://localhost{confirm_link}\n" in text_part
        assert f'href="http://localhost{confirm_link}"' in html_part
        assert "http://localhost/account/email-updates" in text_part
        assert f"http://localhost/stories/{world['story']}" in text_part
        assert f'href="http://localhost/stories/{world["story"]}"' in html_part

    rita_text = plain(received["rita@example.org"])
    rita_html = received["rita@example.org"].get_body(("html",)).get_content()
    assert "Dear Rita Resident," in rita_text and "HARLESDEN & KENSAL GREEN" in rita_text
    assert "Volunteers for the Saturday pantry\n  Harlesden Food Hub, Harlesden & Kensal Green. 16 volunteer hours still needed by" in rita_text
    assert f"http://localhost/needs/{world['pantry']}" in rita_text
    assert f'href="http://localhost/needs/{world["pantry"]}"' in rita_html
    assert "Coaches for the Kilburn youth team" not in rita_text  # another ward
    assert "Harlesden priorities 2026 (Harlesden & Kensal Green): voting is open until" in rita_text
    assert f'href="http://localhost/rounds/{world["round"]}"' in rita_html

    sam_text = plain(received["sam@example.org"])
    assert "- Employee volunteering hours (Estate cleaning): 24 of 100 hours delivered (24%), due" in sam_text
    assert "At risk." in sam_text
    assert "76 hours still to deliver for Employee volunteering hours (Estate cleaning)" in sam_text
    assert f"http://localhost/suppliers/{world['supplier']}" in sam_text

    grace_text = plain(received["grace@example.org"])
    assert 'Builders Ltd pledged 2 volunteer hours to “Help moving the new freezer” (waiting for you to accept or decline it)' in grace_text
    assert '“Help moving the new freezer” still needs 4 volunteer hours by' in grace_text
    assert f"http://localhost/groups/{world['group']}/pledges" in grace_text

    with app.app_context():
        rows = db.session.execute(
            select(DigestDispatch.user_id, DigestDispatch.kind, DigestDispatch.status, EmailMessage.status)
            .join(EmailMessage, EmailMessage.id == DigestDispatch.email_message_id)
        ).all()
    assert sorted(rows) == sorted(
        (user, "monthly_digest", "queued", "sent") for user in (world["owner"], world["seller"], world["rita"])
    )


def test_sending_again_in_the_same_period_sends_nothing(app, world, smtp, work_jobs):
    with app.app_context():
        first = send_digests("monthly")
        second = send_digests("monthly")
        rq.enqueue(send_digest_run, "monthly")
    work_jobs()

    assert first == {"queued": 3, "empty": 0}
    assert second == {"queued": 0, "empty": 0}
    assert len(smtp.messages) == 3
    assert count(app, EmailMessage, EmailMessage.kind == "monthly_digest") == 3


def test_a_run_too_big_for_one_part_is_shared_out_as_jobs_and_sends_each_digest_once(app, world, smtp, work_jobs):
    """A run in a job with more people due than DIGEST_PART_SIZE enqueues one job a part,
    which any worker takes; the parts cover everyone due, never overlap, and running one
    again (or the whole run again) sends nothing twice."""
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    from models.digests.periods import period_for as period_of
    from workers.digests import digest_parts, send_digest_part

    app.config["DIGEST_PART_SIZE"] = 2
    with app.app_context():
        period = period_of("monthly", utcnow())
        due = due_recipients("monthly", period.key)
        parts = digest_parts("monthly", period, 2)
        assert len(due) == 3 and parts == [(0, due[1]), (due[1], due[2])]
        run = rq.enqueue(send_digest_run, "monthly")
    assert work_jobs() == 0
    with app.app_context():
        assert run.return_value() == {"parts": 2}
        finished = FinishedJobRegistry("low", connection=rq.connection).get_job_ids()
        jobs = [Job.fetch(job_id, connection=rq.connection) for job_id in finished]
        results = sorted(
            (tuple(job.args[2:]), job.return_value()) for job in jobs if job.func_name.endswith("send_digest_part")
        )
        assert results == [((0, due[1]), {"queued": 2, "empty": 0}), ((due[1], due[2]), {"queued": 1, "empty": 0})]
        # A part again, and the whole run again: nobody is due, nothing is sent twice.
        assert send_digest_part("monthly", utcnow().isoformat(), 0, due[1]) == {"queued": 0, "empty": 0}
        rq.enqueue(send_digest_run, "monthly")
    assert work_jobs() == 0
    assert len(smtp.messages) == 3
    assert sorted(recipients[0] for recipients, _ in smtp.messages) == sorted(
        ("grace@example.org", "sam@example.org", "rita@example.org")
    )
    with app.app_context():
        assert sorted(db.session.scalars(select(DigestDispatch.user_id))) == sorted(due)


def test_someone_with_nothing_to_hear_gets_no_email_but_is_marked_done(app, places, make_user):
    resident = make_user("quiet@example.org", "Quinn Quiet")
    with app.app_context():
        from models.digests.preferences import save_preferences

        save_preferences(db.session.get(User, resident), "weekly", [], [], newsletter=False)
        db.session.commit()
        assert send_digests("weekly") == {"queued": 0, "empty": 1}
        assert send_digests("weekly") == {"queued": 0, "empty": 0}
        assert db.session.scalar(select(DigestDispatch.status)) == "empty"
    assert count(app, EmailMessage) == 0


def test_a_run_that_fails_half_way_sends_the_rest_once_when_an_officer_retries_it(app, world, smtp, work_jobs, monkeypatch):
    import workers.digests

    app.config["DIGEST_BATCH_SIZE"] = 1
    real_render = workers.digests.render_digest
    calls = []

    def render_then_fail(digest, *args):
        calls.append(digest.recipient.id)
        if len(calls) == 2:
            raise RuntimeError("the template engine fell over")
        return real_render(digest, *args)

    monkeypatch.setattr(workers.digests, "render_digest", render_then_fail)
    with app.app_context():
        rq.enqueue(send_digest_run, "monthly")

    assert work_jobs() == 1  # the run failed after its first batch
    assert count(app, DigestDispatch) == 1
    assert len(smtp.messages) == 1

    officer = signed_in(app, "officer@example.org")
    page = officer.get("/officers/jobs").get_data(as_text=True)
    assert "send_digest_run(&#39;monthly&#39;)" in page
    assert "RuntimeError: the template engine fell over" in page
    with app.app_context():
        from rq.registry import FailedJobRegistry

        [job_id] = FailedJobRegistry("low", connection=rq.connection).get_job_ids()
    response = post_form(officer, f"/officers/jobs/low/{job_id}/retry", {}, form_url="/officers/jobs")
    assert response.status_code == 302
    assert work_jobs() == 0

    assert sorted(recipients[0] for recipients, _ in smtp.messages) == [
        "grace@example.org", "rita@example.org", "sam@example.org",
    ]
    assert count(app, DigestDispatch) == 3
    assert count(app, EmailMessage, EmailMessage.kind == "monthly_digest") == 3
    with app.app_context():
        [retried] = db.session.scalars(select(Event).where(Event.action == "job.retried")).all()
        assert (retried.subject_type, retried.subject_id, retried.to_state) == ("rq_jobs", job_id, "queued")
        assert retried.detail["function"] == "send_digest_run"


@contextmanager
def writes_blocked(uri: str):
    """Hold the database's write lock (SQLite) or a lock on the dispatch table
    (PostgreSQL), after any transaction in progress commits."""
    if uri.startswith("sqlite"):
        connection = sqlite3.connect(uri.split("sqlite:///", 1)[1], timeout=60, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
    else:
        engine = create_engine(uri)
        with engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(text("LOCK TABLE digest_dispatches IN EXCLUSIVE MODE"))
            try:
                yield
            finally:
                transaction.rollback()
        engine.dispose()


def worker_env(app, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "DATABASE_", "REDIS_"))}
    env.update(
        APP_ENV="test",
        SECRET_KEY=app.config["SECRET_KEY"],
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        INSTANCE_PATH=str(tmp_path),
        **extra,
    )
    return env


def add_residents(app, ward_id: int, how_many: int) -> None:
    with app.app_context():
        model = db.session.scalar(select(User).limit(1))
        now = utcnow()
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"resident{n}@example.org", "name": f"Resident {n}", "password_hash": model.password_hash,
                    "role": "resident", "session_id": f"session-{n}", "email_verified_at": now, "ward_id": ward_id,
                    "created_at": now,
                }
                for n in range(how_many)
            ],
        )
        ids = db.session.scalars(select(User.id).where(User.email.like("resident%@example.org"))).all()
        db.session.execute(
            insert(DigestPreference),
            [{"user_id": user_id, "frequency": "monthly", "newsletter": True, "updated_at": now} for user_id in ids],
        )
        db.session.commit()


def test_a_worker_killed_in_the_middle_of_a_run_and_restarted_sends_each_digest_once(app, world, smtp, tmp_path):
    add_residents(app, world["harlesden"], 300)
    total = 303
    with app.app_context():
        rq.enqueue(send_digest_run, "monthly")
    env = worker_env(app, tmp_path, DIGEST_BATCH_SIZE="5", MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port))
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "brokerage", "worker", "--burst"]
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(uri)

    def dispatched() -> int:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(DigestDispatch))

    worker = subprocess.Popen(flask, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while dispatched() < 10:
            assert worker.poll() is None, worker.stdout.read().decode()
            assert time.monotonic() < deadline, "the run did not start"
            time.sleep(0.005)
        with writes_blocked(uri):
            time.sleep(0.5)  # the worker is now waiting to write its next batch
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    partial = dispatched()
    assert 10 <= partial < total

    # The hourly schedule (or an officer) runs it again; a new worker starts.
    with app.app_context():
        rq.enqueue(send_digest_run, "monthly")
    restarted = subprocess.run([*flask, "--simple"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr

    assert dispatched() == total
    engine.dispose()
    with app.app_context():
        twice = db.session.execute(
            select(DigestDispatch.user_id).group_by(DigestDispatch.user_id).having(func.count() > 1)
        ).all()
        statuses = db.session.execute(
            select(EmailMessage.status, func.count()).where(EmailMessage.kind == "monthly_digest").group_by(EmailMessage.status)
        ).all()
    assert twice == []
    assert statuses == [("sent", total)]
    recipients = [recipients[0] for recipients, _ in smtp.messages]
    assert len(recipients) == total and len(set(recipients)) == total


def at_once(app, work, threads: int = 2) -> tuple[list, list]:
    """Run `work()` in several threads, each with its own session, started together."""
    barrier = threading.Barrier(threads)
    results, errors = [], []

    def run() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(work())
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - the test asserts there were none
                errors.append(error)
            finally:
                db.session.remove()

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=120)
    return results, errors


@pytest.mark.postgres
def test_two_runs_at_once_send_each_digest_once(app, world):
    add_residents(app, world["harlesden"], 60)
    app.config["DIGEST_BATCH_SIZE"] = 7

    results, errors = at_once(app, lambda: send_digests("monthly"))

    assert errors == []
    assert sum(result["queued"] for result in results) == 63
    assert count(app, DigestDispatch) == 63
    assert count(app, EmailMessage, EmailMessage.kind == "monthly_digest") == 63


# A mail server that refuses ------------------------------------------------


def test_digests_the_mail_server_refuses_are_retried_with_back_off_then_shown_to_officers(app, world, smtp, work_jobs):
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry

    smtp.reply = "550 5.7.1 Mailbox unavailable"
    with app.app_context():
        send_digests("monthly")
    work_jobs()

    delays = []
    for attempt in range(2, MAX_ATTEMPTS + 1):
        with app.app_context():
            scheduled = ScheduledJobRegistry("emails", connection=rq.connection)
            job_ids = scheduled.get_job_ids()
            assert len(job_ids) == 3, f"attempt {attempt}"
            now = datetime.now(timezone.utc)
            delays.append(round((scheduled.get_scheduled_time(job_ids[0]) - now).total_seconds() / 10) * 10)
            for job_id in job_ids:  # as if the wait were over
                scheduled.requeue(job_id)
        work_jobs()

    assert delays == [30, 120, 600, 1800]
    assert smtp.messages == [] and smtp.refused == 3 * MAX_ATTEMPTS
    with app.app_context():
        assert ScheduledJobRegistry("emails", connection=rq.connection).count == 0
        assert FailedJobRegistry("emails", connection=rq.connection).count == 3
        failed = db.session.scalars(select(EmailMessage).where(EmailMessage.kind == "monthly_digest")).all()
        assert {(message.status, message.attempts) for message in failed} == {("failed", MAX_ATTEMPTS)}
        assert all("550" in message.last_error and message.last_error.startswith("SMTPDataError") for message in failed)

    officer = signed_in(app, "officer@example.org")
    assert "3 emails that could not be sent" in officer.get("/officers/").get_data(as_text=True)
    outbox = officer.get("/officers/outbox?status=failed").get_data(as_text=True)
    assert outbox.count("your monthly update for") == 3
    assert "Monthly digest" in outbox and "5.7.1 Mailbox unavailable" in outbox
    runs = officer.get("/officers/digests").get_data(as_text=True)
    assert re.search(r"Monthly digest</td>\s*<td[^>]*>0</td>\s*<td[^>]*>0</td>\s*<td[^>]*><a[^>]*>3</a>", runs)


# Unsubscribing ---------------------------------------------------------------


def one_click_path(app, world, smtp, work_jobs, address: str) -> str:
    with app.app_context():
        send_digests("monthly")
    work_jobs()
    header = smtp.received()[address]["List-Unsubscribe"]
    return re.fullmatch(r"<http://localhost(/unsubscribe/\S+/one-click)>", header).group(1)


def test_the_unsubscribe_link_asks_first_then_unsubscribes_without_signing_in(app, world, smtp, work_jobs):
    path = one_click_path(app, world, smtp, work_jobs, "rita@example.org").removesuffix("/one-click")
    client = app.test_client()

    page = client.get(path)
    assert page.status_code == 200
    assert "We will stop sending email updates to rita@example.org" in page.get_data(as_text=True)
    with app.app_context():
        assert preferences_for(db.session.get(User, world["rita"])).frequency == "monthly"
    assert client.post(path, data={}).status_code == 400  # the confirm form carries a CSRF token

    done = post_form(client, path, {})

    assert done.status_code == 200
    assert "We will not send email updates to rita@example.org any more" in done.get_data(as_text=True)
    with app.app_context():
        assert preferences_for(db.session.get(User, world["rita"])).frequency == "never"
        [unsubscribed] = db.session.scalars(select(Event).where(Event.action == "digest.unsubscribed")).all()
        assert (unsubscribed.actor_id, unsubscribed.from_state, unsubscribed.to_state) == (world["rita"], "monthly", "never")
        assert world["rita"] not in due_recipients("monthly", "2099-01")


def test_one_click_unsubscribe_works_with_a_post_and_no_csrf_token(app, world, smtp, work_jobs):
    path = one_click_path(app, world, smtp, work_jobs, "sam@example.org")
    client = app.test_client()

    assert client.get(path).status_code == 302  # a mail program that opens the link gets the confirm page
    assert client.post(path, data={}).status_code == 400  # not a one-click request
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "You have been unsubscribed.\n"
    with app.app_context():
        sam = preferences_for(db.session.get(User, world["seller"]))
        assert (sam.frequency, sam.saved) == ("never", True)
        assert world["seller"] not in due_recipients("monthly", "2099-01")


def test_a_mailbox_for_unsubscribe_requests_is_offered_too_when_there_is_one(app, world, smtp, work_jobs):
    app.config["MAIL_UNSUBSCRIBE_ADDRESS"] = "unsubscribe@example.org"
    with app.app_context():
        send_digests("monthly")
    work_jobs()

    header = smtp.received()["rita@example.org"]["List-Unsubscribe"]

    link, mailbox = re.fullmatch(r"<http://localhost/unsubscribe/(\S+)/one-click>, <mailto:(\S+)>", header).groups()
    assert mailbox == f"unsubscribe@example.org?subject=unsubscribe%20{link}"  # the signed token, not a guessable id


@pytest.mark.postgres
def test_two_unsubscribes_at_once_make_one_preference_row(app, world, monkeypatch):
    import models.digests.preferences

    both_looked = threading.Barrier(2)  # past at_once's own barrier: both have looked
    looked = threading.local()
    real_preference_row = models.digests.preferences.preference_row

    def preference_row_then_wait(user_id):
        # Both requests find no row before either makes one: the race, every time.
        row = real_preference_row(user_id)
        looked.times = getattr(looked, "times", 0) + 1
        if looked.times == 2:
            both_looked.wait(timeout=10)
        return row

    monkeypatch.setattr(models.digests.preferences, "preference_row", preference_row_then_wait)

    # Grace is monthly by default, as a group's member.
    _, errors = at_once(app, lambda: models.digests.preferences.unsubscribe(db.session.get(User, world["owner"]), "digest"))

    assert errors == []
    assert count(app, DigestPreference, DigestPreference.user_id == world["owner"]) == 1
    assert count(app, Event, Event.action == "digest.unsubscribed") == 1  # the second found it done


def test_a_tampered_unsubscribe_link_does_nothing(app, world, smtp, work_jobs):
    path = one_click_path(app, world, smtp, work_jobs, "rita@example.org")
    token = path.split("/")[2]
    payload, signature = token.rsplit(".", 1)
    forged_payload = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    forgeries = [
        f"{payload}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # signature changed
        f"{forged_payload}.{signature}",  # someone else's id
        "not-a-token",
    ]
    client = app.test_client()
    for forged in forgeries:
        page = client.get(f"/unsubscribe/{forged}")
        assert page.status_code == 400
        assert "The link does not work" in page.get_data(as_text=True)
        assert client.post(f"/unsubscribe/{forged}/one-click", data={"List-Unsubscribe": "One-Click"}).status_code == 400
        assert post_form(client, f"/unsubscribe/{forged}", {}, form_url="/sign-in").status_code == 400
    with app.app_context():
        assert preferences_for(db.session.get(User, world["rita"])).frequency == "monthly"
        assert db.session.scalar(select(func.count()).select_from(Event).where(Event.action.like("%unsubscribed"))) == 0


# The officers' preview ---------------------------------------------------------


def test_only_officers_can_preview_someone_elses_digest(app, world):
    preview = "/officers/digests?email=rita%40example.org&kind=monthly"
    as_html = "/officers/digests/preview.html?email=rita%40example.org&kind=monthly"
    anonymous = app.test_client().get(preview)
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    for person in ("rita@example.org", "grace@example.org", "sam@example.org"):
        client = signed_in(app, person)
        assert client.get(preview).status_code == 403
        assert client.get(as_html).status_code == 403

    officer = signed_in(app, "officer@example.org")
    page = officer.get(preview).get_data(as_text=True)
    html = officer.get(as_html)

    assert "To Rita Resident (rita@example.org): Brent Council: your monthly update for" in page
    assert "Dear Rita Resident," in page and "Volunteers for the Saturday pantry" in page
    assert html.status_code == 200 and "Volunteers for the Saturday pantry" in html.get_data(as_text=True)
    assert html.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "There is no account for nobody@example.org" in officer.get("/officers/digests?email=nobody%40example.org").get_data(as_text=True)
    newsletter = officer.get("/officers/digests?email=sam%40example.org&kind=newsletter").get_data(as_text=True)
    assert "social value newsletter" in newsletter and "Breakfast for 120 families" in newsletter
    assert count(app, EmailMessage) == 0 and count(app, DigestDispatch) == 0  # a preview sends nothing


# Scale: no query per person -------------------------------------------------------


def test_building_digests_runs_the_same_queries_for_three_people_as_for_thirty(app, world):
    add_residents(app, world["harlesden"], 27)
    with app.app_context():
        extra = db.session.scalars(select(User.id).where(User.email.like("resident%@example.org")).order_by(User.id)).all()
        for user_id in extra[:9]:
            db.session.add(Membership(organisation_id=world["group"], user_id=user_id))
        for user_id in extra[9:18]:
            db.session.add(Membership(organisation_id=world["supplier"], user_id=user_id))
        db.session.commit()

        def statements(user_ids) -> tuple[int, int]:
            now = utcnow()
            with recorded_queries(app) as executed:
                digests = DigestBuilder(period_for("monthly", now), now).build(user_ids)
            return len(executed), len(digests)

        statements([world["rory"]])  # settings are read once per session: read them first
        few = statements([world["owner"], world["seller"], world["rita"]])
        many = statements([world["owner"], world["seller"], world["rita"], *extra])

    assert few == (few[0], 3) and many == (few[0], 30)
