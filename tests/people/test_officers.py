"""Officers: the verification queue, decisions, the outbox and the audit trail,
through the real views (CSRF on), and the wrong people kept out."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import EmailMessage, Event, Organisation, OrganisationKind, Role, User, db, record_event
from models.core.mail import queue_email
from tests.factories import post_form, signed_in


def review(client, organisation_id: int, action: str, reason: str | None = None, **kwargs):
    """POST the verify or reject form of the review page, as the browser would."""
    url = f"/officers/organisations/{organisation_id}"
    page = client.get(url)
    tokens = dict(re.findall(r'name="((?:verify|reject)-csrf_token)" type="hidden" value="([^"]+)"', page.get_data(as_text=True)))
    data = {"action": action, **tokens}
    if reason is not None:
        data["reject-reason"] = reason
    return post_form(client, url, data, **kwargs)


def status_of(app, organisation_id: int) -> Organisation:
    with app.app_context():
        found = db.session.get(Organisation, organisation_id)
        db.session.expunge(found)
        return found


def test_queue_lists_pending_organisations_oldest_first(app, make_user, make_organisation):
    make_user("officer@example.org", role=Role.OFFICER)
    owner = make_user("owner@example.org")
    newest = make_organisation(owner, verified=False, name="Newest Group", registration_number="1190003")
    oldest = make_organisation(owner, verified=False, name="Oldest Group", registration_number="1190001")
    middle = make_organisation(owner, verified=False, name="Middle Group", registration_number="1190002")
    make_organisation(owner, name="Already Verified Group", registration_number="1190004")
    now = datetime(2025, 3, 10, 9, 0)
    with app.app_context():
        for organisation_id, days_ago in ((newest, 1), (oldest, 30), (middle, 7)):
            db.session.get(Organisation, organisation_id).submitted_at = now - timedelta(days=days_ago)
        db.session.commit()

    page = signed_in(app, "officer@example.org").get("/officers/organisations").get_data(as_text=True)

    names = re.findall(r'href="/officers/organisations/\d+">([^<]+)</a>', page)
    assert names == ["Oldest Group", "Middle Group", "Newest Group"]
    assert "3 organisations, oldest first" in page
    verified_page = signed_in(app, "officer@example.org").get("/officers/organisations?status=verified")
    assert re.findall(r'href="/officers/organisations/\d+">([^<]+)</a>', verified_page.get_data(as_text=True)) == [
        "Already Verified Group"
    ]


def test_officer_verifies_an_organisation(app, make_user, make_organisation, outbox):
    officer_id = make_user("officer@example.org", "Oliver Officer", role=Role.OFFICER)
    owner = make_user("owner@example.org", "Olu Owner")
    co_owner = make_user("coowner@example.org", "Cara Coowner")
    organisation_id = make_organisation(owner, verified=False, name="Harlesden Food Hub")
    with app.app_context():
        from models import Membership

        db.session.add(Membership(organisation_id=organisation_id, user_id=co_owner, is_owner=True))
        db.session.commit()
    client = signed_in(app, "officer@example.org")

    response = review(client, organisation_id, "verify", follow_redirects=True)

    assert response.status_code == 200
    assert "Harlesden Food Hub is now verified" in response.get_data(as_text=True)
    found = status_of(app, organisation_id)
    assert found.status == "verified"
    assert found.decided_by_id == officer_id
    assert found.decided_at is not None
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.action == "organisation.verified"))
        assert (event.subject_id, event.actor_id, event.from_state, event.to_state) == (
            str(organisation_id),
            officer_id,
            "pending",
            "verified",
        )
    for email in ("owner@example.org", "coowner@example.org"):
        messages = outbox(email)
        assert len(messages) == 1, email
        assert messages[0].kind == "organisation_decision"
        assert "has verified Harlesden Food Hub" in messages[0].text_body
        assert f"/organisations/{organisation_id}" in messages[0].text_body
    # The organisation is now public.
    assert app.test_client().get(f"/organisations/{organisation_id}").status_code == 200


@pytest.mark.parametrize("empty_reason, status", [("", 400), ("   ", 200)])
def test_reject_needs_a_reason(app, make_user, make_organisation, outbox, empty_reason, status):
    make_user("officer@example.org", role=Role.OFFICER)
    owner = make_user("owner@example.org")
    organisation_id = make_organisation(owner, verified=False)
    client = signed_in(app, "officer@example.org")

    response = review(client, organisation_id, "reject", reason=empty_reason)

    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert re.search(r'id="reject-reason-error" class="govuk-error-message">.*Enter the reason', page, re.S)
    assert status_of(app, organisation_id).status == "pending"
    assert outbox("owner@example.org") == []

    response = review(client, organisation_id, "reject", reason="The charity number is for another charity.")
    assert response.status_code == 302
    found = status_of(app, organisation_id)
    assert found.status == "rejected"
    assert found.rejection_reason == "The charity number is for another charity."
    [message] = outbox("owner@example.org")
    assert "The charity number is for another charity." in message.text_body
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.action == "organisation.rejected"))
        assert (event.from_state, event.to_state) == ("pending", "rejected")
        assert event.detail == {"reason": "The charity number is for another charity."}


def test_verifying_an_already_verified_organisation_changes_nothing(app, make_user, make_organisation, outbox):
    make_user("officer@example.org", role=Role.OFFICER)
    owner = make_user("owner@example.org")
    organisation_id = make_organisation(owner)
    before = status_of(app, organisation_id)
    outbox()  # deliver what creating it sent
    with app.app_context():
        events_before = db.session.scalar(select(func.count()).select_from(Event))
        emails_before = db.session.scalar(select(func.count()).select_from(EmailMessage))
    client = signed_in(app, "officer@example.org")

    # The page no longer offers the buttons, but a stale form can still be sent.
    page = client.get(f"/officers/organisations/{organisation_id}").get_data(as_text=True)
    assert "value=\"verify\"" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/officers/organisations/{organisation_id}",
        data={"csrf_token": token, "verify-csrf_token": token, "action": "verify"},
    )

    assert response.status_code == 200
    assert "This organisation is already verified" in response.get_data(as_text=True)
    after = status_of(app, organisation_id)
    assert (after.status, after.decided_at, after.decided_by_id) == (before.status, before.decided_at, before.decided_by_id)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == events_before
        assert db.session.scalar(select(func.count()).select_from(EmailMessage)) == emails_before


def test_resident_cannot_review(app, make_user, make_organisation):
    make_user("resident@example.org")
    owner = make_user("owner@example.org")
    organisation_id = make_organisation(owner, verified=False)
    client = signed_in(app, "resident@example.org")

    for url in ("/officers/", "/officers/organisations", f"/officers/organisations/{organisation_id}", "/officers/outbox", "/officers/audit"):
        assert client.get(url).status_code == 403, url
    response = post_form(
        client,
        f"/officers/organisations/{organisation_id}",
        {"action": "verify", "verify-csrf_token": "x"},
        form_url="/organisations/new",
    )
    assert response.status_code == 403
    response = post_form(
        client,
        f"/officers/organisations/{organisation_id}",
        {"action": "reject", "reject-reason": "No"},
        form_url="/organisations/new",
    )
    assert response.status_code == 403
    found = status_of(app, organisation_id)
    assert (found.status, found.decided_by_id, found.rejection_reason) == ("pending", None, None)


def test_anonymous_people_are_sent_to_sign_in(client, make_user, make_organisation):
    organisation_id = make_organisation(make_user("owner@example.org"), verified=False)

    response = client.get(f"/officers/organisations/{organisation_id}")

    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_outbox_lists_messages_and_paginates(app, make_user):
    make_user("officer@example.org", role=Role.OFFICER)
    with app.app_context():
        for number in range(1, 56):
            queue_email(f"person{number}@example.org", f"Message number {number:02d}", "Hello", kind="test")
        db.session.commit()
    client = signed_in(app, "officer@example.org")

    first = client.get("/officers/outbox").get_data(as_text=True)
    second = client.get("/officers/outbox?page=2").get_data(as_text=True)

    first_subjects = re.findall(r"Message number (\d\d)", first)
    second_subjects = re.findall(r"Message number (\d\d)", second)
    # Newest first, 50 a page.
    assert len(first_subjects) == 50
    assert first_subjects[0] == "55"
    assert sorted(second_subjects) == ["01", "02", "03", "04", "05"]
    assert 'href="/officers/outbox?page=2"' in first
    assert "govuk-pagination" in second
    assert "No mail server is configured" in first

    message_id = int(re.search(r'href="/officers/outbox/(\d+)">Message number 55', first).group(1))
    detail = client.get(f"/officers/outbox/{message_id}").get_data(as_text=True)
    assert "To person55@example.org" in detail
    assert client.get("/officers/outbox/999999").status_code == 404
    # Filtered by status.
    assert "Message number" not in client.get("/officers/outbox?status=sent").get_data(as_text=True)


def test_audit_trail_paginates_and_filters_by_action(app, make_user):
    officer_id = make_user("officer@example.org", role=Role.OFFICER)
    with app.app_context():
        officer = db.session.get(User, officer_id)
        for number in range(60):
            record_event("organisation.test_step", officer, actor=officer, detail={"n": number})
        record_event("theme.created", officer, actor=officer)
        db.session.commit()
        total = db.session.scalar(select(func.count()).select_from(Event))
        organisation_events = db.session.scalar(
            select(func.count()).select_from(Event).where(Event.action.startswith("organisation."))
        )
    assert total > 60 and organisation_events == 60
    client = signed_in(app, "officer@example.org")

    first = client.get("/officers/audit").get_data(as_text=True)
    second = client.get("/officers/audit?page=2").get_data(as_text=True)
    rows = lambda page: len(re.findall(r'<tr class="govuk-table__row">\s*<td', page))  # noqa: E731
    assert rows(first) == 50
    assert rows(second) == total - 50
    assert 'href="/officers/audit?page=2"' in first
    # Newest first: the theme event is on page 1, the user.* events of sign-up are on page 2.
    # In words, not codes.
    assert "Pat Person added" in first and "theme.created" not in first and "(users " not in first
    assert " registered</td>" in second and " registered</td>" not in first

    filtered = client.get("/officers/audit?action=organisation.").get_data(as_text=True)
    assert rows(filtered) == 50
    assert "Pat Person added" not in filtered and " registered</td>" not in filtered
    assert 'href="/officers/audit?action=organisation.&amp;page=2"' in filtered
    filtered_second = client.get("/officers/audit?action=organisation.&page=2").get_data(as_text=True)
    assert rows(filtered_second) == 10
    only_themes = client.get("/officers/audit?action=theme").get_data(as_text=True)
    assert rows(only_themes) == 1 and "Pat Person added" in only_themes


def test_officer_dashboard_counts_pending_organisations(app, make_user, make_organisation):
    make_user("officer@example.org", role=Role.OFFICER)
    owner = make_user("owner@example.org")
    make_organisation(owner, verified=False, registration_number="1190001")
    make_organisation(owner, verified=False, kind=OrganisationKind.SUPPLIER, name="Builder Ltd")

    page = signed_in(app, "officer@example.org").get("/officers/").get_data(as_text=True)

    assert "2 organisations to verify" in page
    assert "0 emails that could not be sent" in page
