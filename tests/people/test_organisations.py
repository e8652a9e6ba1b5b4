"""Organisations through the real views (CSRF on): registering community groups
and suppliers, who can see and change them, invitations and members."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from models import Event, Invitation, Membership, Organisation, OrganisationKind, Role, User, db
from models.people.organisations import reject_organisation
from tests.factories import link_in, post_form, signed_in

VCSE_FORM = {
    "name": "Stonebridge Youth Project",
    "legal_form": "charity",
    "registration_number": "1234567",
    "ward_id": "0",
    "description": "Youth club on Tuesdays.",
    "website": "",
    "contact_email": "",
}
SUPPLIER_FORM = {
    "name": "Wembley Cleaning Ltd",
    "legal_form": "company",
    "registration_number": "1234567",
    "size_band": "small",
    "ward_id": "0",
    "description": "",
    "website": "",
    "contact_email": "",
}


def field_error(page: str, field: str) -> str | None:
    """The GOV.UK error message rendered beside a field, as text."""
    match = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    if not match:
        return None
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def input_value(page: str, field: str) -> str | None:
    match = re.search(rf'<input[^>]*\bname="{field}"[^>]*>', page)
    if not match:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else ""


def organisation(app, organisation_id: int) -> Organisation:
    with app.app_context():
        found = db.session.get(Organisation, organisation_id)
        db.session.expunge(found)
        return found


def membership_for(app, organisation_id: int, email: str) -> Membership | None:
    with app.app_context():
        found = db.session.scalar(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.organisation_id == organisation_id, User.email == email)
        )
        if found is not None:
            db.session.expunge(found)
        return found


def add_member(app, organisation_id: int, user_id: int, owner: bool = False) -> int:
    with app.app_context():
        membership = Membership(organisation_id=organisation_id, user_id=user_id, is_owner=owner)
        db.session.add(membership)
        db.session.commit()
        return membership.id


# Registering ---------------------------------------------------------------


def test_verified_user_registers_a_vcse(app, make_user):
    owner_id = make_user("founder@example.org", "Femi Founder")
    client = signed_in(app, "founder@example.org")

    response = post_form(client, "/organisations/new?kind=vcse", VCSE_FORM)

    assert response.status_code == 302
    organisation_id = int(re.search(r"/organisations/(\d+)$", response.headers["Location"]).group(1))
    with app.app_context():
        created = db.session.get(Organisation, organisation_id)
        assert created.kind == "vcse"
        assert created.name == "Stonebridge Youth Project"
        assert created.registration_number == "1234567"
        assert created.status == "pending"
        assert created.size_band is None
        memberships = db.session.scalars(select(Membership).where(Membership.organisation_id == organisation_id)).all()
        assert [(m.user_id, m.is_owner) for m in memberships] == [(owner_id, True)]
        events = db.session.scalars(
            select(Event).where(Event.subject_type == "organisations", Event.subject_id == str(organisation_id))
        ).all()
        assert [(e.action, e.actor_id, e.to_state) for e in events] == [("organisation.created", owner_id, "pending")]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "has been sent to the council for verification" in page
    assert "Waiting for the council to verify this organisation" in page


def test_charity_number_in_the_wrong_format_is_explained_beside_the_field(app, make_user):
    make_user("founder@example.org")
    client = signed_in(app, "founder@example.org")

    response = post_form(
        client, "/organisations/new?kind=vcse", {**VCSE_FORM, "registration_number": "12AB", "description": "We cook."}
    )

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "charity number in the right format" in (field_error(page, "registration_number") or "")
    # What the person typed is still there.
    assert input_value(page, "name") == "Stonebridge Youth Project"
    assert input_value(page, "registration_number") == "12AB"
    assert "We cook." in page
    assert "govuk-error-summary" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


@pytest.mark.parametrize("website", ["javascript://example.org/%0Aalert(1)", "ftp://example.org", "data://text/html"])
def test_website_must_be_a_web_address(app, make_user, website):
    make_user("founder@example.org")
    client = signed_in(app, "founder@example.org")
    response = post_form(client, "/organisations/new?kind=vcse", {**VCSE_FORM, "website": website})
    assert response.status_code == 200
    assert "https://" in (field_error(response.get_data(as_text=True), "website") or "")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_supplier_company_number_is_normalised_and_size_band_required(app, make_user):
    make_user("boss@example.org", "Bea Boss")
    client = signed_in(app, "boss@example.org")

    without_size = {key: value for key, value in SUPPLIER_FORM.items() if key != "size_band"}
    response = post_form(client, "/organisations/new?kind=supplier", without_size)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, "size_band") == "Error: Select the size of the business"
    assert input_value(page, "registration_number") == "1234567"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0

    response = post_form(client, "/organisations/new?kind=supplier", SUPPLIER_FORM)
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(select(Organisation))
        assert created.kind == "supplier"
        assert created.registration_number == "01234567"
        assert created.size_band == "small"
        assert created.is_owner(db.session.scalar(select(User).where(User.email == "boss@example.org")))


def test_duplicate_registration_number_is_refused(app, make_user, make_organisation):
    first_owner = make_user("first@example.org")
    make_organisation(first_owner, registration_number="1234567")
    make_user("second@example.org")
    client = signed_in(app, "second@example.org")

    response = post_form(client, "/organisations/new?kind=vcse", {**VCSE_FORM, "name": "Copycat Project"})

    assert response.status_code == 200
    assert "already registered" in field_error(response.get_data(as_text=True), "registration_number")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1


def test_unverified_user_cannot_register(app, make_user):
    make_user("new@example.org", verified=False)
    client = signed_in(app, "new@example.org")

    response = post_form(client, "/organisations/new?kind=vcse", VCSE_FORM, form_url="/organisations/")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


# Seeing --------------------------------------------------------------------


def test_unverified_organisation_is_hidden_except_from_members_and_officers(app, client, make_user, make_organisation):
    owner = make_user("owner@example.org")
    member = make_user("member@example.org")
    make_user("stranger@example.org")
    make_user("officer@example.org", role=Role.OFFICER)
    organisation_id = make_organisation(owner, verified=False, name="Secret Garden Club")
    add_member(app, organisation_id, member)
    url = f"/organisations/{organisation_id}"

    assert client.get(url).status_code == 404
    assert signed_in(app, "stranger@example.org").get(url).status_code == 404
    for email in ("owner@example.org", "member@example.org", "officer@example.org"):
        response = signed_in(app, email).get(url)
        assert response.status_code == 200, email
        assert "Secret Garden Club" in response.get_data(as_text=True)


def test_verified_organisation_page_is_public(app, client, make_user, make_organisation):
    owner = make_user("owner@example.org", "Olu Owner")
    organisation_id = make_organisation(owner, name="Harlesden Food Hub", description="Weekly **pantry**.")

    response = client.get(f"/organisations/{organisation_id}")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Harlesden Food Hub" in page
    assert "<strong>pantry</strong>" in page
    # The public does not see who the members are.
    assert "Olu Owner" not in page
    assert client.get("/organisations/999999").status_code == 404


# Changing ------------------------------------------------------------------


def test_only_owners_can_edit(app, make_user, make_organisation):
    owner = make_user("owner@example.org")
    member = make_user("member@example.org")
    make_user("other@example.org")
    organisation_id = make_organisation(owner, name="Original Name")
    add_member(app, organisation_id, member)
    url = f"/organisations/{organisation_id}/edit"

    for email in ("other@example.org", "member@example.org"):
        intruder = signed_in(app, email)
        assert intruder.get(url).status_code == 403
        # Even with a valid CSRF token from another form, the POST is refused.
        response = post_form(intruder, url, {**VCSE_FORM, "name": "Hijacked"}, form_url="/organisations/new")
        assert response.status_code == 403
    assert organisation(app, organisation_id).name == "Original Name"

    response = post_form(
        signed_in(app, "owner@example.org"), url, {**VCSE_FORM, "name": "New Name", "registration_number": "1190001"}
    )
    assert response.status_code == 302
    # A verified organisation's new name waits for an officer (tests/people/test_reverification.py).
    assert organisation(app, organisation_id).name == "Original Name"
    with app.app_context():
        assert db.session.get(Organisation, organisation_id).pending_change.name == "New Name"


def test_rejected_organisation_edited_by_its_owner_goes_back_to_pending(app, make_user, make_organisation):
    owner = make_user("owner@example.org")
    officer = make_user("officer@example.org", role=Role.OFFICER)
    organisation_id = make_organisation(owner, verified=False, name="Rejected Group")
    with app.app_context():
        reject_organisation(db.session.get(Organisation, organisation_id), db.session.get(User, officer), "Wrong number")
        db.session.commit()
    client = signed_in(app, "owner@example.org")
    edit = client.get(f"/organisations/{organisation_id}/edit").get_data(as_text=True)
    assert "Wrong number" in edit

    response = post_form(
        client,
        f"/organisations/{organisation_id}/edit",
        {**VCSE_FORM, "name": "Rejected Group", "registration_number": "1199999"},
    )

    assert response.status_code == 302
    with app.app_context():
        found = db.session.get(Organisation, organisation_id)
        assert found.status == "pending"
        assert found.registration_number == "1199999"
        actions = db.session.scalars(
            select(Event.action).where(Event.subject_id == str(organisation_id)).order_by(Event.id)
        ).all()
        assert actions[-2:] == ["organisation.updated", "organisation.resubmitted"]


# Invitations ---------------------------------------------------------------


def test_owner_invites_and_the_invited_person_accepts(app, make_user, make_organisation, outbox):
    owner = make_user("owner@example.org", "Olu Owner")
    organisation_id = make_organisation(owner, name="Harlesden Food Hub")
    owner_client = signed_in(app, "owner@example.org")

    response = post_form(owner_client, f"/organisations/{organisation_id}/invite", {"email": " New.Member@Example.org "})

    assert response.status_code == 302
    messages = outbox("new.member@example.org")
    assert len(messages) == 1
    assert messages[0].status == "sent"
    assert "Harlesden Food Hub" in messages[0].subject
    assert "Olu Owner" in messages[0].text_body
    link = link_in(messages[0], "/organisations/invitations/")

    make_user("new.member@example.org", "Nia Newmember")
    invited = signed_in(app, "new.member@example.org")
    page = invited.get(link).get_data(as_text=True)
    assert "Join Harlesden Food Hub" in page
    response = post_form(invited, link, {})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organisations/{organisation_id}")
    membership = membership_for(app, organisation_id, "new.member@example.org")
    assert membership is not None and membership.is_owner is False
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation.accepted_at is not None
    # The link cannot be used twice.
    assert "already been used" in invited.get(link).get_data(as_text=True)


def test_someone_else_cannot_accept_an_invitation(app, make_user, make_organisation, outbox):
    owner = make_user("owner@example.org")
    organisation_id = make_organisation(owner)
    post_form(signed_in(app, "owner@example.org"), f"/organisations/{organisation_id}/invite", {"email": "invited@example.org"})
    link = link_in(outbox("invited@example.org")[0], "/organisations/invitations/")

    make_user("nosy@example.org")
    nosy = signed_in(app, "nosy@example.org")
    page = nosy.get(link).get_data(as_text=True)
    assert "sent to a different email address" in page
    assert 'name="submit"' not in page
    # Posting anyway (with a valid CSRF token) is refused with a message.
    response = post_form(nosy, link, {}, follow_redirects=True)

    assert response.status_code == 200
    assert "sent to a different email address" in response.get_data(as_text=True)
    assert membership_for(app, organisation_id, "nosy@example.org") is None
    with app.app_context():
        assert db.session.scalar(select(Invitation.accepted_at)) is None


def test_tampered_invitation_link_is_refused(app, make_user, make_organisation, outbox):
    owner = make_user("owner@example.org")
    organisation_id = make_organisation(owner)
    post_form(signed_in(app, "owner@example.org"), f"/organisations/{organisation_id}/invite", {"email": "invited@example.org"})
    link = link_in(outbox("invited@example.org")[0], "/organisations/invitations/")
    make_user("invited@example.org")

    response = signed_in(app, "invited@example.org").get(link[:-3] + "xyz")

    assert response.status_code == 400
    assert "copied wrongly" in response.get_data(as_text=True)


def test_non_owner_cannot_invite(app, make_user, make_organisation, outbox):
    owner = make_user("owner@example.org")
    member = make_user("member@example.org")
    organisation_id = make_organisation(owner)
    add_member(app, organisation_id, member)
    client = signed_in(app, "member@example.org")

    assert client.get(f"/organisations/{organisation_id}/invite").status_code == 403
    response = post_form(
        client, f"/organisations/{organisation_id}/invite", {"email": "friend@example.org"}, form_url="/organisations/new"
    )

    assert response.status_code == 403
    assert outbox("friend@example.org") == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


# Members -------------------------------------------------------------------


def test_owner_removes_a_member(app, make_user, make_organisation):
    owner = make_user("owner@example.org")
    member = make_user("member@example.org", "Mo Member")
    organisation_id = make_organisation(owner)
    membership_id = add_member(app, organisation_id, member)
    client = signed_in(app, "owner@example.org")
    assert "Mo Member" in client.get(f"/organisations/{organisation_id}").get_data(as_text=True)

    response = post_form(
        client,
        f"/organisations/{organisation_id}/members/{membership_id}/remove",
        {},
        form_url=f"/organisations/{organisation_id}",
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "The member has been removed." in response.get_data(as_text=True)
    assert membership_for(app, organisation_id, "member@example.org") is None
    with app.app_context():
        assert db.session.scalar(select(Event).where(Event.action == "organisation.member_removed")).detail == {
            "user_id": member
        }


def test_non_owner_cannot_remove_others(app, make_user, make_organisation):
    owner = make_user("owner@example.org")
    member = make_user("member@example.org")
    other = make_user("other@example.org")
    organisation_id = make_organisation(owner)
    add_member(app, organisation_id, member)
    other_membership = add_member(app, organisation_id, other)
    owner_membership = membership_for(app, organisation_id, "owner@example.org").id
    client = signed_in(app, "member@example.org")

    for target in (other_membership, owner_membership):
        response = post_form(
            client,
            f"/organisations/{organisation_id}/members/{target}/remove",
            {},
            form_url=f"/organisations/{organisation_id}",
        )
        assert response.status_code == 403
    assert membership_for(app, organisation_id, "other@example.org") is not None
    assert membership_for(app, organisation_id, "owner@example.org") is not None

    # A member may leave on their own.
    member_membership = membership_for(app, organisation_id, "member@example.org").id
    response = post_form(
        client, f"/organisations/{organisation_id}/members/{member_membership}/remove", {}, form_url=f"/organisations/{organisation_id}"
    )
    assert response.status_code == 302
    assert membership_for(app, organisation_id, "member@example.org") is None


def test_removing_a_member_or_leaving_asks_first(app, make_user, make_organisation):
    owner = make_user("owner@example.org")
    member = make_user("member@example.org", "Mo Member")
    other = make_user("other@example.org")
    organisation_id = make_organisation(owner)
    membership_id = add_member(app, organisation_id, member)
    other_membership = add_member(app, organisation_id, other)
    url = f"/organisations/{organisation_id}/members/{membership_id}/remove"
    owner_client = signed_in(app, "owner@example.org")
    assert f'href="{url}"' in owner_client.get(f"/organisations/{organisation_id}").get_data(as_text=True)

    page = owner_client.get(url).get_data(as_text=True)
    assert "Are you sure you want to remove Mo Member from" in page
    assert "What happens next" in page and "invite them again" in page and "Yes, remove them" in page
    assert f'action="{url}"' in page
    member_client = signed_in(app, "member@example.org")
    leave = member_client.get(url).get_data(as_text=True)
    assert "Are you sure you want to leave" in leave and "Yes, leave" in leave
    # Another member may not remove Mo, nor see the page; a membership of another organisation is not found.
    other_client = signed_in(app, "other@example.org")
    assert other_client.get(url).status_code == 403
    other_organisation = make_organisation(make_user("elsewhere@example.org"), name="Elsewhere Trust", registration_number="1190009")
    assert owner_client.get(f"/organisations/{other_organisation}/members/{other_membership}/remove").status_code == 404
    assert membership_for(app, organisation_id, "member@example.org") is not None  # asking removed nobody

    assert post_form(owner_client, url, {}).status_code == 302
    assert membership_for(app, organisation_id, "member@example.org") is None


def test_last_owner_cannot_leave(app, make_user, make_organisation):
    owner = make_user("owner@example.org")
    organisation_id = make_organisation(owner)
    membership_id = membership_for(app, organisation_id, "owner@example.org").id
    client = signed_in(app, "owner@example.org")

    response = post_form(
        client,
        f"/organisations/{organisation_id}/members/{membership_id}/remove",
        {},
        form_url=f"/organisations/{organisation_id}",
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "needs at least one owner" in response.get_data(as_text=True)
    assert membership_for(app, organisation_id, "owner@example.org") is not None


def test_remove_without_csrf_token_changes_nothing(app, make_user, make_organisation):
    owner = make_user("owner@example.org")
    member = make_user("member@example.org")
    organisation_id = make_organisation(owner)
    membership_id = add_member(app, organisation_id, member)
    client = signed_in(app, "owner@example.org")

    response = client.post(f"/organisations/{organisation_id}/members/{membership_id}/remove", data={})

    assert response.status_code == 400
    assert membership_for(app, organisation_id, "member@example.org") is not None


@pytest.mark.parametrize("kind", [OrganisationKind.VCSE, OrganisationKind.SUPPLIER])
def test_my_organisations_lists_memberships(app, make_user, make_organisation, kind):
    owner = make_user("owner@example.org")
    make_organisation(owner, kind=kind, name="Listed Organisation", verified=False)
    make_organisation(make_user("other@example.org"), kind=kind, name="Someone Else's", registration_number="1190002" if kind == OrganisationKind.VCSE else "09000002")

    page = signed_in(app, "owner@example.org").get("/organisations/").get_data(as_text=True)

    assert "Listed Organisation" in page
    assert "Waiting for verification" in page
    assert "Someone Else" not in page
