"""Security headers on every response, CSRF on every form, session cookie
flags, and Markdown sanitising (brokerage/markdown.py)."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from markupsafe import Markup

from brokerage.markdown import render_markdown
from tests.factories import PASSWORD, csrf_token, login, post_form

SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
NONCE_IN_CSP = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_\-]+)'")


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else "" for part in policy.split("; ")}


# --- headers ---------------------------------------------------------------------------------


def test_a_page_has_the_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers, "HSTS only in production"

    directives = csp_directives(response)
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert "unsafe-eval" not in directives["script-src"]
    assert "unsafe-inline" not in directives["style-src"]


def test_every_inline_script_carries_the_csp_nonce(client):
    response = client.get("/")
    nonce = NONCE_IN_CSP.search(response.headers["Content-Security-Policy"]).group(1)
    assert len(nonce) >= 16
    page = response.get_data(as_text=True)
    scripts = SCRIPT.findall(page)
    inline = [attributes for attributes in scripts if "src=" not in attributes]
    assert inline, "the GOV.UK template has an inline script (js-enabled)"
    for attributes in inline:
        assert f'nonce="{nonce}"' in attributes, attributes
    # Scripts loaded from a file come from this site.
    for attributes in scripts:
        source = re.search(r'src="([^"]+)"', attributes)
        if source:
            assert source.group(1).startswith("/static/"), source.group(1)


def test_the_nonce_changes_with_every_response(client):
    nonces = {
        NONCE_IN_CSP.search(client.get("/").headers["Content-Security-Policy"]).group(1) for _ in range(3)
    }
    assert len(nonces) == 3


@pytest.mark.parametrize("path", ["/no-such-page", "/account", "/sign-in", "/static/images/favicon.svg"])
def test_headers_on_errors_redirects_and_files_too(client, path):
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_an_error_page_has_a_matching_nonce(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    nonce = NONCE_IN_CSP.search(response.headers["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)


def test_production_adds_strict_transport_security(app, client):
    app.config["APP_ENV"] = "production"
    response = client.get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")


# --- CSRF and cookies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, data",
    [
        ("/register", {"name": "Amara Okafor", "email": "amara@example.org", "password": PASSWORD}),
        ("/sign-in", {"email": "person@example.org", "password": PASSWORD}),
        ("/password/forgot", {"email": "person@example.org"}),
    ],
)
def test_a_form_without_its_csrf_token_is_refused(app, client, make_user, path, data):
    make_user()
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "The form had expired or was sent from somewhere else" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path, data",
    [
        ("/account/email", {"email": "new@example.org", "password": PASSWORD}),
        ("/account/password", {"current_password": PASSWORD, "new_password": "purple-otter-lantern-fjord"}),
        ("/account/delete", {"password": PASSWORD, "confirm": "y"}),
        ("/account/details", {"name": "Someone Else"}),
        ("/verify-email/resend", {}),
    ],
)
def test_signed_in_forms_without_a_csrf_token_are_refused(app, client, make_user, path, data):
    from models import User, db

    user_id = make_user()
    with app.app_context():
        before = db.session.get(User, user_id)
        snapshot = (before.email, before.name, before.password_hash)
    login(client, "person@example.org")
    assert client.post(path, data=data).status_code == 400
    with app.app_context():
        after = db.session.get(User, user_id)
        assert after is not None
        assert (after.email, after.name, after.password_hash) == snapshot


def test_a_csrf_token_from_another_session_is_refused(app, client, make_user):
    make_user()
    attacker = app.test_client()
    token = csrf_token(attacker, "/sign-in")
    login(client, "person@example.org")
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 400
    assert client.get("/account").status_code == 200, "still signed in"


def test_a_csrf_token_signed_with_another_key_is_refused(app, client, make_user):
    make_user()
    good = csrf_token(client, "/sign-in")
    forged = good[:-4] + ("abcd" if not good.endswith("abcd") else "wxyz")
    response = client.post("/sign-in", data={"csrf_token": forged, "email": "person@example.org", "password": PASSWORD})
    assert response.status_code == 400


def test_the_session_cookie_is_http_only_and_same_site(app, client, make_user):
    make_user()
    response = login(client, "person@example.org")
    cookies = [value for key, value in response.headers.items() if key == "Set-Cookie"]
    session = next(cookie for cookie in cookies if cookie.startswith("session="))
    assert "HttpOnly" in session
    assert "SameSite=Lax" in session


def test_the_remember_cookie_is_http_only(app, client, make_user):
    make_user()
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"csrf_token": token, "email": "person@example.org", "password": PASSWORD, "remember": "y"}
    )
    cookies = [value for key, value in response.headers.items() if key == "Set-Cookie"]
    remember = next(cookie for cookie in cookies if cookie.startswith("remember_token="))
    assert "HttpOnly" in remember


def test_production_cookies_are_secure_by_default():
    from brokerage.config import from_environment

    settings = from_environment({"APP_ENV": "production", "SECRET_KEY": "x" * 40, "IDENTITY_HASH_KEY": "k" * 40, "BASE_URL": "https://sv.example.gov.uk"}, "/tmp")
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        from_environment({"APP_ENV": "production"}, "/tmp")


def test_a_page_rendering_user_input_escapes_it(app, client):
    name = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = post_form(client, "/register", {"name": name, "email": "amara@example.org", "password": PASSWORD})
    assert response.status_code == 200
    login(client, "amara@example.org")
    page = client.get("/account").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert" in page


# --- Markdown --------------------------------------------------------------------------------


def test_markdown_renders_formatting():
    html = render_markdown("## Heading\n\nSome **bold** and *soft* text.\n\n- one\n- two\n")
    assert isinstance(html, Markup)
    assert "<h2>Heading</h2>" in html
    assert "<strong>bold</strong>" in html
    assert "<em>soft</em>" in html
    assert "<li>one</li>" in html


def test_markdown_renders_tables():
    html = render_markdown("| Item | Cost |\n| --- | --- |\n| Chairs | £200 |\n")
    assert "<table>" in html and "<td>Chairs</td>" in html


@pytest.mark.parametrize("text", [None, ""])
def test_markdown_of_nothing_is_empty(text):
    assert render_markdown(text) == Markup("")


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Hello <script src='https://evil.example/x.js'></script> world",
        "<SCRIPT>alert(1)</SCRIPT>",
        "```\n</code></pre><script>alert(1)</script>\n```",
        "<scr<script>ipt>alert(1)</script>",
    ],
)
def test_markdown_removes_scripts(text):
    html = render_markdown(text)
    assert "<script" not in html.lower()
    assert "</script" not in html.lower()


@pytest.mark.parametrize(
    "text, banned",
    [
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
        ("<div style='position:fixed'>Overlay</div>", "<div"),
        ("<form action='https://evil.example'><input name=p></form>", "<form"),
        ("<object data='x.swf'></object>", "<object"),
        ("<style>body{display:none}</style>", "<style"),
        ("<svg onload=alert(1)>", "<svg"),
        ("<p style='color:red'>Red</p>", "style="),
        ("<a href='https://example.org' onclick='alert(1)'>x</a>", "onclick"),
        ("<!-- a comment -->text", "<!--"),
        ("<h1>Big</h1>", "<h1"),
    ],
)
def test_markdown_removes_raw_html(text, banned):
    assert banned not in render_markdown(text).lower()


@pytest.mark.parametrize(
    "text",
    [
        "<img src=x onerror=alert(1)>",
        '<img src="x" onerror="alert(1)">',
        "![pic](x.png\" onerror=\"alert(1))",
        "<p onmouseover=alert(1)>hover</p>",
    ],
)
def test_markdown_removes_event_handlers(text):
    html = render_markdown(text).lower()
    assert "onerror" not in html
    assert "onmouseover" not in html
    assert "<img" not in html


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "[click](java\tscript:alert(1))",
        "<a href='javascript:alert(1)'>click</a>",
        "<a href='vbscript:msgbox(1)'>click</a>",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<javascript:alert(1)>",
        "[click][ref]\n\n[ref]: javascript:alert(1)",
    ],
)
def test_markdown_removes_dangerous_links(text):
    for href in re.findall(r'href="([^"]*)"', str(render_markdown(text))):
        # The scheme as a browser reads it: entities decoded, tabs and newlines
        # dropped, leading spaces and control characters trimmed.
        seen = re.sub(r"^[\x00-\x20]+", "", re.sub(r"[\t\n\r]", "", html_lib.unescape(href))).lower()
        scheme = re.match(r"([a-z][a-z0-9+.\-]*):", seen)
        assert scheme is None or scheme.group(1) in {"http", "https", "mailto"}, href


def test_markdown_links_get_rel_nofollow():
    html = render_markdown("See [our site](https://example.org/about) and <https://example.org/x>.")
    links = re.findall(r"<a [^>]*>", html)
    assert len(links) == 2
    for link in links:
        assert re.search(r'rel="[^"]*\bnofollow\b', link), link
        assert "noopener" in link and "noreferrer" in link
    assert 'href="https://example.org/about"' in html


def test_markdown_keeps_a_link_title_and_mailto():
    html = render_markdown('[Email us](mailto:hub@example.org "Write to the hub")')
    assert 'href="mailto:hub@example.org"' in html
    assert 'title="Write to the hub"' in html


def test_markdown_replaces_a_rel_the_author_set():
    html = render_markdown('<a href="https://example.org" rel="opener">x</a>')
    assert 'rel="nofollow noopener noreferrer"' in html
    assert 'rel="opener"' not in html


def test_markdown_escapes_text_that_looks_like_html():
    html = render_markdown("Costs < £5 & > £1")
    assert "&lt;" in html and "&amp;" in html


@pytest.mark.parametrize("path", ["/needs/{}", "/rounds/{}", "/rounds/{}/results", "/organisations/{}"])
def test_ids_too_big_for_a_column_are_not_found_rather_than_an_error(client, path):
    for number in (2**31, 2**63, 10**30):
        assert client.get(path.format(number)).status_code == 404
