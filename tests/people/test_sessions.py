"""Sessions (ASVS V3): signing out ends the session on the server, the remember-me
cookie, re-authentication before officer and administrator work, and where each role
lands after signing in. Through the real views, with CSRF on."""

from __future__ import annotations

import html
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from brokerage.config import from_environment
from models import Ballot, Event, Need, Organisation, Role, User, db, utcnow
from models.people.landing import landing_for
from tests import factories
from tests.factories import PASSWORD, csrf_token, get, login, post_form


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def remembered(app, email: str = "person@example.org"):
    """A browser signed in with "keep me signed in" ticked."""
    browser = app.test_client()
    token = csrf_token(browser, "/sign-in")
    response = browser.post("/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    return browser, response


def copy_cookies(source, names) -> object:
    """Another browser holding copies of these cookies (an attacker who copied them)."""
    thief = source.application.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie"
        thief.set_cookie(name, cookie.value)
    return thief


# --- signing out ends the session on the server ----------------------------------------------


def test_a_copied_session_cookie_stops_working_after_sign_out(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    thief = copy_cookies(client, ["session"])
    assert thief.get("/account").status_code == 200, "the copy works while the session lasts"
    post_form(client, "/sign-out", {}, form_url="/")
    response = thief.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_a_copied_remember_cookie_stops_working_after_sign_out(app, make_user):
    user_id = make_user()
    browser, _ = remembered(app)
    thief = copy_cookies(browser, ["remember_token"])
    assert thief.get("/account").status_code == 200, "the remember cookie alone signs in"
    post_form(browser, "/sign-out", {}, form_url="/")
    # The thief's browser forgets its session: only the copied remember cookie is left.
    thief.delete_cookie("session")
    assert thief.get("/account").status_code == 302
    with app.app_context():
        actions = db.session.scalars(
            select(Event.action).where(Event.subject_id == str(user_id), Event.action == "user.signed_out")
        ).all()
    assert actions == ["user.signed_out"]


def test_signing_out_when_signed_out_does_nothing(app, client):
    response = post_form(client, "/sign-out", {}, form_url="/sign-in")
    assert response.status_code == 302


# --- the remember-me cookie ------------------------------------------------------------------


def test_the_remember_cookie_is_lax_http_only_and_lasts_thirty_days(app, make_user):
    make_user()
    _, response = remembered(app)
    [cookie] = [header for header in response.headers.getlist("Set-Cookie") if header.startswith("remember_token=")]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)


def test_the_remember_cookie_duration_and_security_come_from_the_environment(tmp_path):
    settings = from_environment({"APP_ENV": "development", "REMEMBER_COOKIE_DAYS": "7"}, str(tmp_path))
    assert settings["REMEMBER_COOKIE_DURATION"] == timedelta(days=7)
    production = from_environment(
        {"SECRET_KEY": "x" * 40, "IDENTITY_HASH_KEY": "k" * 40, "BASE_URL": "https://sv.example.gov.uk", "REAUTH_AFTER_HOURS": "2"}, str(tmp_path)
    )
    assert production["REMEMBER_COOKIE_SECURE"] is True
    assert production["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert production["REAUTH_AFTER_HOURS"] == 2
    with pytest.raises(ValueError, match="REAUTH_AFTER_HOURS must be a number of hours"):
        from_environment({"APP_ENV": "development", "REAUTH_AFTER_HOURS": "soon"}, str(tmp_path))


# --- re-authentication before officer and administrator work ---------------------------------


def _age_sign_in(browser, hours: float) -> None:
    with browser.session_transaction() as session:
        session["signed_in_at"] = int(time.time() - hours * 3600)


def test_an_officer_signed_in_long_ago_confirms_the_password_and_returns(app, client, make_user):
    make_user(email="officer@example.org", role=Role.OFFICER)
    login(client, "officer@example.org")
    assert client.get("/officers/organisations?status=verified").status_code == 200
    _age_sign_in(client, app.config["REAUTH_AFTER_HOURS"] + 1)

    response = client.get("/officers/organisations?status=verified")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in/confirm?next=")
    confirm_url = response.headers["Location"]
    page = client.get(confirm_url)
    assert page.status_code == 200
    assert "Confirm your password to continue" in text_of(page)
    assert 'autocomplete="current-password"' in page.get_data(as_text=True)

    wrong = post_form(client, confirm_url, {"password": "not-my-password"})
    assert wrong.status_code == 200
    assert "Your password is not correct" in text_of(wrong)
    right = post_form(client, confirm_url, {"password": PASSWORD})
    assert right.status_code == 302
    assert right.headers["Location"] == "/officers/organisations?status=verified"
    assert client.get("/officers/organisations?status=verified").status_code == 200


def test_a_recent_sign_in_is_not_asked_again(app, client, make_user):
    make_user(email="officer@example.org", role=Role.OFFICER)
    login(client, "officer@example.org")
    _age_sign_in(client, app.config["REAUTH_AFTER_HOURS"] - 1)
    assert client.get("/officers/").status_code == 200


def test_a_session_restored_from_the_remember_cookie_confirms_before_admin_work(app, make_user):
    make_user(role=Role.ADMIN)
    browser, _ = remembered(app)
    browser.delete_cookie("session")  # the browser was closed: only the remember cookie is left
    assert browser.get("/account").status_code == 200, "ordinary pages need no confirmation"
    response = browser.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in/confirm")
    post_form(browser, response.headers["Location"], {"password": PASSWORD})
    assert browser.get("/admin/").status_code == 200


def test_a_stale_officer_form_post_is_sent_to_confirm_and_back_to_the_form(app, client, make_user):
    make_user(email="officer@example.org", role=Role.OFFICER)
    login(client, "officer@example.org")
    token = csrf_token(client, "/officers/")
    _age_sign_in(client, 100)
    response = client.post(
        "/officers/organisations/1", data={"csrf_token": token}, headers={"Referer": "http://localhost/officers/organisations"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in/confirm?next=/officers/organisations"


def test_a_stale_json_request_gets_401(app, client, make_user):
    make_user(email="officer@example.org", role=Role.OFFICER)
    login(client, "officer@example.org")
    _age_sign_in(client, 100)
    response = client.get("/officers/", headers={"Accept": "application/json"})
    assert response.status_code == 401


def test_a_resident_is_still_refused_officer_pages_not_asked_to_confirm(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    _age_sign_in(client, 100)
    assert client.get("/officers/").status_code == 403


def test_confirming_ignores_a_next_page_on_another_site(app, client, make_user):
    make_user()
    login(client, "person@example.org")
    response = post_form(client, "/sign-in/confirm?next=//evil.example/", {"password": PASSWORD})
    assert response.headers["Location"] == "/account"


# --- registration checks every field at once -------------------------------------------------


def test_registration_shows_a_weak_password_with_the_other_errors(app, client):
    response = post_form(client, "/register", {"name": "", "email": "not-an-address", "password": "password123"})
    assert response.status_code == 200
    page = text_of(response)
    for field in ("name", "email", "password"):
        assert f'id="{field}-error"' in page, f"an error beside {field}"
    summary = page.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]
    assert "#password" in summary and "#name" in summary and "#email" in summary
    assert 'autocomplete="new-password"' in client.get("/register").get_data(as_text=True)
    assert 'autocomplete="current-password"' in client.get("/sign-in").get_data(as_text=True)


# --- where each role lands after signing in --------------------------------------------------


@pytest.fixture
def borough(app, places):
    """The matching borough as it was five weeks ago, so its commitment (due in six weeks
    then) is due in a week now, with nothing delivered: at risk."""
    return factories.matching_borough(app, today=date.today() - timedelta(weeks=5))


def _lands(app, email: str, next_page: str | None = None) -> str:
    browser = app.test_client()
    url = "/sign-in" + (f"?next={next_page}" if next_page else "")
    response = post_form(browser, url, {"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return response.headers["Location"]


def test_an_officer_lands_on_the_work_queue(app, borough):
    assert _lands(app, "officer@example.org") == "/officers/"


def test_a_supplier_with_commitments_at_risk_lands_on_its_dashboard(app, borough):
    assert _lands(app, "seller@example.org") == f"/suppliers/{borough['supplier']}"
    # A supplier with none at risk lands on the home page.
    assert _lands(app, "rival@example.org") == "/"


def test_a_group_with_pledges_to_decide_lands_on_its_pledges(app, borough):
    assert _lands(app, "owner@example.org") == "/", "nothing to decide yet"
    need_id = factories.matching_need(app, borough)
    with app.app_context():
        factories.pledge(get(Need, need_id), get(Organisation, borough["rival"]), get(User, borough["rival_member"]), 10)
        db.session.commit()
    assert _lands(app, "owner@example.org") == f"/groups/{borough['group']}/pledges"


def test_a_resident_with_an_open_vote_lands_on_it_until_they_have_voted(app, borough):
    with app.app_context():
        resident = get(User, borough["resident"])
        factories.living_in(resident, borough["harlesden"])
        now = utcnow()
        elsewhere = factories.inserted_round(borough["kilburn"], "Kilburn", state="open", budget_pence=100_00,
                                             opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1), max_choices=1)
        mine = factories.inserted_round(borough["harlesden"], "Harlesden", state="open", budget_pence=100_00,
                                        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=3), max_choices=1)
        db.session.commit()
        mine_id, elsewhere_id = mine.id, elsewhere.id
    assert _lands(app, "resident@example.org") == f"/rounds/{mine_id}"
    with app.app_context():
        db.session.add(Ballot(round_id=mine_id, voter_id=borough["resident"], kind="digital"))
        db.session.commit()
    assert _lands(app, "resident@example.org") == "/"
    assert elsewhere_id != mine_id


def test_a_safe_next_page_wins_over_the_landing(app, borough):
    assert _lands(app, "officer@example.org", next_page="/account") == "/account"
    assert _lands(app, "officer@example.org", next_page="https://evil.example/") == "/officers/"


def test_landing_for_someone_with_nothing_waiting_is_the_home_page(app, make_user):
    user_id = make_user()
    with app.app_context():
        landing = landing_for(get(User, user_id), utcnow(), date.today())
    assert landing.endpoint == "public.home"


def test_registering_one_address_again_and_again_is_limited(app, make_user, outbox):
    make_user(email="amara@example.org")
    for number in range(5):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"203.0.113.{number + 1}"
        response = post_form(browser, "/register", {"name": "A N Other", "email": "amara@example.org", "password": PASSWORD})
        assert response.status_code == 200
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "203.0.113.99"
    response = post_form(browser, "/register", {"name": "A N Other", "email": "amara@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert len(outbox(to="amara@example.org")) == 5
