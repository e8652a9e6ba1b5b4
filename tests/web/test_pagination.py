"""Pagination costs what a page shows: the count stops at a cap ("more than 10,000"), only the
window of page numbers around the current page is drawn, and Next carries a cursor on lists
with a keyset (tests/web/test_api.py follows those)."""

from __future__ import annotations

from sqlalchemy import select

from brokerage import pagination
from brokerage.pagination import paginate
from models import Role, User, db
from tests import factories


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
