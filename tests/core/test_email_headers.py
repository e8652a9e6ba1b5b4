"""The header fields of the email we send, read from the bytes a real SMTP server
(aiosmtpd) received: List-Unsubscribe as plain ASCII with one-click (RFC 2369, RFC
8058), checked with `listunsub` (a parser and checker of those RFCs); List-Id (RFC
2919); Auto-Submitted on digests and newsletters (RFC 3834); Date with +0000; the
whole message read by Python's RFC 5322 parser in strict mode without a defect.
And what goes wrong: a line break in a need's title, a message that cannot be built,
an http BASE_URL in production, `flask dev` on another port."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta
from email import policy
from email.headerregistry import DateHeader
from email.parser import BytesParser
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import select

from brokerage.extensions import rq
from models import EmailMessage, Need, Role, Theme, Ward, db
from models.core.mail import queue_email
from models.places.themes import seed_themes
from tests.factories import CSRF, ROOT, login, post_form
from tests import factories
from workers.digests import send_digest_run, send_newsletter_run
from workers.mail import deliver_email, requeue_stuck_email

BASE = "https://sv.brent.example.gov.uk"
# RFC 5322 section 3.3 date-time as we write it: a day, and the zone as +0000.
DATE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000")


@pytest.fixture
def listunsub():
    """The RFC 2369 / RFC 8058 checker (the test extra installs it). Missing in CI is an
    error; on a machine set up before it was added, its tests are skipped with the fix."""
    if os.environ.get("CI"):
        import listunsub

        return listunsub
    return pytest.importorskip("listunsub", reason="install the test extra: pip install -e '.[test]' (make setup)")


# A real SMTP server that keeps the bytes it received -----------------------------------


class RawHandler:
    def __init__(self):
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[bytes]:
        return [raw for recipients, raw in self.received if recipients == [address]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app):
    from aiosmtpd.controller import Controller

    handler = RawHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield handler
    controller.stop()


def fields(raw: bytes) -> dict[str, list[str]]:
    """The header fields exactly as sent: name -> each value after "Name: ", folds kept
    (CRLF and the white space after it). Checks RFC 5322 section 2: the header block is
    ASCII, lines end in CRLF and none is over 998 octets."""
    head, blank, _body = raw.partition(b"\r\n\r\n")
    assert blank, "no empty line between the header and the body"
    assert head.isascii(), "8-bit octets in the header"
    found: list[tuple[str, str]] = []
    for line in head.split(b"\r\n"):
        assert b"\r" not in line and b"\n" not in line, f"a bare CR or LF in {line!r}"
        assert len(line) <= 998, f"a header line of {len(line)} octets"
        text = line.decode("ascii")
        if text[:1] in (" ", "\t"):
            name, value = found[-1]
            found[-1] = (name, f"{value}\r\n{text}")
        else:
            name, colon, value = text.partition(":")
            assert colon and re.fullmatch(r"[\x21-\x39\x3b-\x7e]+", name), f"not a header field: {text!r}"
            found.append((name, value.removeprefix(" ")))
    result: dict[str, list[str]] = {}
    for name, value in found:
        result.setdefault(name.lower(), []).append(value)
    return result


def one(raw: bytes, name: str) -> str:
    [value] = fields(raw)[name.lower()]
    return value


def strictly_parsed(raw: bytes):
    """The message read by Python's RFC 5322 parser with policy.strict (a defect in the
    message raises); each header field is parsed too and must have no defect."""
    message = BytesParser(policy=policy.strict).parsebytes(raw)
    for name, value in message.items():
        assert value.defects == (), f"{name}: {value.defects}"
    for part in message.walk():
        assert part.defects == [], part.defects
    return message


def assert_date_is_utc_with_plus_0000(raw: bytes, message) -> None:
    assert DATE.fullmatch(one(raw, "Date")), one(raw, "Date")
    assert isinstance(message["Date"], DateHeader)
    # -0000 (what formatdate(localtime=False) writes) parses to a naive datetime: zone unknown.
    assert message["Date"].datetime.tzinfo is not None
    assert message["Date"].datetime.utcoffset() == timedelta(0)


# Digests and the newsletter -------------------------------------------------------------


@pytest.fixture
def world(app, places, make_user, make_organisation):
    app.config["SERVER_NAME_FOR_EMAIL"] = BASE
    return factories.digest_borough(app)


def test_a_digest_carries_its_list_fields_as_plain_ascii_with_one_click(listunsub, app, world, smtp, work_jobs):
    with app.app_context():
        rq.enqueue(send_digest_run, "monthly")
    assert work_jobs() == 0

    assert sorted(recipients[0] for recipients, _ in smtp.received) == [
        "grace@example.org", "rita@example.org", "sam@example.org"
    ]
    for _, raw in smtp.received:
        unsubscribe = one(raw, "List-Unsubscribe")
        post = one(raw, "List-Unsubscribe-Post")
        assert "=?" not in unsubscribe, "MIME-encoded: mail programs cannot find the link"
        link = re.fullmatch(rf"<({re.escape(BASE)}/unsubscribe/[\w.-]+/one-click)>", unsubscribe)
        assert link, unsubscribe
        assert post == "List-Unsubscribe=One-Click"
        # The RFC 2369 / RFC 8058 checker: nothing missing, nothing invalid, one https link.
        assert listunsub.audit(unsubscribe, post) == []
        assert listunsub.parse_header(unsubscribe, strict=True).https == (link.group(1),)
        assert listunsub.is_one_click(post)
        assert one(raw, "List-Id") == "Brent Council email updates <digest.sv.brent.example.gov.uk>"
        assert one(raw, "Auto-Submitted") == "auto-generated"

        message = strictly_parsed(raw)
        assert_date_is_utc_with_plus_0000(raw, message)
        assert message["List-Unsubscribe"] == unsubscribe
        assert message["Subject"].startswith("Brent Council: your monthly update for ")

    # The link a mail program finds is the one that unsubscribes (RFC 8058 section 3.2), with
    # the POST a mailbox provider sends: multipart/form-data (the RFC's SHOULD) or urlencoded.
    for address, form in (("rita@example.org", "multipart"), ("grace@example.org", "urlencoded")):
        [raw] = smtp.to(address)
        uri = listunsub.parse(one(raw, "List-Unsubscribe"))[0]
        request = listunsub.one_click_request(uri, form=form)
        response = app.test_client().post(
            urllib.parse.urlsplit(request.url).path, data=request.body, content_type=request.headers["Content-Type"]
        )
        assert response.status_code == 200, form
        assert response.get_data(as_text=True) == "You have been unsubscribed.\n"


def test_the_newsletter_has_its_own_list_id_and_unsubscribe_link(listunsub, app, world, smtp, work_jobs):
    with app.app_context():
        rq.enqueue(send_newsletter_run)
    assert work_jobs() == 0

    [raw] = smtp.to("sam@example.org")
    unsubscribe, post = one(raw, "List-Unsubscribe"), one(raw, "List-Unsubscribe-Post")
    assert re.fullmatch(rf"<{re.escape(BASE)}/unsubscribe/[\w.-]+/one-click>", unsubscribe), unsubscribe
    assert listunsub.audit(unsubscribe, post) == []
    # "List-Id: " and this are 86 characters: folded at the space, as RFC 5322 advises past 78.
    assert one(raw, "List-Id") == "Brent Council social value newsletter\r\n <newsletter.sv.brent.example.gov.uk>"
    assert one(raw, "Auto-Submitted") == "auto-generated"
    assert_date_is_utc_with_plus_0000(raw, strictly_parsed(raw))


def test_with_an_unsubscribe_mailbox_the_field_is_folded_only_between_its_two_uris(listunsub, app, world, smtp, work_jobs):
    app.config["MAIL_UNSUBSCRIBE_ADDRESS"] = "unsubscribe@brent.example.gov.uk"
    with app.app_context():
        rq.enqueue(send_digest_run, "monthly")
    assert work_jobs() == 0

    [raw] = smtp.to("rita@example.org")
    unsubscribe = one(raw, "List-Unsubscribe")
    match = re.fullmatch(
        rf"<{re.escape(BASE)}/unsubscribe/([\w.-]+)/one-click>,\r\n <mailto:unsubscribe@brent\.example\.gov\.uk\?subject=unsubscribe%20([\w.-]+)>",
        unsubscribe,
    )
    assert match, unsubscribe
    assert match.group(1) == match.group(2)
    header = listunsub.parse_header(unsubscribe, strict=True)
    assert [listunsub.parse_mailto(uri, strict=True).subject for uri in header.mailto] == [f"unsubscribe {match.group(1)}"]
    assert listunsub.audit(unsubscribe, one(raw, "List-Unsubscribe-Post")) == []
    strictly_parsed(raw)


@pytest.mark.parametrize(
    "council, raw_list_id, read_as",
    [
        # A full stop and quotes are not atext: the phrase is a quoted string.
        (
            'St. Albans "City" Council',
            r'"St. Albans \"City\" Council email updates" <digest.localhost>',
            r'"St. Albans \"City\" Council email updates" <digest.localhost>',
        ),
        # Not ASCII: MIME encoded words, which RFC 2047 allows in a phrase.
        ("Cyngor Môn", "=?utf-8?q?Cyngor_M=C3=B4n_email_updates?= <digest.localhost>", "Cyngor Môn email updates <digest.localhost>"),
    ],
)
def test_the_list_id_phrase_is_written_as_rfc_5322_allows_for_any_council_name(
    app, world, smtp, work_jobs, council, raw_list_id, read_as
):
    app.config["COUNCIL_NAME"] = council
    app.config["SERVER_NAME_FOR_EMAIL"] = "http://127.0.0.1:5000"  # an IP address is no namespace: "localhost"
    with app.app_context():
        rq.enqueue(send_digest_run, "monthly")
    assert work_jobs() == 0

    [raw] = smtp.to("rita@example.org")
    assert one(raw, "List-Id") == raw_list_id
    assert strictly_parsed(raw)["List-Id"] == read_as


# Other email: not a list -----------------------------------------------------------------


def test_a_verification_email_has_a_utc_date_and_no_list_fields(app, client, smtp, work_jobs):
    response = post_form(
        client, "/register", {"name": "Amara Okafor", "email": "amara@example.org", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 200
    assert work_jobs() == 0

    [raw] = smtp.to("amara@example.org")
    message = strictly_parsed(raw)
    assert_date_is_utc_with_plus_0000(raw, message)
    assert one(raw, "Subject") == "Confirm your email address"
    assert not {"list-unsubscribe", "list-unsubscribe-post", "list-id", "auto-submitted"} & set(fields(raw))


# A line break in a need's title -----------------------------------------------------------


@pytest.fixture
def group_world(app, places, make_user, make_organisation):
    with app.app_context():
        seed_themes()
        db.session.commit()
        theme_id = db.session.scalar(select(Theme.id).order_by(Theme.position))
        ward_id = db.session.scalar(select(Ward.id).where(Ward.code == "E05013501"))
    officer = make_user("officer@example.org", "Oona Officer", role=Role.OFFICER)
    owner = make_user("owner@example.org", "Olu Owner")
    group = make_organisation(owner, name="Harlesden Food Hub", officer_id=officer)
    return {"group": group, "theme_id": theme_id, "ward_id": ward_id}


def test_a_line_break_in_a_needs_title_stays_out_of_the_headers_and_the_email_goes(app, group_world, smtp, work_jobs):
    deadline = date.today() + timedelta(days=60)
    owner = app.test_client()
    login(owner, "owner@example.org")
    # A tampered form: a browser's one-line field cannot send a line break, a script can.
    response = post_form(owner, f"/groups/{group_world['group']}/needs/new", {
        "title": "Laptops\r\nBcc: victim@example.org",
        "summary": "Ten laptops for the homework club.",
        "description": "",
        "kind": "goods",
        "quantity": "10",
        "unit": "laptops",
        "value": "2,400",
        "ward_id": str(group_world["ward_id"]),
        "theme_id": str(group_world["theme_id"]),
        "beneficiaries": "35",
        "deadline": [str(deadline.day), str(deadline.month), str(deadline.year)],
        "photo_alt": "",
        "submit_for_review": "Save and send for review",
    })
    assert response.status_code == 302
    with app.app_context():
        need_id = db.session.scalar(select(Need.id))
    officer = app.test_client()
    login(officer, "officer@example.org")

    response = post_form(officer, f"/officers/needs/{need_id}", {"comment": "", "publish": "Publish"})
    assert response.status_code == 302
    assert work_jobs() == 0

    [raw] = [raw for raw in smtp.to("owner@example.org") if b"Subject: Published:" in raw]
    assert one(raw, "Subject") == "Published: Laptops Bcc: victim@example.org"
    assert "bcc" not in fields(raw)
    assert all(recipients == ["owner@example.org"] for recipients, _ in smtp.received)
    assert strictly_parsed(raw)["Subject"] == "Published: Laptops Bcc: victim@example.org"
    with app.app_context():
        statuses = db.session.execute(select(EmailMessage.subject, EmailMessage.status)).all()
    assert ("Published: Laptops Bcc: victim@example.org", "sent") in statuses
    assert all(status == "sent" for _, status in statuses)


def test_a_message_queued_with_a_line_break_in_its_subject_before_the_fix_is_sent_on_one_line(app, smtp, work_jobs):
    with app.app_context():
        # As the outbox held it: written straight into the table, not through queue_email.
        message = EmailMessage(
            to_address="pat@example.org", subject="Expired: Coats\nfor winter", text_body="Hello", kind="need_expired"
        )
        db.session.add(message)
        db.session.commit()
        message_id = message.id
    assert work_jobs() == 0

    [raw] = smtp.to("pat@example.org")
    assert one(raw, "Subject") == "Expired: Coats for winter"
    strictly_parsed(raw)
    with app.app_context():
        assert db.session.get(EmailMessage, message_id).status == "sent"


# A message that cannot be built -----------------------------------------------------------


@pytest.mark.parametrize(
    "to_address, headers, reason",
    [
        ("pat@example.org\r\nBcc: victim@example.org", None, "ValueError: Header values may not contain linefeed"),
        ("pat@example.org", {"X-Tag: injected": "1"}, "ValueError: 'X-Tag: injected' is not a header field name"),
        ("pat@example.org", {"List-Id": "Brent Council café <digest.localhost>"}, "ValueError: List-Id must be plain ASCII"),
    ],
)
def test_a_message_that_cannot_be_built_is_marked_failed_with_the_reason(
    app, smtp, work_jobs, make_user, to_address, headers, reason
):
    with app.app_context():
        message = EmailMessage(to_address=to_address, subject="Hello", text_body="Hello", kind="test", headers=headers)
        db.session.add(message)
        db.session.commit()
        message_id = message.id

    assert work_jobs() == 0  # the job itself ends: retrying cannot help

    assert smtp.received == []
    with app.app_context():
        failed = db.session.get(EmailMessage, message_id)
        assert failed.status == "failed"
        assert failed.last_error.startswith(f"Could not build the message: {reason}"), failed.last_error
        assert failed.sent_at is None
        from rq.registry import ScheduledJobRegistry

        assert len(ScheduledJobRegistry("emails", connection=rq.connection)) == 0
        # Running the job again, or the safety net for lost jobs, leaves it failed.
        assert deliver_email(message_id) == "failed"
        failed.created_at = failed.created_at - timedelta(hours=1)
        db.session.commit()
        assert requeue_stuck_email(10) == 0
    make_user("officer@example.org", role=Role.OFFICER)
    officer = app.test_client()
    login(officer, "officer@example.org")
    page = officer.get("/officers/outbox?status=failed").get_data(as_text=True)
    assert "Could not build the message" in page


def test_queue_email_keeps_subjects_and_header_values_on_one_line(app, smtp, work_jobs):
    with app.app_context():
        message = queue_email(
            "pat@example.org", "Published:\u2028Coats\r\n\r\n for\x85winter ", "Hello",
            headers={"Auto-Submitted": "auto-generated\r\nBcc: victim@example.org"},
        )
        db.session.commit()
        assert (message.subject, message.headers) == (
            "Published: Coats for winter", {"Auto-Submitted": "auto-generated Bcc: victim@example.org"}
        )
    assert work_jobs() == 0
    [raw] = smtp.to("pat@example.org")
    assert one(raw, "Subject") == "Published: Coats for winter"
    assert one(raw, "Auto-Submitted") == "auto-generated Bcc: victim@example.org"
    assert "bcc" not in fields(raw)


# BASE_URL ---------------------------------------------------------------------------------


PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "IDENTITY_HASH_KEY": "k" * 40}


@pytest.mark.parametrize("base_url", ["http://sv.brent.gov.uk", "", "sv.brent.gov.uk", "ftp://sv.brent.gov.uk"])
def test_production_refuses_a_base_url_that_is_not_https(base_url):
    from brokerage.config import from_environment

    env = dict(PRODUCTION, BASE_URL=base_url) if base_url else PRODUCTION
    with pytest.raises(RuntimeError, match="BASE_URL must"):
        from_environment(env, "/tmp")


def test_production_takes_an_https_base_url_and_development_takes_http():
    from brokerage.config import from_environment

    assert from_environment(dict(PRODUCTION, BASE_URL="https://sv.brent.gov.uk/"), "/tmp")["SERVER_NAME_FOR_EMAIL"] == (
        "https://sv.brent.gov.uk"
    )
    development = {"APP_ENV": "development", "SECRET_KEY": "x"}
    assert from_environment(development, "/tmp")["SERVER_NAME_FOR_EMAIL"] == "http://127.0.0.1:5000"
    assert from_environment(dict(development, BASE_URL="http://localhost:8000"), "/tmp")["SERVER_NAME_FOR_EMAIL"] == (
        "http://localhost:8000"
    )
    with pytest.raises(RuntimeError, match="BASE_URL must be an http:// or https:// address"):
        from_environment(dict(development, BASE_URL="localhost:8000"), "/tmp")


def test_the_app_does_not_start_in_production_with_an_http_base_url(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "DATABASE_", "REDIS_"))}
    env.update(PRODUCTION, BASE_URL="http://sv.brent.gov.uk", INSTANCE_PATH=str(tmp_path))
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "brokerage", "routes"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "BASE_URL must start with https:// in production (APP_ENV=production), not 'http://sv.brent.gov.uk'" in (
        result.stdout + result.stderr
    )


# flask dev --port N -----------------------------------------------------------------------


def test_flask_dev_environment_keeps_a_base_url_that_is_set():
    from brokerage.cli import dev_environment

    assert dev_environment({"BASE_URL": "https://sv.example"}, "127.0.0.1", 5001, "unix:///r")["BASE_URL"] == (
        "https://sv.example"
    )
    assert dev_environment({}, "0.0.0.0", 5001, "unix:///r")["BASE_URL"] == "http://127.0.0.1:5001"
    assert dev_environment({"BASE_URL": ""}, "::1", 5002, "unix:///r")["BASE_URL"] == "http://[::1]:5002"


def until(found, what: str, limit: float = 180.0):
    """Wait for `found()` to return something true: the processes start at their own pace.
    The limit only stops a test that would otherwise hang; nothing is measured."""
    give_up = time.monotonic() + limit
    while time.monotonic() < give_up:
        result = found()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def test_flask_dev_on_another_port_puts_that_port_in_the_links_in_email(app, smtp, tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "DATABASE_", "REDIS_", "BASE_URL"))}
    env.update(
        APP_ENV="development",
        SECRET_KEY=app.config["SECRET_KEY"],
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        INSTANCE_PATH=str(tmp_path),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp.port),
        RATELIMIT_ENABLED="false",
    )
    log = open(tmp_path / "dev.log", "w+")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "--app", "brokerage", "dev", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    site = f"http://127.0.0.1:{port}"

    def register_page():
        if process.poll() is not None:
            raise AssertionError(f"flask dev stopped: {(tmp_path / 'dev.log').read_text()}")
        try:
            return opener.open(f"{site}/register", timeout=30).read().decode()
        except (urllib.error.URLError, ConnectionError):
            return None

    try:
        page = until(register_page, "the web server")
        token = next(group for group in CSRF.search(page).groups() if group)
        form = urllib.parse.urlencode(
            {"csrf_token": token, "name": "Devi Developer", "email": "devi@example.org", "password": "correct-horse-battery-staple"}
        ).encode()
        opener.open(f"{site}/register", data=form, timeout=30)
        [raw] = until(lambda: smtp.to("devi@example.org"), "the verification email from the worker")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()

    text = strictly_parsed(raw).get_body(("plain",)).get_content()
    assert re.search(rf"http://127\.0\.0\.1:{port}/verify-email/\S+", text), text
    assert "http://127.0.0.1:5000" not in text
