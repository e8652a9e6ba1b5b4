"""Accounts and authentication through the real views (CSRF on), the real
database, Redis (rate limits, the email queue) and the outbox."""

from __future__ import annotations

import html
import re
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from models import EmailMessage, Event, Membership, Organisation, Role, User, db
from tests.factories import PASSWORD, count, csrf_token, link_in, login, post_form

NEW_PASSWORD = "purple-otter-lantern-fjord"


# --- helpers ---------------------------------------------------------------------------------


def text_of(response) -> str:
    """The page as text with HTML entities decoded, for message checks."""
    return html.unescape(response.get_data(as_text=True))


def user_by_email(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def events(app, action: str, subject_id: int | None = None) -> list[Event]:
    with app.app_context():
        query = select(Event).where(Event.action == action).order_by(Event.id)
        if subject_id is not None:
            query = query.where(Event.subject_type == "users", Event.subject_id == str(subject_id))
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def register(client, name="Amara Okafor", email="amara@example.org", password=PASSWORD, postcode="", **kwargs):
    return post_form(
        client, "/register", {"name": name, "email": email, "password": password, "postcode": postcode}, **kwargs
    )


def signed_in_as(client) -> str | None:
    """The name in the 'Signed in as' bar on the home page, or None when signed out."""
    page = text_of(client.get("/"))
    marker = "Signed in as "
    if marker not in page:
        return None
    return page.split(marker, 1)[1].split("<", 1)[0].strip()


def field_error(page: str, field_id: str) -> str:
    """The GOV.UK error message rendered beside one field (its id is FIELD-error)."""
    marker = f'id="{field_id}-error"'
    assert marker in page, f"no error beside {field_id}"
    chunk = page.split(marker, 1)[1].split("</p>", 1)[0]
    return chunk.split("</span>", 1)[-1].strip()


# --- register --------------------------------------------------------------------------------


def test_register_creates_an_unverified_account_and_emails_a_link(app, client, outbox):
    response = register(client, email="  Amara@Example.ORG ")
    assert response.status_code == 200
    assert "Check your email" in text_of(response)
    # Not signed in: the page must be the same whether or not the address had an account.
    assert signed_in_as(client) is None

    user = user_by_email(app, "amara@example.org")
    assert user is not None, "the address is stored trimmed and in lower case"
    assert user.name == "Amara Okafor"
    assert user.role == Role.RESIDENT.value
    assert user.email_verified_at is None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD)

    login(client, "amara@example.org")
    account = client.get("/account")
    assert account.status_code == 200
    assert "Confirm your email address" in text_of(account)
    assert signed_in_as(client) == "Amara Okafor"

    messages = outbox(to="amara@example.org")
    assert len(messages) == 1
    message = messages[0]
    assert message.kind == "verify_email"
    assert message.status == "sent", message.last_error
    assert "/verify-email/" in link_in(message, "/verify-email/")
    # Delivered into the outbox folder as a real message.
    eml = f"{app.config['MAIL_OUTBOX_DIR']}/{message.id:08d}.eml"
    with open(eml, encoding="utf-8") as handle:
        raw = handle.read()
    assert "To: amara@example.org" in raw
    assert "Subject: Confirm your email address" in raw

    registered = events(app, "user.registered", user.id)
    assert len(registered) == 1
    assert registered[0].actor_id == user.id
    assert registered[0].to_state == "resident"


def test_register_normalises_the_postcode_and_places_the_person_in_their_ward(app, client, places):
    response = register(client, postcode="nw108ab")
    assert response.status_code == 200
    login(client, "amara@example.org")
    user = user_by_email(app, "amara@example.org")
    assert user.postcode == "NW10 8AB"
    with app.app_context():
        ward = db.session.get(User, user.id).ward
        assert ward is not None
        assert ward.code == "E05013501"
        assert ward.name == "Harlesden & Kensal Green"
    assert "Harlesden &amp; Kensal Green" in client.get("/account").get_data(as_text=True)


def test_register_with_a_postcode_outside_the_borough_keeps_what_was_typed(app, client, places):
    response = register(client, name="Kwame Mensah", email="kwame@example.org", postcode="sw1a1aa")
    assert response.status_code == 200
    page = text_of(response)
    assert field_error(page, "postcode") == "SW1A 1AA is not in this council's area. Check the postcode you entered."
    assert 'value="Kwame Mensah"' in page
    assert 'value="kwame@example.org"' in page
    assert "Error: Create an account" in page, "the page title says there is an error"
    assert PASSWORD not in page, "the password is never echoed back"
    assert count(app, User) == 0
    assert count(app, EmailMessage) == 0


def test_register_with_something_that_is_not_a_postcode(app, client, places):
    response = register(client, postcode="not a postcode")
    assert response.status_code == 200
    assert field_error(text_of(response), "postcode") == "Enter a real postcode, like HA0 1AB"
    assert count(app, User) == 0


def test_register_with_a_weak_password_says_why(app, client):
    response = register(client, password="password123")
    assert response.status_code == 200
    message = field_error(text_of(response), "password")
    assert message, "a reason is given"
    assert "common" in message.lower() or "guess" in message.lower(), message
    assert count(app, User) == 0


def test_register_with_a_password_made_of_the_persons_own_details(app, client):
    # zxcvbn is given each word of the name and address, so "okaforamara1" is weak for Amara Okafor.
    response = register(client, password="okaforamara1")
    assert response.status_code == 200
    assert field_error(text_of(response), "password")
    assert count(app, User) == 0


def test_register_with_a_short_password(app, client):
    response = register(client, password="Xq7#pL2")
    assert field_error(text_of(response), "password") == "Password must be 10 characters or more"


def test_register_says_the_same_whether_or_not_the_address_has_an_account(app, make_user, outbox):
    make_user(email="amara@example.org")
    taken = register(app.test_client(), email="AMARA@example.org")
    new = register(app.test_client(), email="kofi@example.org", name="Kofi Mensah")
    assert taken.status_code == new.status_code == 200
    nonce = re.compile(r'nonce="[^"]+"')
    pages = [nonce.sub("", text_of(response).replace(address, "ADDRESS")) for response, address in
             ((taken, "AMARA@example.org"), (new, "kofi@example.org"))]
    assert pages[0] == pages[1]
    def cookies(response):
        return sorted(header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie"))

    assert cookies(taken) == cookies(new)
    assert count(app, User) == 2
    # The owner of the existing account is told by email; the new address gets its link.
    [exists] = outbox(to="amara@example.org")
    assert exists.kind == "account_exists"
    assert "already have one" in exists.text_body
    assert link_in(exists, "/password/forgot")
    assert [message.kind for message in outbox(to="kofi@example.org")] == ["verify_email"]
    # The existing account is untouched: its password is the old one.
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "amara@example.org")).name == "Pat Person"


def test_register_with_nothing_filled_in(app, client):
    response = register(client, name="", email="", password="")
    assert response.status_code == 200
    page = text_of(response)
    assert field_error(page, "name") == "Enter your name"
    assert field_error(page, "email") == "Enter your email address"
    assert field_error(page, "password") == "Enter a password"
    assert "There is a problem" in page, "the GOV.UK error summary is shown"
    assert count(app, User) == 0


def test_register_with_a_name_of_only_spaces(app, client):
    response = register(client, name="    ")
    assert response.status_code == 200
    assert field_error(text_of(response), "name") == "Enter your name"
    assert count(app, User) == 0


def test_register_with_a_malformed_email(app, client):
    response = register(client, email="amara-at-example.org")
    assert response.status_code == 200
    assert field_error(text_of(response), "email") == "Enter an email address in the correct format, like name@example.com"


def test_register_with_a_huge_name_gets_a_field_error(app, client):
    response = register(client, name="A" * 1_000_000)
    assert response.status_code == 200
    page = text_of(response)
    assert field_error(page, "name") == "Name must be 120 characters or fewer"
    assert count(app, User) == 0


def test_register_with_a_huge_password_gets_a_field_error(app, client):
    response = register(client, password="correct horse " * 20_000)
    assert response.status_code == 200
    assert field_error(text_of(response), "password") == "Password must be 128 characters or fewer"
    assert count(app, User) == 0


def test_register_with_a_300_character_email(app, client):
    local = "a" * 60
    domain = ".".join(["b" * 59] * 3) + "." + "c" * 55 + ".org"
    email = f"{local}@{domain}"
    assert len(email) == 300
    response = register(client, email=email)
    assert response.status_code == 200
    page = text_of(response)
    assert "Email address must be 254 characters or fewer" in field_error(page, "email")
    assert 'value="Amara Okafor"' in page
    assert count(app, User) == 0


def test_register_without_a_csrf_token_is_refused(app, client):
    response = client.post(
        "/register", data={"name": "Amara Okafor", "email": "amara@example.org", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "The form had expired" in text_of(response)
    assert count(app, User) == 0


def test_register_when_signed_in_goes_to_the_account(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    assert client.get("/register").headers["Location"] == "/account"


# --- verify email ----------------------------------------------------------------------------


def test_the_emailed_link_confirms_the_address(app, client, outbox):
    register(client)
    login(client, "amara@example.org")
    link = link_in(outbox(to="amara@example.org")[0], "/verify-email/")
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    user = user_by_email(app, "amara@example.org")
    assert user.email_verified_at is not None
    verified = events(app, "user.email_verified", user.id)
    assert len(verified) == 1
    assert (verified[0].from_state, verified[0].to_state) == ("unverified", "verified")
    assert "(confirmed)" in text_of(client.get("/account"))

    # Following it again does no harm and records nothing new.
    assert client.get(link).status_code == 302
    assert len(events(app, "user.email_verified", user.id)) == 1


def test_the_link_works_in_a_browser_that_is_not_signed_in(app, client, outbox):
    register(client)
    link = link_in(outbox(to="amara@example.org")[0], "/verify-email/")
    other = app.test_client()
    response = other.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    assert user_by_email(app, "amara@example.org").email_verified_at is not None


def test_a_tampered_verification_link_is_refused(app, client, outbox):
    register(client)
    link = link_in(outbox(to="amara@example.org")[0], "/verify-email/")
    token = link.rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    response = client.get("/verify-email/" + tampered)
    assert response.status_code == 400
    page = text_of(response)
    assert "The link does not work" in page
    assert "expired" not in page.lower()
    assert user_by_email(app, "amara@example.org").email_verified_at is None


def test_a_verification_link_for_another_purpose_is_refused(app, client, make_user):
    # A password reset token is signed with a different salt.
    user_id = make_user(verified=False)
    from brokerage.tokens import make_token

    with app.app_context():
        token = make_token("reset-password", {"user": user_id, "email": "person@example.org"})
    assert client.get("/verify-email/" + token).status_code == 400
    assert user_by_email(app, "person@example.org").email_verified_at is None


def test_an_expired_verification_link_is_refused(app, client, outbox, monkeypatch):
    register(client)
    link = link_in(outbox(to="amara@example.org")[0], "/verify-email/")
    # Four days later (links work for three).
    now = int(time.time())
    with monkeypatch.context() as later:
        later.setattr(TimestampSigner, "get_timestamp", lambda self: now + 4 * 24 * 3600)
        response = app.test_client().get(link)
    assert response.status_code == 400
    page = text_of(response)
    assert "The link has expired" in page
    assert "work for 72 hours" in page
    assert user_by_email(app, "amara@example.org").email_verified_at is None


def test_a_verification_link_past_a_shorter_configured_age_is_refused(app, client, outbox):
    register(client)
    link = link_in(outbox(to="amara@example.org")[0], "/verify-email/")
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1
    response = client.get(link)
    assert response.status_code == 400
    assert "The link has expired" in text_of(response)
    assert user_by_email(app, "amara@example.org").email_verified_at is None


def test_a_link_for_an_old_address_does_not_confirm_the_new_one(app, client, outbox):
    register(client)
    login(client, "amara@example.org")
    old_link = link_in(outbox(to="amara@example.org")[0], "/verify-email/")
    response = post_form(client, "/account/email", {"email": "amara.new@example.org", "password": PASSWORD})
    assert response.status_code == 302

    response = client.get(old_link)
    assert response.status_code == 400
    assert "for an address your account no longer uses" in text_of(response)
    user = user_by_email(app, "amara.new@example.org")
    assert user.email_verified_at is None

    new_link = link_in(outbox(to="amara.new@example.org")[0], "/verify-email/")
    assert client.get(new_link).status_code == 302
    assert user_by_email(app, "amara.new@example.org").email_verified_at is not None


def test_a_link_for_a_deleted_account_is_refused(app, client, outbox):
    register(client)
    login(client, "amara@example.org")
    link = link_in(outbox(to="amara@example.org")[0], "/verify-email/")
    post_form(client, "/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert count(app, User) == 0
    assert client.get(link).status_code == 400


def test_resending_the_link_sends_another(app, client, outbox):
    register(client)
    login(client, "amara@example.org")
    response = post_form(client, "/verify-email/resend", {}, form_url="/account")
    assert response.status_code == 302
    assert len(outbox(to="amara@example.org")) == 2


# --- sign in and out -------------------------------------------------------------------------


def test_sign_in_with_the_right_password(app, client, make_user):
    user_id = make_user()
    response = login(client, "  Person@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in_as(client) == "Pat Person"
    with app.app_context():
        assert db.session.get(User, user_id).last_login_at is not None


def test_sign_in_with_the_wrong_password(app, client, make_user):
    make_user()
    response = login(client, "person@example.org", "not-the-password-at-all")
    assert response.status_code == 200
    page = text_of(response)
    assert field_error(page, "password") == "Enter a correct email address and password"
    assert 'value="person@example.org"' in page, "the address is kept"
    assert signed_in_as(client) is None


def test_sign_in_for_an_unknown_address_says_the_same(app, client, make_user):
    make_user()
    response = login(client, "nobody@example.org")
    assert response.status_code == 200
    assert field_error(text_of(response), "password") == "Enter a correct email address and password"


def test_sign_in_with_empty_fields(app, client):
    response = post_form(client, "/sign-in", {"email": "", "password": ""})
    page = text_of(response)
    assert field_error(page, "email") == "Enter your email address"
    assert field_error(page, "password") == "Enter your password"


def test_sign_in_goes_to_a_safe_next_page(app, client, make_user):
    make_user()
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in?next=/organisations/", data={"csrf_token": token, "email": "person@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/organisations/"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "http:/evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
    ],
)
def test_sign_in_ignores_a_next_page_on_another_site(app, client, make_user, target):
    make_user()
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in", query_string={"next": target}, data={"csrf_token": token, "email": "person@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    # Where a browser would go: it reads a backslash as a slash and drops tabs.
    as_browser = location.replace("\\", "/").replace("\t", "")
    assert as_browser == "/" or (as_browser.startswith("/") and not as_browser.startswith("//")), location
    assert "evil.example" not in urlsplit(urljoin("http://localhost/", as_browser)).netloc
    assert not location.lower().startswith("javascript:")


def test_a_protected_page_sends_you_back_after_sign_in(app, client, make_user):
    make_user()
    response = client.get("/account/details")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    sign_in_url = response.headers["Location"]
    token = csrf_token(client, sign_in_url)
    response = client.post(sign_in_url, data={"csrf_token": token, "email": "person@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/account/details"


def test_sign_in_when_signed_in_goes_to_the_account(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    assert client.get("/sign-in").headers["Location"] == "/account"


def test_sign_out_signs_out(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    response = post_form(client, "/sign-out", {}, form_url="/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in_as(client) is None
    assert client.get("/account").status_code == 302


def test_sign_out_by_get_is_not_allowed(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    assert client.get("/sign-out").status_code == 405
    assert signed_in_as(client) == "Pat Person"


def test_sign_out_without_the_csrf_token_is_refused(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    response = client.post("/sign-out")
    assert response.status_code == 400
    assert signed_in_as(client) == "Pat Person"


def test_sign_out_with_a_forged_csrf_token_is_refused(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    assert client.post("/sign-out", data={"csrf_token": "forged"}).status_code == 400
    assert signed_in_as(client) == "Pat Person"


def test_failed_sign_ins_are_rate_limited(app, client, make_user):
    make_user()
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        response = login(client, "person@example.org", "wrong-password-guess")
        assert response.status_code == 200
    response = login(client, "person@example.org", "wrong-password-guess")
    assert response.status_code == 429
    assert "Too many attempts" in text_of(response)
    # Even the right password waits.
    assert login(client, "person@example.org").status_code == 429
    assert signed_in_as(client) is None


def test_the_default_sign_in_limit_is_ten_a_minute(app, client, make_user):
    make_user()
    assert app.config["LOGIN_RATE_LIMIT"].startswith("10 per minute")
    for _ in range(10):
        assert login(client, "person@example.org", "wrong-password-guess").status_code == 200
    assert login(client, "person@example.org", "wrong-password-guess").status_code == 429


def client_at(app, address: str):
    """A browser at this IP address."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def test_guessing_from_another_ip_address_does_not_lock_the_owner_out(app, make_user):
    make_user()
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    attacker = client_at(app, "203.0.113.7")
    for _ in range(3):
        assert login(attacker, "person@example.org", "wrong-password-guess").status_code == 200
    throttled = login(attacker, "PERSON@example.org", "wrong-password-guess")
    assert throttled.status_code == 429
    page = text_of(throttled)
    assert "Too many attempts to sign in" in page
    assert "Email me a link to sign in" in page
    # The owner, elsewhere, signs in as usual.
    owner = client_at(app, "198.51.100.20")
    assert login(owner, "person@example.org").status_code == 302
    assert signed_in_as(owner) == "Pat Person"


def test_one_ip_address_trying_many_accounts_is_limited(app, make_user):
    app.config["LOGIN_IP_RATE_LIMIT"] = "4 per minute"
    attacker = client_at(app, "203.0.113.8")
    for number in range(4):
        assert login(attacker, f"person{number}@example.org", "wrong-password-guess").status_code == 200
    assert login(attacker, "someone-new@example.org", "wrong-password-guess").status_code == 429


def _throttle_from_many_addresses(app, email="person@example.org", times=3):
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = f"{times} per hour"
    for number in range(times):
        login(client_at(app, f"203.0.113.{number + 1}"), email, "wrong-password-guess")


def test_a_throttled_owner_signs_in_with_a_link_by_email_once(app, make_user, outbox):
    user_id = make_user()
    _throttle_from_many_addresses(app)
    owner = client_at(app, "198.51.100.20")
    throttled = login(owner, "person@example.org")
    assert throttled.status_code == 429, "guessing from many machines throttles the address itself"
    assert 'value="person@example.org"' in throttled.get_data(as_text=True), "the address typed is kept"

    sent = post_form(owner, "/sign-in/link", {"email": "person@example.org"}, form_url="/sign-in")
    assert sent.status_code == 200
    assert "we have sent it a link to sign in" in text_of(sent)
    [message] = outbox(to="person@example.org")
    assert message.kind == "sign_in_link"
    link = link_in(message, "/sign-in/link/")

    # Opening the link (as a mail scanner might) does not use it up; the button signs in.
    assert owner.get(link).status_code == 200
    assert owner.get(link).status_code == 200
    response = post_form(owner, link, {})
    assert response.status_code == 302
    assert signed_in_as(owner) == "Pat Person"
    assert len(events(app, "user.signed_in_by_link", user_id)) == 1
    # Once only.
    again = app.test_client()
    assert again.get(link).status_code == 400
    assert "The link does not work" in text_of(again.get(link))


def test_a_sign_in_link_request_says_the_same_for_an_unknown_address(app, make_user, outbox):
    make_user()
    known = post_form(client_at(app, "198.51.100.1"), "/sign-in/link", {"email": "person@example.org"}, form_url="/sign-in")
    unknown = post_form(client_at(app, "198.51.100.2"), "/sign-in/link", {"email": "nobody@example.org"}, form_url="/sign-in")
    nonce = re.compile(r'nonce="[^"]+"')
    assert known.status_code == unknown.status_code == 200
    assert nonce.sub("", text_of(known).replace("person@example.org", "A")) == nonce.sub(
        "", text_of(unknown).replace("nobody@example.org", "A")
    )
    assert [message.to_address for message in outbox()] == ["person@example.org"]


def test_a_sign_in_link_stops_working_after_a_password_sign_in_and_when_expired(app, make_user, outbox):
    make_user()
    browser = client_at(app, "198.51.100.3")
    post_form(browser, "/sign-in/link", {"email": "person@example.org"}, form_url="/sign-in")
    link = link_in(outbox(to="person@example.org")[0], "/sign-in/link/")
    assert app.test_client().get(link).status_code == 200
    app.config["SIGN_IN_LINK_MAX_AGE"] = -1
    expired = app.test_client().get(link)
    assert expired.status_code == 400 and "The link has expired" in text_of(expired)
    app.config["SIGN_IN_LINK_MAX_AGE"] = 900
    login(app.test_client(), "person@example.org")
    assert app.test_client().get(link).status_code == 400


def test_sign_in_link_requests_are_limited_per_address(app, make_user, outbox):
    make_user()
    for number in range(3):
        browser = client_at(app, f"198.51.100.{number + 10}")
        assert post_form(browser, "/sign-in/link", {"email": "person@example.org"}, form_url="/sign-in").status_code == 200
    browser = client_at(app, "198.51.100.50")
    assert post_form(browser, "/sign-in/link", {"email": "person@example.org"}, form_url="/sign-in").status_code == 429
    assert len(outbox(to="person@example.org")) == 3


# --- password reset --------------------------------------------------------------------------


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(app, client, make_user, outbox):
    make_user()
    known = post_form(client, "/password/forgot", {"email": "person@example.org"})
    unknown = post_form(client, "/password/forgot", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    known_page = text_of(known).replace("person@example.org", "ADDRESS")
    unknown_page = text_of(unknown).replace("nobody@example.org", "ADDRESS")
    # Pages differ only in their per-request CSP nonce.
    nonce = re.compile(r'nonce="[^"]+"')
    assert nonce.sub("", known_page) == nonce.sub("", unknown_page)

    messages = outbox()
    assert [message.to_address for message in messages] == ["person@example.org"]
    assert messages[0].kind == "reset_password"


def test_forgot_password_needs_an_address(app, client):
    response = post_form(client, "/password/forgot", {"email": ""})
    assert field_error(text_of(response), "email") == "Enter your email address"


def _reset_link(client, outbox, email="person@example.org") -> str:
    post_form(client, "/password/forgot", {"email": email})
    return link_in(outbox(to=email)[-1], "/password/reset/")


def test_a_reset_link_changes_the_password_once(app, client, make_user, outbox):
    user_id = make_user()
    link = _reset_link(client, outbox)
    assert client.get(link).status_code == 200

    response = post_form(client, link, {"new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    assert len(events(app, "user.password_changed", user_id)) == 1

    # The link is spent: the hash it was made from has changed.
    again = client.get(link)
    assert again.status_code == 400
    assert "already used" in text_of(again)

    assert login(app.test_client(), "person@example.org", PASSWORD).status_code == 200
    assert login(app.test_client(), "person@example.org", NEW_PASSWORD).status_code == 302


def test_a_reset_link_refuses_a_weak_password(app, client, make_user, outbox):
    make_user()
    link = _reset_link(client, outbox)
    response = post_form(client, link, {"new_password": "password1234"})
    assert response.status_code == 200
    assert field_error(text_of(response), "new_password")
    assert login(app.test_client(), "person@example.org", PASSWORD).status_code == 302


def test_a_reset_link_signs_out_sessions_elsewhere(app, client, make_user, outbox):
    make_user()
    laptop = app.test_client()
    login(laptop, "person@example.org")
    assert laptop.get("/account").status_code == 200
    link = _reset_link(client, outbox)
    post_form(client, link, {"new_password": NEW_PASSWORD})
    response = laptop.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_an_expired_reset_link_is_refused(app, client, make_user, outbox, monkeypatch):
    make_user()
    link = _reset_link(client, outbox)
    now = int(time.time())
    with monkeypatch.context() as later:
        later.setattr(TimestampSigner, "get_timestamp", lambda self: now + 2 * 3600)
        response = app.test_client().get(link)
    assert response.status_code == 400
    page = text_of(response)
    assert "The link has expired" in page
    assert "work for 60 minutes" in page


def test_a_tampered_reset_link_is_refused(app, client, make_user, outbox):
    make_user()
    link = _reset_link(client, outbox)
    response = client.get(link[:-3] + "xyz")
    assert response.status_code == 400
    assert "The link does not work" in text_of(response)


def test_a_reset_link_confirms_the_address_it_was_sent_to(app, client, make_user, outbox):
    make_user(verified=False)
    link = _reset_link(client, outbox)
    post_form(client, link, {"new_password": NEW_PASSWORD})
    assert user_by_email(app, "person@example.org").email_verified_at is not None


def test_a_reset_link_for_an_old_address_does_not_confirm_the_new_one(app, client, make_user, outbox):
    # The link went to the old address: following it proves nothing about the new one.
    make_user(verified=False)
    link = _reset_link(client, outbox)
    login(client, "person@example.org")
    post_form(client, "/account/email", {"email": "someone.else@example.org", "password": PASSWORD})
    other = app.test_client()
    post_form(other, link, {"new_password": NEW_PASSWORD})
    assert user_by_email(app, "someone.else@example.org").email_verified_at is None


# --- change password -------------------------------------------------------------------------


def test_change_password_needs_the_current_one(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    response = post_form(
        client, "/account/password", {"current_password": "not-my-password", "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert field_error(text_of(response), "current_password") == "Your current password is not correct"
    assert login(app.test_client(), "person@example.org", PASSWORD).status_code == 302


def test_change_password_refuses_a_weak_new_one(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    response = post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": "qwertyuiop"})
    assert response.status_code == 200
    assert field_error(text_of(response), "new_password")


def test_change_password_signs_out_other_devices_but_not_this_one(app, client, make_user):
    user_id = make_user()
    with app.app_context():
        old_session_id = db.session.get(User, user_id).session_id
    login(client, "person@example.org")
    phone = app.test_client()
    login(phone, "person@example.org")
    assert phone.get("/account").status_code == 200

    response = post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    page = client.get("/account")
    assert page.status_code == 200
    assert "signed out on other devices" in text_of(page)

    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.session_id != old_session_id
        assert user.check_password(NEW_PASSWORD)
    response = phone.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_a_remembered_device_is_signed_out_by_a_password_change(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    phone = app.test_client()
    token = csrf_token(phone, "/sign-in")
    phone.post(
        "/sign-in", data={"csrf_token": token, "email": "person@example.org", "password": PASSWORD, "remember": "y"}
    )
    assert phone.get_cookie("remember_token") is not None
    post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    # Even with the session cookie gone, the remember cookie does not bring it back.
    phone.delete_cookie("session")
    assert phone.get("/account").status_code == 302


# --- change email ----------------------------------------------------------------------------


def test_change_email_needs_the_password(app, client, make_user, outbox):
    make_user()
    login(client, "person@example.org")
    response = post_form(client, "/account/email", {"email": "new@example.org", "password": "not-my-password"})
    assert response.status_code == 200
    assert field_error(text_of(response), "password") == "Your password is not correct"
    assert user_by_email(app, "person@example.org") is not None
    assert outbox() == []


def test_change_email_to_one_that_is_taken(app, client, make_user, outbox):
    make_user()
    make_user(email="taken@example.org", name="Tay Ken")
    login(client, "person@example.org")
    response = post_form(client, "/account/email", {"email": "Taken@Example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert field_error(text_of(response), "email") == "An account with this email address already exists"
    assert user_by_email(app, "person@example.org").email_verified_at is not None
    assert outbox() == []


def test_change_email_to_the_same_address(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    response = post_form(client, "/account/email", {"email": "PERSON@example.org", "password": PASSWORD})
    assert field_error(text_of(response), "email") == "That is already your email address"


def test_change_email_marks_the_new_address_unconfirmed_and_sends_it_a_link(app, client, make_user, outbox):
    user_id = make_user()
    login(client, "person@example.org")
    response = post_form(client, "/account/email", {"email": " New.Address@Example.org ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.email == "new.address@example.org"
        assert user.email_verified_at is None
    assert len(events(app, "user.email_changed", user_id)) == 1
    assert outbox(to="person@example.org") == []
    message = outbox(to="new.address@example.org")[0]
    assert message.kind == "verify_email"
    assert client.get(link_in(message, "/verify-email/")).status_code == 302
    assert user_by_email(app, "new.address@example.org").email_verified_at is not None
    # The old address no longer signs in; the new one does.
    assert login(app.test_client(), "person@example.org").status_code == 200
    assert login(app.test_client(), "new.address@example.org").status_code == 302


# --- delete account --------------------------------------------------------------------------


def test_delete_account_needs_the_password(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    response = post_form(client, "/account/delete", {"password": "not-my-password", "confirm": "y"})
    assert response.status_code == 200
    assert field_error(text_of(response), "password") == "Your password is not correct"
    assert count(app, User) == 1


def test_delete_account_needs_the_box_ticked(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    response = post_form(client, "/account/delete", {"password": PASSWORD})
    assert response.status_code == 200
    assert field_error(text_of(response), "confirm") == "Confirm that you want to delete your account"
    assert count(app, User) == 1


def test_delete_account_removes_the_person_and_keeps_the_organisation(app, client, make_user, make_organisation):
    owner_id = make_user(email="owner@example.org", name="Olu Owner")
    member_id = make_user(email="member@example.org", name="Mo Member")
    organisation_id = make_organisation(owner_id)
    with app.app_context():
        db.session.add(Membership(organisation_id=organisation_id, user_id=member_id, is_owner=False))
        db.session.commit()
    # Something queued for the owner that has not gone yet.
    with app.app_context():
        from models.core.mail import queue_email

        queue_email("owner@example.org", "Later", "A message", kind="notification")
        queue_email("member@example.org", "Later", "A message", kind="notification")
        db.session.commit()
    owner_events = count(app, Event, Event.actor_id == owner_id)
    assert owner_events >= 2

    login(client, "owner@example.org")
    response = post_form(client, "/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in_as(client) is None

    with app.app_context():
        assert db.session.get(User, owner_id) is None
        assert db.session.get(Organisation, organisation_id) is not None
        assert db.session.get(Organisation, organisation_id).created_by_id is None
        memberships = db.session.scalars(select(Membership).where(Membership.organisation_id == organisation_id)).all()
        assert [(m.user_id, m.is_owner) for m in memberships] == [(member_id, True)]
        assert db.session.scalars(select(EmailMessage.to_address)).all() == ["member@example.org"]
        # Their history stays, without them.
        assert db.session.scalar(select(func.count()).select_from(Event).where(Event.actor_id == owner_id)) == 0
        kept = db.session.scalars(
            select(Event).where(Event.subject_type == "users", Event.subject_id == str(owner_id))
        ).all()
        actions = [event.action for event in kept]
        assert "user.registered" in actions and "user.deleted" in actions
        assert all(event.actor_id is None for event in kept)
        assert kept[0].actor_label == "System or deleted account"
    assert login(app.test_client(), "owner@example.org").status_code == 200


def test_delete_account_of_a_sole_owner_keeps_the_organisation(app, client, make_user, make_organisation):
    owner_id = make_user()
    organisation_id = make_organisation(owner_id)
    login(client, "person@example.org")
    assert post_form(client, "/account/delete", {"password": PASSWORD, "confirm": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, owner_id) is None
        assert db.session.get(Organisation, organisation_id) is not None
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 0
        assert db.session.scalar(
            select(func.count()).select_from(Event).where(Event.action == "organisation.member_left")
        ) == 1


def test_the_only_administrator_cannot_delete_themselves(app, client, make_user):
    admin_id = make_user(email="admin@example.org", role=Role.ADMIN)
    login(client, "admin@example.org")
    response = post_form(client, "/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 200
    assert "You are the only administrator" in text_of(response)
    with app.app_context():
        assert db.session.get(User, admin_id) is not None
    assert signed_in_as(client) == "Pat Person"


def test_an_administrator_can_delete_themselves_when_there_is_another(app, client, make_user):
    admin_id = make_user(email="admin@example.org", role=Role.ADMIN)
    make_user(email="admin2@example.org", role=Role.ADMIN, name="Second Admin")
    login(client, "admin@example.org")
    assert post_form(client, "/account/delete", {"password": PASSWORD, "confirm": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, admin_id) is None


# --- the wrong people ------------------------------------------------------------------------

PROTECTED = [
    "/account",
    "/account/details",
    "/account/email",
    "/account/password",
    "/account/delete",
    "/organisations/",
    "/organisations/new",
    "/officers/",
    "/officers/organisations",
    "/officers/outbox",
    "/officers/audit",
    "/admin/",
    "/admin/wards",
    "/admin/themes",
    "/admin/users",
    "/admin/settings",
]
OFFICER_PAGES = [path for path in PROTECTED if path.startswith("/officers/")]
ADMIN_PAGES = [path for path in PROTECTED if path.startswith("/admin/")]


@pytest.mark.parametrize("path", PROTECTED)
def test_an_anonymous_visitor_is_sent_to_sign_in(app, client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == [path]


@pytest.mark.parametrize("path", PROTECTED)
def test_an_anonymous_json_request_gets_401(app, client, path):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 401


@pytest.mark.parametrize("path", OFFICER_PAGES + ADMIN_PAGES)
def test_a_resident_is_refused_officer_and_admin_pages(app, client, make_user, path):
    make_user()
    login(client, "person@example.org")
    response = client.get(path)
    assert response.status_code == 403
    assert "You do not have permission" in text_of(response)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_an_officer_is_refused_admin_pages(app, client, make_user, path):
    make_user(email="officer@example.org", role=Role.OFFICER)
    login(client, "officer@example.org")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", OFFICER_PAGES)
def test_an_officer_sees_officer_pages(app, client, make_user, path):
    make_user(email="officer@example.org", role=Role.OFFICER)
    login(client, "officer@example.org")
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", OFFICER_PAGES + ADMIN_PAGES)
def test_an_admin_sees_officer_and_admin_pages(app, client, make_user, path):
    make_user(email="admin@example.org", role=Role.ADMIN)
    login(client, "admin@example.org")
    assert client.get(path).status_code == 200


def test_an_unverified_person_cannot_register_an_organisation_yet(app, client, make_user):
    make_user(verified=False)
    login(client, "person@example.org")
    response = client.get("/organisations/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert "Confirm your email address first" in text_of(client.get("/account"))
    # Nor by posting the form directly.
    token = csrf_token(client, "/account")
    response = client.post("/organisations/new", data={"csrf_token": token, "kind": "vcse"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


def test_a_verified_person_can_start_registering_an_organisation(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    assert client.get("/organisations/new").status_code == 200


def test_a_role_change_signs_the_person_out(app, client, make_user):
    from models.people.accounts import set_role

    admin_id = make_user(email="admin@example.org", role=Role.ADMIN)
    officer_id = make_user(email="officer@example.org", role=Role.OFFICER)
    login(client, "officer@example.org")
    assert client.get("/officers/").status_code == 200
    with app.app_context():
        set_role(db.session.get(User, officer_id), Role.RESIDENT, db.session.get(User, admin_id))
        db.session.commit()
    assert client.get("/officers/").status_code == 302


# --- the command line ------------------------------------------------------------------------


def test_create_admin_makes_a_verified_administrator(app, runner):
    result = runner.invoke(
        args=["users", "create-admin", "--email", "Chief@Brent.example", "--name", "Chidi Chief", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert "chief@brent.example is an administrator." in result.output
    user = user_by_email(app, "chief@brent.example")
    assert user.role == Role.ADMIN.value
    assert user.email_verified_at is not None
    assert user.check_password(PASSWORD)
    client = app.test_client()
    login(client, "chief@brent.example")
    assert client.get("/admin/").status_code == 200


def test_create_admin_twice_promotes_instead_of_duplicating(app, runner, make_user):
    make_user(email="existing@example.org", verified=False)
    args = ["users", "create-admin", "--email", "existing@example.org", "--name", "Ignored", "--password", NEW_PASSWORD]
    for _ in range(2):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    assert count(app, User) == 1
    user = user_by_email(app, "existing@example.org")
    assert user.role == Role.ADMIN.value
    assert user.email_verified_at is not None


def test_create_admin_with_a_weak_password_fails(app, runner):
    result = runner.invoke(
        args=["users", "create-admin", "--email", "chief@brent.example", "--name", "Chidi Chief", "--password", "password"]
    )
    assert result.exit_code == 1
    assert "Error: Password must be 10 characters or more" in result.output
    assert count(app, User) == 0


# --- details and hashes ----------------------------------------------------------------------


def test_change_details_sets_the_name_and_ward(app, client, make_user, places):
    user_id = make_user()
    login(client, "person@example.org")
    response = post_form(client, "/account/details", {"name": "  Pat Okoro ", "postcode": "nw10 8ab"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.name, user.postcode, user.ward.code) == ("Pat Okoro", "NW10 8AB", "E05013501")
    assert len(events(app, "user.details_changed", user_id)) == 1

    # Clearing the postcode takes the person out of the ward.
    post_form(client, "/account/details", {"name": "Pat Okoro", "postcode": ""})
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.postcode, user.ward_id) == (None, None)


def test_change_details_with_a_postcode_elsewhere_keeps_the_old_one(app, client, make_user, places):
    user_id = make_user()
    login(client, "person@example.org")
    post_form(client, "/account/details", {"name": "Pat Person", "postcode": "NW10 8AB"})
    response = post_form(client, "/account/details", {"name": "Pat Renamed", "postcode": "SW1A 1AA"})
    assert response.status_code == 200
    page = text_of(response)
    assert field_error(page, "postcode") == "SW1A 1AA is not in this council's area. Check the postcode you entered."
    assert 'value="Pat Renamed"' in page
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.name, user.postcode) == ("Pat Person", "NW10 8AB")


def test_change_details_refuses_an_empty_name(app, client, make_user):
    user_id = make_user()
    login(client, "person@example.org")
    response = post_form(client, "/account/details", {"name": "   ", "postcode": ""})
    assert field_error(text_of(response), "name") == "Enter your name"
    with app.app_context():
        assert db.session.get(User, user_id).name == "Pat Person"


def test_sign_in_upgrades_an_old_weaker_hash(app, client, make_user):
    from argon2 import PasswordHasher

    user_id = make_user()
    with app.app_context():
        user = db.session.get(User, user_id)
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
        db.session.commit()
    assert login(client, "person@example.org").status_code == 302
    with app.app_context():
        new_hash = db.session.get(User, user_id).password_hash
    assert "m=8192" not in new_hash and new_hash.startswith("$argon2id$")
    assert login(app.test_client(), "person@example.org").status_code == 302


def test_register_accepts_a_long_passphrase(app, client):
    phrase = "the tall lantern by the canal at harlesden glows purple every thursday night and friday too"
    assert 72 < len(phrase) <= 128
    response = register(client, password=phrase)
    assert "Check your email" in text_of(response)
    assert login(app.test_client(), "amara@example.org", phrase).status_code == 302
