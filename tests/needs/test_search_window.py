"""A common word's page, newest first, on SQLite (models/needs/search.py newest_window): tried
first among the newest public needs only, then, when that window holds less than a page, over
the whole list. Either way it is the page the whole list gives, by page number or by cursor,
whatever order the needs were published in. Run on a SQLite database of its own, whichever
database the rest of the suite uses: the window is SQLite's alone (PostgreSQL gets None)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from brokerage import create_app
from brokerage.pagination import NEEDS_NEWEST, page_of
from models import OrganisationKind, db
from models.needs import search
from models.needs.search import NeedFilters, newest_window, public_needs_query
from tests import factories
from tests.conftest import _config
from tests.factories import recorded_queries

START = datetime(2026, 3, 2, 9, 0)


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory, redis_url):
    from flask_migrate import upgrade

    instance = tmp_path_factory.mktemp("search-window")
    app = create_app(_config(instance, f"sqlite:///{instance / 'search.db'}", redis_url))
    with app.app_context():
        upgrade()
        factories.themes()
        owner = factories.user("owner@example.org", "Olu Owner")
        group = factories.organisation(owner, OrganisationKind.VCSE)
        theme = factories.first_theme_id()

        def add(title: str, minutes: int, status: str = "published") -> None:
            factories.inserted_need(
                group.id, owner.id, title, kind="goods", quantity=1, unit="items", value_pence=1_000,
                theme_id=theme, status=status, published_at=None if status == "draft" else START + timedelta(minutes=minutes),
            )

        # The lowest id published last of all: the window's lowest id reaches back for it.
        add("Laptops for the late starters", 10_000)
        for n in range(36):
            add(f"Laptops for class {n}" if n % 3 else f"Paint for room {n}", n)
        add("Laptops in a draft", 0, status="draft")
        # Published at the same minute as another: the id decides.
        add("Laptops for a twin", 20)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def pages(query, narrow, per_page: int) -> tuple[list[list[int]], list[list[int]]]:
    """Every page by number, and every page by following the cursor."""
    by_number, number = [], 1
    while items := page_of(query, number, per_page, keyset=NEEDS_NEWEST, narrow=narrow).items:
        by_number.append([need.id for need in items])
        number += 1
    by_cursor, after = [], None
    while True:
        found = page_of(query, 1, per_page, keyset=NEEDS_NEWEST, after=after, narrow=narrow)
        by_cursor.append([need.id for need in found.items])
        if not found.next_after:
            return by_number, by_cursor
        after = found.next_after


def page_queries(statements: list[str]) -> list[str]:
    return [sql for sql in statements if "needs_fts" in sql and "ORDER BY needs.published_at DESC" in sql]


@pytest.mark.parametrize("word", ["laptops", "paint"])
def test_a_common_words_pages_from_the_window_are_the_whole_lists_pages(sqlite_app, monkeypatch, word):
    monkeypatch.setattr(search, "COMMON_MATCHES", 2)
    monkeypatch.setattr(search, "NEWEST_REACH", 6)
    monkeypatch.setattr(search, "REACH_PER_ROW", 2)
    filters, today = NeedFilters(q=word), date.today()
    with sqlite_app.app_context():
        query = public_needs_query(filters, today)
        expected = pages(query, None, 3)
        narrow = newest_window(filters, today)
        assert narrow is not None
        with recorded_queries(sqlite_app) as statements:
            windowed = pages(query, narrow, 3)
        assert windowed == expected
        ids = [need for page in expected[0] for need in page]
        assert len(ids) == (26 if word == "laptops" else 12) and len(set(ids)) == len(ids)
        tried = ["window" if "rowid >=" in sql else "whole" for sql in page_queries(statements)]
        by_number, by_cursor = windowed
        asked = len(by_number) + 1 + len(by_cursor)  # the empty page that ends the numbers, too
        short = sum(len(page) < 3 for page in by_number) + 1 + sum(len(page) < 3 for page in by_cursor)
        if word == "laptops":
            # Two needs in three match: each window holds its page; the whole list is read only
            # for the last, short pages.
            assert tried.count("whole") == short and tried.count("window") >= asked - 1
            first = db.session.scalars(query.limit(2)).all()
            assert [need.title for need in first] == ["Laptops for the late starters", "Laptops for class 35"]
        else:
            # One in three: a window of six holds two, less than a page; the whole list gives it.
            assert tried.count("whole") == asked and tried.count("window") >= asked - 1


def test_the_window_is_only_for_a_common_word_newest_first(sqlite_app, monkeypatch):
    monkeypatch.setattr(search, "COMMON_MATCHES", 20)
    today = date.today()
    with sqlite_app.app_context():
        assert newest_window(NeedFilters(q="laptops"), today) is not None  # 26 needs
        assert newest_window(NeedFilters(q="paint"), today) is None  # 12: fetched by rowid
        assert newest_window(NeedFilters(q="laptops", sort="deadline"), today) is None
        assert newest_window(NeedFilters(), today) is None


def test_a_search_matches_whole_words_as_on_postgresql(sqlite_app):
    today = date.today()
    with sqlite_app.app_context():
        titles = lambda q: {need.title for need in db.session.scalars(public_needs_query(NeedFilters(q=q), today))}  # noqa: E731
        assert "Laptops for class 1" in titles("laptop")  # stemmed: laptop, laptops
        assert titles("lapt") == set()  # not a prefix
        assert titles("laptops twin") == {"Laptops for a twin"}  # every word
