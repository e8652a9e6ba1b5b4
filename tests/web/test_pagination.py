"""Pagination costs what a page shows: the count stops at a cap ("more than 10,000"), only the
window of page numbers around the current page is drawn, and Next carries a cursor on lists
with a keyset (tests/web/test_api.py follows those)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from brokerage import pagination
from brokerage.pagination import paginate
from models import Role, User, db
from tests import factories
from tests.factories import recorded_queries


def numbers(params) -> list:
    return [item.get("number", "…") for item in params["items"]]


def test_the_count_stops_at_the_cap_and_only_the_window_is_drawn(app, monkeypatch):
    with app.app_context():
        for n in range(8):
            factories.user(f"person{n}@example.org", f"Person {n}", Role.RESIDENT)
        db.session.commit()
        query = select(User).order_by(User.id)

        monkeypatch.setattr(pagination, "COUNT_CAP", 3)
        with app.test_request_context("/admin/users?page=2&role=resident"):
            page = paginate(query, per_page=1)
            assert (page.total, page.capped, page.total_label) == (3, True, "more than 3")
            params = page.govuk_params("admin.users")
            assert numbers(params) == [1, 2, 3, 4, "…"]  # no last page: it was never counted
            assert "page=3" in params["next"]["href"] and "role=resident" in params["next"]["href"]
        with app.test_request_context("/admin/users?page=6"):
            page = paginate(query, per_page=1)  # counted as far as the page asked for, and one more
            assert page.capped and len(page.items) == 1 and page.has_next
            assert numbers(page.govuk_params("admin.users")) == [1, "…", 4, 5, 6, 7, 8, "…"]

        monkeypatch.setattr(pagination, "COUNT_CAP", 100)
        with app.test_request_context("/admin/users?page=5"):
            page = paginate(query, per_page=1)
            assert (page.total, page.capped, page.total_label, page.pages) == (8, False, "8", 8)
            assert numbers(page.govuk_params("admin.users")) == [1, "…", 3, 4, 5, 6, 7, 8]
        with app.test_request_context("/admin/users?page=8"):
            params = paginate(query, per_page=1).govuk_params("admin.users")
            assert "next" not in params and numbers(params) == [1, "…", 6, 7, 8]


def test_the_page_links_are_in_the_readers_language(app):
    """GOV.UK Frontend's Jinja port writes "Previous", "Next", "Page 2" and the landmark in
    English: the links are given them in the page's language, English unchanged."""
    from flask_babel import force_locale

    with app.app_context():
        for n in range(3):
            factories.user(f"reader{n}@example.org", f"Reader {n}", Role.RESIDENT)
        db.session.commit()
        query = select(User).order_by(User.id)
        with app.test_request_context("/admin/users?page=2"):
            params = paginate(query, per_page=1).govuk_params("admin.users")
            assert params["landmarkLabel"] == "Pagination"
            assert params["previous"]["html"] == 'Previous<span class="govuk-visually-hidden"> page</span>'
            assert params["next"]["html"] == 'Next<span class="govuk-visually-hidden"> page</span>'
            assert params["items"][0]["visuallyHiddenText"] == "Page 1"
            with force_locale("cy"):
                welsh = paginate(query, per_page=1).govuk_params("admin.users")
            assert welsh["landmarkLabel"] == "Tudalennu"
            assert welsh["previous"]["html"].startswith("Blaenorol") and welsh["next"]["html"].startswith("Nesaf")
            assert [item["visuallyHiddenText"] for item in welsh["items"]] == ["Tudalen 1", "Tudalen 2", "Tudalen 3"]


@pytest.mark.postgres
def test_a_search_for_a_common_word_is_not_counted_when_the_planner_knows_it_is_common(app, client, monkeypatch):
    """PostgreSQL's GIN index hands over every match of a common word at once, so even a capped
    count costs what the table holds: a search alone whose estimate is five times the cap or
    more says "more than" without counting. A rarer word, or a search with another filter, is
    counted."""
    from sqlalchemy import text

    from models import Need, OrganisationKind

    with app.app_context():
        factories.themes()
        owner = factories.user("owner@example.org", "Olu Owner")
        group = factories.organisation(owner, OrganisationKind.VCSE)
        officer = factories.officer()
        laptops = factories.need(group, owner, "Laptops for the homework club", officer=officer,
                                 theme_id=factories.first_theme_id())
        for n in range(3):
            factories.need(group, owner, f"Easel for the art room {n}", officer=officer, theme_id=factories.first_theme_id())
        db.session.commit()
        columns = ", ".join(column.name for column in Need.__table__.columns if column.name not in ("id", "title", "client_token"))
        db.session.execute(text(
            f"INSERT INTO needs (title, {columns}) SELECT title || ' ' || n, {columns} "
            "FROM needs CROSS JOIN generate_series(1, 400) AS n WHERE id = :id"
        ), {"id": laptops.id})
        db.session.commit()
        db.session.execute(text("ANALYZE needs"))
        db.session.commit()
    monkeypatch.setattr(pagination, "COUNT_CAP", 10)

    def counted(path: str) -> tuple[str, bool, bool]:
        """The page, whether it counted the needs, whether it asked the planner."""
        with recorded_queries(app) as statements:
            page = client.get(path).get_data(as_text=True)
        return page, any("count(" in sql.lower() for sql in statements), any("EXPLAIN" in sql for sql in statements)

    assert counted("/needs?q=laptops")[1:] == (False, True)
    assert "more than 10" in counted("/needs?q=laptops")[0]
    page, *asked = counted("/needs?q=easel")
    assert "3 needs" in page and asked == [True, True]
    assert counted("/needs?q=laptops&open=1")[1:] == (True, False)  # with another filter: counted


def test_a_wards_page_counts_its_open_needs_only_as_far_as_its_link_needs(app, client, places, monkeypatch):
    """A ward's page shows ten open needs and links to the rest: it counts them to
    WARD_NEEDS_COUNT_CAP ("See all more than …"), while the needs list itself counts to
    COUNT_CAP."""
    from brokerage.public import routes
    from models import OrganisationKind

    with app.app_context():
        factories.themes()
        owner = factories.user("owner@example.org", "Olu Owner")
        group = factories.organisation(owner, OrganisationKind.VCSE)
        ward = factories.ward(name="Harlesden & Kensal Green")
        for n in range(12):
            factories.inserted_need(group.id, owner.id, f"Chairs for the hall {n}", kind="goods", quantity=5, unit="chairs",
                                    value_pence=5000, theme_id=factories.first_theme_id(), ward_id=ward.id,
                                    published_at=factories.utcnow())
        db.session.commit()
        code = ward.code

    monkeypatch.setattr(routes, "WARD_NEEDS_COUNT_CAP", 11)
    page = client.get(f"/wards/{code}").get_data(as_text=True)
    assert "See all more than 11 open needs in Harlesden &amp; Kensal Green" in page
    assert page.count("Chairs for the hall") == 10
    assert "12 needs found" in client.get(f"/needs?ward={code}&open=1").get_data(as_text=True)  # the list counts them all

    monkeypatch.setattr(routes, "WARD_NEEDS_COUNT_CAP", 100)
    # Another address (pages are kept until the next write), so the page is rendered again.
    assert "See all 12 open needs in Harlesden &amp; Kensal Green" in client.get(f"/wards/{code}?page=1").get_data(as_text=True)
