"""After a database error the GOV.UK error page still renders: the error handlers roll the
session back before the page reads the database again (the signed-in person, the
council's name), instead of failing a second time with PendingRollbackError."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Role, User, db
from models.people.accounts import register_user
from tests.factories import PASSWORD, login


@pytest.fixture
def failing_app(app, make_user):
    """The app with a test-only route whose write breaks a unique constraint (a second
    account with a taken email address), and the 500 page shown as in production."""
    make_user("taken@example.org", "Tess Taken")

    def conflicting_write():
        register_user("Someone Else", "first-write@example.org", PASSWORD, role=Role.RESIDENT)
        db.session.add(User(email="taken@example.org", name="Tess Again", password_hash="x"))
        db.session.flush()  # IntegrityError: the email is taken
        return "not reached"

    app.add_url_rule("/test-only/conflicting-write", view_func=conflicting_write)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the error handler answers, as it does in production
    return app


def test_after_a_database_error_the_500_page_renders(failing_app, client):
    response = client.get("/test-only/conflicting-write")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in html
    assert "Try again later. Nothing you saved has been lost." in html
    assert "Brent" in html  # the council's name, read from the settings with the rolled-back session
    with failing_app.app_context():
        emails = set(db.session.scalars(select(User.email)))
        assert "first-write@example.org" not in emails  # the request's other write was not kept
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "taken@example.org")) == 1


def test_a_signed_in_person_sees_the_500_page_with_their_name(failing_app, client, make_user):
    make_user("signed-in@example.org", "Sid Signedin")
    assert login(client, "signed-in@example.org").status_code == 302
    response = client.get("/test-only/conflicting-write")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in html
    assert "Signed in as Sid Signedin" in html and "Sign out" in html
