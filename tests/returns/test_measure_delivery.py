"""How a measure's delivery is evidenced: needs, returns or both (issue 16), with Brent's
defaults for the seeded measures and the administrator's measure form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Measure, Role, Theme, db
from tests import factories
from tests.factories import post_form, signed_in


@pytest.fixture
def admin(app, make_user):
    make_user("admin@example.org", "Ada Admin", role=Role.ADMIN)
    return signed_in(app, "admin@example.org")


def test_seeded_measures_have_brent_defaults(app):
    with app.app_context():
        factories.themes()
        how = dict(db.session.execute(select(Measure.name, Measure.delivered_through)).all())
        assert how["Apprenticeship weeks for local people"] == "returns"
        assert how["Local people hired"] == "returns"
        assert how["Spend with local SMEs and VCSEs"] == "returns"
        assert how["Employee volunteering hours"] == "both"
        assert how["Donated goods and equipment"] == "needs"
        spend = db.session.scalars(select(Measure.name).where(Measure.is_spend)).all()
        assert spend == ["Spend with local SMEs and VCSEs"]


def test_admin_sets_how_a_measure_is_delivered(app, admin):
    with app.app_context():
        factories.themes()
        measure = factories.measure("Community investment")
        measure_id, theme_id = measure.id, measure.theme_id
        db.session.commit()
    form = {"theme_id": str(theme_id), "name": "Community investment", "unit": "£", "proxy_value": "1",
            "need_kind": "cash", "active": "y"}
    page = admin.get(f"/admin/measures/{measure_id}").get_data(as_text=True)
    assert "How is its delivery evidenced?" in page
    response = post_form(admin, f"/admin/measures/{measure_id}", {**form, "delivered_through": "both", "is_spend": "y"})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Measure, measure_id)
        assert (saved.delivered_through, saved.is_spend, saved.takes_returns) == ("both", True, True)
    response = post_form(admin, f"/admin/measures/{measure_id}", {**form, "delivered_through": "carrier pigeon"})
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Measure, measure_id).delivered_through == "both"
