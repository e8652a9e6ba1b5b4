"""Public pages kept for signed-out readers (brokerage/page_cache.py): served again without
rendering or a query, each with its own CSP nonce, and never out of date after a change made
by this app, by another process, or by the clock; never kept for a signed-in reader, a page
that sets a cookie, another language, or when Redis is down. A signed-in reader of a page
that is the same for everyone gets it with their own header, and nobody else's."""

from __future__ import annotations

import re

import pytest
from flask import flash
from sqlalchemy import select

from brokerage import create_app
from models import Organisation, OrganisationKind, User, db
from models.needs.rules import close_need
from tests import factories
from tests.conftest import _config
from tests.factories import get, recorded_queries, signed_in


@pytest.fixture
def world(app):
    with app.app_context():
        factories.themes()
        owner = factories.user("owner@example.org", "Olu Owner")
        group = factories.organisation(owner, OrganisationKind.VCSE)
        officer = factories.officer()
        first = factories.need(group, owner, "Paint for the youth club", officer=officer,
                               theme_id=factories.first_theme_id())
        db.session.commit()
        return {"group": group.id, "owner": owner.id, "officer": officer.id, "need": first.id}


def nonce_of(response) -> tuple[str, str]:
    header = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    in_page = re.search(r'nonce="([^"]+)"', response.get_data(as_text=True)).group(1)
    return header, in_page


def test_a_signed_out_page_is_served_again_without_a_query_and_with_a_fresh_nonce(app, client, world):
    first = client.get("/needs")
    assert first.status_code == 200 and "Paint for the youth club" in first.get_data(as_text=True)
    with recorded_queries(app) as statements:
        again = client.get("/needs")
    assert again.status_code == 200
    assert statements == [], "a kept page runs no SQL"
    assert app.extensions["page_cache"].hits == 1
    # The same page, but each response has its own nonce, the same in its header and its scripts.
    first_nonce, again_nonce = nonce_of(first), nonce_of(again)
    assert first_nonce[0] == first_nonce[1] and again_nonce[0] == again_nonce[1]
    assert first_nonce[0] != again_nonce[0]
    strip = lambda response: response.get_data(as_text=True).replace(nonce_of(response)[0], "N")  # noqa: E731
    assert strip(first) == strip(again)
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers["X-Frame-Options"] == "DENY"


def test_a_change_shows_on_the_next_request(app, client, world):
    assert "Paint for the youth club" in client.get("/needs").get_data(as_text=True)
    with app.app_context():
        from models import Organisation

        factories.need(get(Organisation, world["group"]), get(User, world["owner"]), "Laptops for the homework club",
                       officer=get(User, world["officer"]), theme_id=factories.first_theme_id())
        db.session.commit()
    page = client.get("/needs").get_data(as_text=True)
    assert "Laptops for the homework club" in page and "Paint for the youth club" in page
    assert "Closed" not in client.get(f"/needs/{world['need']}").get_data(as_text=True)
    with app.app_context():
        from models import Need

        close_need(get(Need, world["need"]), get(User, world["owner"]))
        db.session.commit()
    # The need's own page, kept while it was open, now says it is closed.
    assert "Closed" in client.get(f"/needs/{world['need']}").get_data(as_text=True)


def test_a_change_made_by_another_process_shows_too(app, client, world, instance_dir, database_uri, redis_url):
    """Another app on the same database and Redis (a second web process, or the worker)."""
    assert "Paint for the youth club" in client.get("/needs").get_data(as_text=True)
    other = create_app(_config(instance_dir, database_uri, redis_url))
    with other.app_context():
        from models import Need

        get(Need, world["need"]).title = "Brushes for the youth club"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    page = client.get("/needs").get_data(as_text=True)
    assert "Brushes for the youth club" in page and "Paint for the youth club" not in page


def test_a_kept_page_lasts_no_longer_than_page_cache_seconds(app, client, world):
    cache = app.extensions["page_cache"]
    cache.clock = lambda: 1_000_000.0
    client.get("/needs")
    client.get("/needs")
    assert cache.hits == 1
    cache.clock = lambda: 1_000_000.0 + app.config["PAGE_CACHE_SECONDS"]
    with recorded_queries(app) as statements:
        client.get("/needs")
    assert statements, "a page older than PAGE_CACHE_SECONDS is rendered again"
    assert cache.hits == 1


def without_header(response) -> str:
    """A page as every reader gets it: its header (who is signed in) and its nonce taken out."""
    page = response.get_data(as_text=True).replace(nonce_of(response)[0], "N")
    return re.sub(r"<!--page-header-->.*?<!--/page-header-->", "", page, flags=re.DOTALL)


def test_a_signed_in_reader_gets_the_kept_page_with_their_own_header(app, world):
    owner = signed_in(app, "owner@example.org")  # signing in writes: before the page is kept
    anonymous = app.test_client()
    kept = anonymous.get("/needs")
    cache = app.extensions["page_cache"]
    hits = cache.hits

    with recorded_queries(app) as statements:
        page = owner.get("/needs")
    assert cache.hits == hits + 1
    assert not [sql for sql in statements if "FROM needs" in sql], "the list is not read again"
    text = page.get_data(as_text=True)
    assert "Signed in as Olu Owner" in text and "Your organisations" in text and "Sign in" not in text
    assert without_header(page) == without_header(kept)
    # The sign-out form carries this reader's own CSRF token, which signs them out.
    action, token = re.search(
        r'<form class="app-inline-form" method="post" action="([^"]+)">\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
        text,
    ).groups()
    assert owner.post(action, data={"csrf_token": token}).status_code == 302
    assert "Signed in as" not in owner.get("/needs").get_data(as_text=True)

    again = anonymous.get("/needs").get_data(as_text=True)
    assert "Olu Owner" not in again and "Sign out" not in again and "Sign in" in again


def test_a_signed_in_readers_page_is_kept_without_their_header(app, world):
    officer = signed_in(app, "officer@example.org")
    owner = signed_in(app, "owner@example.org")
    cache = app.extensions["page_cache"]
    hits = cache.hits
    officers = officer.get("/ledger")
    assert cache.hits == hits and "Officer dashboard" in officers.get_data(as_text=True)

    anonymous = app.test_client().get("/ledger")
    owners = owner.get("/ledger")
    assert cache.hits == hits + 2
    for response in (anonymous, owners):
        text = response.get_data(as_text=True)
        assert "Officer dashboard" not in text and "Olu Officer" not in text
        assert without_header(response) == without_header(officers)
    assert "Sign in" in anonymous.get_data(as_text=True) and "Signed in as Olu Owner" in owners.get_data(as_text=True)


def header_of(response) -> str:
    """The page's header, with its CSRF token (signed afresh each second) and nonce taken out."""
    text = response.get_data(as_text=True)
    header = re.search(r"<!--page-header-->.*?<!--/page-header-->", text, flags=re.DOTALL).group()
    token = re.search(r'name="csrf_token" value="([^"]+)"', header)
    return header.replace(token.group(1), "T") if token else header


@pytest.mark.parametrize("path", [
    "/needs?q=caf%C3%A9+%26+more&sort=deadline",
    "/needs?q=it%27s+%3Cb%3E%22x%22+a%2Bb%25",
    "/ledger",
    "/",
])
def test_a_signed_in_readers_kept_header_is_their_header_as_rendered_and_costs_no_query(app, world, path):
    cache = app.extensions["page_cache"]
    owner = signed_in(app, "owner@example.org")
    rendered = owner.get(path)  # the whole page rendered for them; kept without the header
    assert rendered.status_code == 200 and not cache.headers
    again = owner.get(path)  # the kept page, their header rendered alone and kept
    assert len(cache.headers) == 1
    with recorded_queries(app) as statements:
        kept = owner.get(path)  # the kept page and the kept header
    assert statements == [], "not even the reader is loaded"
    assert header_of(rendered) == header_of(again) == header_of(kept)
    text = kept.get_data(as_text=True)
    assert "Signed in as Olu Owner" in text
    # Its language links lead back here, and the token in the page is this reader's own.
    welsh = re.search(r'href="(/language/cy[^"]+)"', text).group(1)
    assert owner.get(welsh.replace("&amp;", "&")).headers["Location"].endswith(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    assert owner.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert "Signed in as" not in owner.get(path).get_data(as_text=True)


def test_a_kept_header_follows_the_readers_data_their_language_and_their_session(app, world):
    cache = app.extensions["page_cache"]
    owner = signed_in(app, "owner@example.org")
    for _ in range(3):
        page = owner.get("/needs").get_data(as_text=True)
    assert "Officer dashboard" not in page and cache.headers
    with app.app_context():
        get(User, world["owner"]).name = "Olu Renamed"
        db.session.commit()  # any write: every kept header is out of date
    assert not cache.headers
    assert "Signed in as Olu Renamed" in owner.get("/needs").get_data(as_text=True)
    assert "Signed in as Olu Renamed" in owner.get("/needs").get_data(as_text=True)

    owner.set_cookie("language", "cy")
    for _ in range(3):  # rendered, then kept: in Welsh each time, header and page
        welsh = owner.get("/needs")
        assert '<html lang="cy"' in welsh.get_data(as_text=True)
        assert "Wedi mewngofnodi fel Olu Renamed" in header_of(welsh) and "Allgofnodi" in header_of(welsh)
    owner.delete_cookie("language")
    assert "Signed in as Olu Renamed" in header_of(owner.get("/needs"))
    with recorded_queries(app) as statements:
        owner.get("/needs")
    assert statements == []

    # The same session from another browser: Flask-Login looks at it (session protection).
    with recorded_queries(app) as statements:
        elsewhere = owner.get("/needs", headers={"User-Agent": "another browser"})
    assert any("FROM users" in sql for sql in statements)
    assert "Signed in as Olu Renamed" in elsewhere.get_data(as_text=True)

    # Another reader's session is never served this one's header.
    officer = signed_in(app, "officer@example.org")
    for _ in range(2):
        officers = officer.get("/needs").get_data(as_text=True)
    assert "Olu Renamed" not in officers and "Officer dashboard" in officers


def test_a_needs_page_is_kept_for_readers_in_no_organisation_and_rendered_for_its_members(app, world):
    from brokerage.page_cache import SAME_WITHOUT_ORGANISATIONS

    assert SAME_WITHOUT_ORGANISATIONS == {"public.need"}
    cache = app.extensions["page_cache"]
    with app.app_context():
        factories.user("resident@example.org", "Rhea Resident")
        supplier = factories.user("supplier@example.org", "Sam Supplier")
        factories.organisation(supplier, OrganisationKind.SUPPLIER, name="Cleaners plc")
        db.session.commit()
    readers = {name: signed_in(app, f"{name}@example.org") for name in ("resident", "officer", "owner", "supplier")}
    path = f"/needs/{world['need']}"
    anonymous = app.test_client().get(path)  # signing in writes: the page is kept after
    hits = cache.hits
    for name in ("resident", "officer"):
        first = readers[name].get(path)
        with recorded_queries(app) as statements:
            again = readers[name].get(path)
        assert statements == [], name
        assert without_header(first) == without_header(again) == without_header(anonymous)
        assert "Sign out" in header_of(again)
    assert cache.hits == hits + 4
    owners, suppliers = readers["owner"].get(path), readers["supplier"].get(path)
    assert "Manage your group's needs" in owners.get_data(as_text=True)
    assert "Pledge to this need" in suppliers.get_data(as_text=True)
    assert cache.hits == hits + 4, "a member of an organisation gets the page rendered for them"
    # and what they were shown is kept for nobody
    for client in (app.test_client(), readers["resident"]):
        text = client.get(path).get_data(as_text=True)
        assert "Manage your group" not in text and "Pledge to this need" not in text


def test_a_need_only_its_group_and_officers_may_see_is_never_kept(app, world):
    with app.app_context():
        draft = factories.need(get(Organisation, world["group"]), get(User, world["owner"]), "Chairs for the hall",
                               status="draft", theme_id=factories.first_theme_id())
        db.session.commit()
        path = f"/needs/{draft.id}"
    officer = signed_in(app, "officer@example.org")
    for _ in range(2):
        assert officer.get(path).status_code == 200
    assert app.test_client().get(path).status_code == 404
    assert app.test_client().get(path).status_code == 404


def test_a_page_with_something_of_the_readers_own_is_rendered_for_them(app, world):
    def flashing():
        flash("Your pledge was sent")
        return "<p>hello</p>"

    app.add_url_rule("/flashing", endpoint="public.flashing", view_func=flashing)
    owner = signed_in(app, "owner@example.org")
    cache = app.extensions["page_cache"]
    app.test_client().get(f"/needs/{world['need']}")
    app.test_client().get("/needs")
    hits = cache.hits
    owner.get("/flashing")
    page = owner.get("/needs").get_data(as_text=True)  # the message waiting for them
    assert cache.hits == hits and "Your pledge was sent" in page and "Sign out" in page
    owner.get(f"/needs/{world['need']}")  # a need's page: its owner may edit it
    assert cache.hits == hits
    assert "Your pledge was sent" not in owner.get("/needs").get_data(as_text=True)
    assert cache.hits == hits + 1


def test_every_page_kept_for_everyone_shows_every_reader_the_same(app, world, places):
    from brokerage.page_cache import SAME_FOR_EVERYONE

    with app.app_context():
        from models import Ward

        code = db.session.scalar(select(Ward.code).order_by(Ward.name))
    paths = {
        "public.home": "/", "public.needs": "/needs?sort=deadline", "public.borough_map": "/map",
        "public.wards": "/wards", "public.ward": f"/wards/{code}", "public.ledger": "/ledger", "public.stories": "/stories",
    }
    assert set(paths) == SAME_FOR_EVERYONE
    readers = {"signed out": app.test_client()}
    for email in ("owner@example.org", "officer@example.org"):
        readers[email] = signed_in(app, email)
    cache = app.extensions["page_cache"]
    for path in paths.values():
        pages = {}
        for name, client in readers.items():
            cache.pages.clear()  # each rendered for its reader
            response = client.get(path)
            assert response.status_code == 200, (path, name)
            pages[name] = without_header(response)
        assert len(set(pages.values())) == 1, f"{path} shows a reader something of their own"


def test_each_language_is_kept_apart(app, client, world):
    opening = re.compile(r'<html lang="(\w+)"')
    language = lambda response: opening.search(response.get_data(as_text=True)).group(1)  # noqa: E731
    assert language(client.get("/needs")) == "en"
    assert language(client.get("/needs", headers={"Accept-Language": "cy"})) == "cy"
    client.set_cookie("language", "cy")
    assert language(client.get("/needs")) == "cy"
    client.delete_cookie("language")
    assert language(client.get("/needs")) == "en"
    assert app.extensions["page_cache"].hits == 2


def test_a_page_that_sets_a_cookie_or_flashes_is_not_kept(app, client, world):
    from flask import make_response

    calls = []

    def cookie():
        calls.append("cookie")
        response = make_response("<p>hello</p>")
        response.set_cookie("seen", "yes")
        return response

    def flashing():
        calls.append("flash")
        flash("Just for you")
        return "<p>hello</p>"

    app.add_url_rule("/cookie", endpoint="public.cookie", view_func=cookie)
    app.add_url_rule("/flashing", endpoint="public.flashing", view_func=flashing)
    for path in ("/cookie", "/cookie", "/flashing", "/flashing"):
        client.get(path)
        client.delete_cookie("seen")
        client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    assert calls == ["cookie", "cookie", "flash", "flash"]


def test_other_pages_and_answers_are_not_kept(app, client, world):
    client.get("/needs/999999")  # not found
    client.get("/api/v1/needs")  # not a public page (JSON)
    client.get("/healthz")
    assert app.extensions["page_cache"].pages == {}


def test_with_redis_down_pages_are_rendered_each_time(instance_dir, database_uri, schema, world):
    dead = create_app({**_config(instance_dir, database_uri, f"redis://127.0.0.1:{factories.free_port()}/0")})
    client = dead.test_client()
    for _ in range(2):
        with recorded_queries(dead) as statements:
            response = client.get("/needs")
        assert response.status_code == 200 and "Paint for the youth club" in response.get_data(as_text=True)
        assert statements
    assert dead.extensions["page_cache"].hits == 0
    with dead.app_context():
        db.session.remove()
        db.engine.dispose()


def test_page_cache_off(instance_dir, database_uri, redis_url, schema, world):
    off = create_app({**_config(instance_dir, database_uri, redis_url), "PAGE_CACHE": False})
    assert "page_cache" not in off.extensions
    client = off.test_client()
    client.get("/needs")
    with recorded_queries(off) as statements:
        client.get("/needs")
    assert statements
    with off.app_context():
        db.session.remove()
        db.engine.dispose()
