"""The service in Welsh (brokerage/i18n.py): Accept-Language as the first guess, the header's
switcher (a cookie for everyone, the account for signed-in people), lang on every page,
Babel's dates and money, and emails in the recipient's language."""

from __future__ import annotations

import html
from datetime import date, datetime

from models import Event, User, db
from tests import factories
from tests.factories import PASSWORD, count, csrf_token, post_form, signed_in


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_english_by_default_with_the_switcher_offering_welsh(client):
    text = page(client.get("/"))
    assert '<html lang="en"' in text
    assert "Social value that reaches your community" in text
    assert 'lang="cy" hreflang="cy"' in text and ">Cymraeg</a>" in text
    assert '<span aria-current="true" lang="en">English</span>' in text


def test_accept_language_is_the_first_guess(client):
    text = page(client.get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"}))
    assert '<html lang="cy"' in text
    assert "Gwerth cymdeithasol sy’n cyrraedd eich cymuned" in text
    assert "Neidio i’r prif gynnwys" in text
    # A language the council does not offer: English.
    assert '<html lang="en"' in page(client.get("/", headers={"Accept-Language": "fr-FR,fr"}))


def test_the_switcher_keeps_the_page_and_sets_a_cookie_for_visitors(client):
    response = client.get("/language/cy?next=/needs?q=pantry")
    assert response.status_code == 302
    assert response.headers["Location"] == "/needs?q=pantry"
    assert "language=cy" in response.headers["Set-Cookie"]
    text = page(client.get("/needs?q=pantry"))
    assert '<html lang="cy"' in text
    assert "Anghenion cymunedol" in text
    assert "Mae problem wedi codi" not in text
    # The cookie beats the browser's guess; switching back works the same way.
    assert '<html lang="cy"' in page(client.get("/", headers={"Accept-Language": "en"}))
    client.get("/language/en?next=/")
    assert '<html lang="en"' in page(client.get("/"))


def test_the_switcher_never_sends_anyone_off_site_and_knows_only_offered_languages(client):
    assert client.get("/language/cy?next=https://evil.example/").headers["Location"] == "/"
    assert client.get("/language/cy?next=//evil.example/").headers["Location"] == "/"
    assert client.get("/language/fr?next=/").status_code == 404


def test_a_signed_in_persons_choice_is_saved_on_their_account(app):
    with app.app_context():
        person = factories.user("gwen@example.org", "Gwen Jones")
        db.session.commit()
        person_id = person.id
    client = signed_in(app, "gwen@example.org")
    token = csrf_token(client, "/")
    response = client.get(f"/language/cy?next=/account&token={token}")
    assert response.headers["Location"] == "/account"
    with app.app_context():
        assert db.session.get(User, person_id).locale == "cy"
        assert count(app, Event, Event.action == "user.language_chosen") == 1
    # On another device (no cookie, an English browser) the pages are in Welsh.
    other = signed_in(app, "gwen@example.org")
    other.delete_cookie("language")
    text = page(other.get("/", headers={"Accept-Language": "en"}))
    assert '<html lang="cy"' in text and "Wedi mewngofnodi fel Gwen Jones" in text


def test_a_link_from_another_site_cannot_change_the_account(app):
    with app.app_context():
        factories.user("gwen@example.org", "Gwen Jones")
        db.session.commit()
    client = signed_in(app, "gwen@example.org")
    client.get("/language/cy?next=/")  # no token: the cookie only
    with app.app_context():
        assert db.session.query(User).filter_by(email="gwen@example.org").one().locale is None


def test_errors_and_form_messages_in_welsh(client):
    client.set_cookie("language", "cy")
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "Heb ddod o hyd i’r dudalen" in page(missing)
    response = post_form(client, "/sign-in", {"email": "", "password": ""})
    text = page(response)
    assert "Mae problem wedi codi" in text
    assert "Rhowch eich cyfeiriad e-bost" in text
    assert "Gwall: Mewngofnodi" in text


def test_dates_and_money_follow_the_language(app):
    from flask_babel import force_locale

    from brokerage.templating import format_date, format_datetime, format_pence

    with app.test_request_context("/"):
        assert format_pence(180000) == "£1,800"
        assert format_date(date(2026, 3, 5)) == "5 March 2026"
        assert format_datetime(datetime(2026, 7, 1, 13, 30)) == "1 July 2026 at 2:30pm"
        with force_locale("cy"):
            assert format_pence(180000) == "£1,800"
            assert format_pence(180050) == "£1,800.50"
            assert format_date(date(2026, 3, 5)) == "5 Mawrth 2026"
            assert format_datetime(datetime(2026, 7, 1, 13, 30)).startswith("1 Gorffennaf 2026 am 2:30")


def test_registering_in_welsh_sends_the_confirmation_in_welsh(app, client, outbox):
    client.set_cookie("language", "cy")
    post_form(client, "/register", {"name": "Gwen Jones", "email": "gwen@example.org", "password": PASSWORD, "postcode": ""})
    with app.app_context():
        assert db.session.query(User).filter_by(email="gwen@example.org").one().locale == "cy"
    message = outbox(to="gwen@example.org")[-1]
    assert message.subject == "Cadarnhewch eich cyfeiriad e-bost"
    assert "Annwyl Gwen Jones," in message.text_body
    assert "Mae’r ddolen yn gweithio am" in message.text_body
    assert '<html lang="cy">' in message.html_body


def test_an_email_goes_out_in_the_recipients_language_whatever_the_page(app, client, outbox):
    with app.app_context():
        person = factories.user("gwen@example.org", "Gwen Jones")
        person.locale = "cy"
        factories.user("pat@example.org", "Pat Person")
        db.session.commit()
    # Asked from an English page: Gwen's reset email is in Welsh, Pat's in English.
    for email in ("gwen@example.org", "pat@example.org"):
        post_form(client, "/password/forgot", {"email": email})
    welsh = outbox(to="gwen@example.org")[-1]
    assert welsh.subject == "Ailosod eich cyfrinair"
    assert "Gofynnodd rhywun am ailosod y cyfrinair" in welsh.text_body and '<html lang="cy">' in welsh.html_body
    assert outbox(to="pat@example.org")[-1].subject == "Reset your password"


def test_the_resident_pages_in_welsh(app, client, places):
    from datetime import timedelta

    with app.app_context():
        factories.themes()
        officer = factories.officer()
        owner = factories.user("owner@example.org", "Olu Owner")
        group = factories.organisation(owner, officer=officer)
        ward = factories.ward(code="E05013501")
        made = factories.need(group, owner, officer=officer, status="published", ward_id=ward.id,
                              theme_id=factories.first_theme_id(), deadline=date.today() + timedelta(days=60),
                              value_pence=180000)
        db.session.commit()
        need_id, ward_code = made.id, ward.code
    client.set_cookie("language", "cy")
    needs = page(client.get("/needs"))
    assert "Daethpwyd o hyd i 1 angen." in needs and "Amser gwirfoddoli" in needs and "Ar agor" in needs
    assert "gwerth £1,800" in needs
    need = page(client.get(f"/needs/{need_id}"))
    assert '<html lang="cy"' in need and "Yn gofyn am" in need and "Dyddiad cau" in need
    ward_page = page(client.get(f"/wards/{ward_code}"))
    assert "Anghenion agored" in ward_page and "Pleidleisiau ward" in ward_page
    assert "Does dim pleidleisiau ward" in page(client.get("/rounds"))


def test_flash_messages_in_welsh(app):
    with app.app_context():
        factories.user("gwen@example.org", "Gwen Jones")
        db.session.commit()
    client = signed_in(app, "gwen@example.org")
    client.set_cookie("language", "cy")
    response = post_form(client, "/sign-out", {}, form_url="/", follow_redirects=True)
    assert "Rydych wedi allgofnodi." in page(response)
