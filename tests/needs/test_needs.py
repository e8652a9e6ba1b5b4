"""Community needs: posting, moderation, finding, and the unhappy paths."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import Event, Need, NeedStatus, Ward, db
from models.needs.rules import expire_due_needs
from tests import factories
from tests.factories import login, post_form

FUTURE = date.today() + timedelta(days=60)


@pytest.fixture
def world(app, places):
    """A verified group with its owner, a member of another group, an officer, a resident."""
    with app.app_context():
        factories.themes()
        db.session.commit()
        owner = factories.user("owner@example.org", "Olu Owner")
        other = factories.user("other@example.org", "Odette Other")
        officer = factories.officer()
        resident = factories.user("resident@example.org", "Rae Resident")
        supplier_member = factories.user("supplier@example.org", "Sid Supplier")
        group = factories.organisation(owner, officer=officer)
        other_group = factories.organisation(other, name="Kilburn Football", registration_number="1190002", officer=officer)
        supplier = factories.supplier(supplier_member, officer=officer)
        db.session.commit()
        return {
            "owner": owner.id, "other": other.id, "officer": officer.id, "resident": resident.id,
            "group": group.id, "other_group": other_group.id, "supplier": supplier.id,
            "supplier_member": supplier_member.id, "theme_id": factories.first_theme_id(),
            "ward_id": factories.ward(code="E05013501").id,
        }


def need_form(world, **overrides):
    data = {
        "title": "Laptops for our homework club",
        "summary": "Ten laptops so children without one at home can do their homework.",
        "description": "We meet **every weekday** after school.",
        "kind": "goods",
        "quantity": "10",
        "unit": "laptops",
        "value": "2,400",
        "ward_id": str(world["ward_id"]),
        "theme_id": str(world["theme_id"]),
        "beneficiaries": "35",
        "deadline": [str(FUTURE.day), str(FUTURE.month), str(FUTURE.year)],
        "photo_alt": "",
        "save": "Save as draft",
    }
    data.update(overrides)
    return data


def post_need(client, world, **overrides):
    url = f"/groups/{world['group']}/needs/new"
    return post_form(client, url, need_form(world, **overrides))


def make_need(app, world, status="published", **overrides) -> int:
    fields = {"ward_id": world["ward_id"], "deadline": FUTURE, **overrides}
    return factories.group_need(app, world, status, theme_id=world["theme_id"], **fields)


def need_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Need))


def png_bytes() -> bytes:
    return factories.png_bytes(colour=(200, 30, 30))


# The journey -------------------------------------------------------------------------


def test_group_posts_officer_requests_changes_group_resubmits_officer_publishes(app, client, world, outbox):
    login(client, "owner@example.org")
    form = need_form(world, save=None, submit_for_review="Save and send for review")
    form["photo"] = (io.BytesIO(png_bytes()), "laptops.png")
    form["photo_alt"] = "Children at the homework club"
    response = post_form(client, f"/groups/{world['group']}/needs/new", form, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        need = db.session.scalar(select(Need))
        assert need.status == "submitted"
        assert need.value_pence == 240000 and need.quantity == 10 and need.deadline == FUTURE
        assert need.photo_filename and need.photo_filename.endswith(".png")
        need_id = need.id
    # Not public while under review.
    anonymous = app.test_client()
    assert anonymous.get(f"/needs/{need_id}").status_code == 404
    assert "Laptops" not in anonymous.get("/needs").get_data(as_text=True)

    officer = app.test_client()
    login(officer, "officer@example.org")
    assert "Laptops for our homework club" in officer.get("/officers/needs").get_data(as_text=True)
    response = post_form(officer, f"/officers/needs/{need_id}", {"comment": "Say which ages the club is for.", "request_changes": "Request changes"})
    assert response.status_code == 302
    messages = outbox("owner@example.org")
    assert messages[-1].subject == "Changes requested: Laptops for our homework club"
    assert "Say which ages" in messages[-1].text_body

    # The group edits and resubmits.
    page = client.get(f"/needs/{need_id}/edit").get_data(as_text=True)
    assert "Say which ages the club is for." in page
    response = post_form(
        client, f"/needs/{need_id}/edit",
        need_form(world, summary="Ten laptops for 8 to 11 year olds.", save=None, submit_for_review="Save and send for review"),
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Need, need_id).status == "submitted"

    response = post_form(officer, f"/officers/needs/{need_id}", {"comment": "", "publish": "Publish"})
    assert response.status_code == 302
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert need.status == "published" and need.published_at is not None
        actions = [e.action for e in db.session.scalars(select(Event).where(Event.subject_type == "needs").order_by(Event.id))]
    assert actions == ["need.created", "need.photo_changed", "need.submitted", "need.changes_requested",
                       "need.updated", "need.submitted", "need.published"]
    assert outbox("owner@example.org")[-1].subject == "Published: Laptops for our homework club"
    # The audit trail reads as sentences: the group acted, the officer by name.
    trail = officer.get("/officers/audit").get_data(as_text=True)
    assert "Harlesden Food Hub sent the need “Laptops for our homework club” for review" in trail
    assert "Oona Officer published the need “Laptops for our homework club”" in trail
    assert "need.submitted" not in trail and "(needs " not in trail

    # An anonymous visitor finds it by the list, the search, the ward page and the map.
    assert "Laptops for our homework club" in anonymous.get("/needs").get_data(as_text=True)
    assert "Laptops for our homework club" in anonymous.get("/needs?q=laptop").get_data(as_text=True)
    assert "Laptops for our homework club" not in anonymous.get("/needs?q=freezer").get_data(as_text=True)
    assert "Laptops for our homework club" in anonymous.get("/wards/E05013501").get_data(as_text=True)
    map_page = anonymous.get("/map").get_data(as_text=True)
    assert 'aria-label="Harlesden &amp; Kensal Green: 1 open need"' in map_page
    page = anonymous.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "Requested 10 laptops; pledged 0; accepted 0; delivered 0." in page
    assert "<strong>every weekday</strong>" in page
    photo = anonymous.get(f"/needs/{need_id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"


# Finding needs -----------------------------------------------------------------------


def test_filters_sorts_and_pagination(app, client, world):
    with app.app_context():
        other_ward = db.session.scalar(select(Ward.id).where(Ward.code == "E05013503"))
    soon = make_need(app, world, title="Freezer for fresh food", kind="goods", deadline=date.today() + timedelta(days=5))
    later = make_need(app, world, title="Coaching course", kind="cash", ward_id=other_ward)
    make_need(app, world, status="draft", title="Secret draft idea")
    text = client.get("/needs?sort=deadline").get_data(as_text=True)
    assert text.index("Freezer for fresh food") < text.index("Coaching course")
    assert "Secret draft idea" not in text
    assert "2 needs found" in text
    by_ward = client.get("/needs?ward=E05013503").get_data(as_text=True)
    assert "Coaching course" in by_ward and "Freezer" not in by_ward
    by_kind = client.get("/needs?kind=goods").get_data(as_text=True)
    assert "Freezer" in by_kind and "Coaching course" not in by_kind
    assert "Coaching course" in client.get("/needs?q=coaching").get_data(as_text=True)
    # Search input that is FTS or SQL syntax is just text.
    for q in ['"unbalanced', "NEAR(x y)", "a OR b AND", "'; DROP TABLE needs; --", "*", "laptop^2"]:
        assert client.get("/needs", query_string={"q": q}).status_code == 200
    assert need_count(app) == 3
    # Unknown filters and absurd pages are ignored, not errors.
    assert client.get("/needs?sort=evil&kind=weapons&status=zzz&page=99999999999").status_code == 200
    assert soon != later


def test_still_open_filter_hides_past_deadline_and_fully_pledged(app, client, world):
    open_id = make_need(app, world, title="Open pantry volunteers")
    pledged_id = make_need(app, world, title="Fully pledged kit")
    with app.app_context():
        need = db.session.get(Need, pledged_id)
        need.pledged_quantity = need.quantity
        db.session.commit()
    text = client.get("/needs?open=1").get_data(as_text=True)
    assert "Open pantry volunteers" in text and "Fully pledged kit" not in text
    assert open_id


def test_needs_near_me(app, client, world):
    make_need(app, world)
    response = client.get("/needs/near?postcode=nw108ab")
    assert response.status_code == 302
    assert "ward=E05013501" in response.headers["Location"]
    outside = client.get("/needs/near?postcode=E1 6AN", follow_redirects=True).get_data(as_text=True)
    assert "E1 6AN is not in this council&#39;s area" in outside
    nonsense = client.get("/needs/near?postcode=banana", follow_redirects=True).get_data(as_text=True)
    assert "Enter a real postcode" in nonsense


def test_needs_near_me_with_no_postcode_stays_on_the_needs_page_with_one_error(app, client, world):
    make_need(app, world)
    response = client.get("/needs/near?postcode=+")
    text = response.get_data(as_text=True)
    assert response.status_code == 200  # the needs page itself, not a redirect elsewhere
    assert "<h1 class=\"govuk-heading-l\">Community needs</h1>" in text
    assert text.count("Enter your postcode") == 2  # once in the error summary, once beside the field
    assert "govuk-notification-banner" not in text and "<title>Error: Community needs" in text


# Unhappy paths -------------------------------------------------------------------------


def test_member_of_another_group_cannot_edit_or_submit(app, client, world):
    need_id = make_need(app, world, status="draft")
    login(client, "other@example.org")
    assert client.get(f"/needs/{need_id}/edit").status_code == 403
    token_page = client.get(f"/groups/{world['other_group']}/needs")
    assert token_page.status_code == 200
    response = post_form(client, f"/needs/{need_id}/submit", {}, form_url=f"/groups/{world['other_group']}/needs")
    assert response.status_code == 403
    assert client.get(f"/groups/{world['group']}/needs").status_code == 403
    with app.app_context():
        assert db.session.get(Need, need_id).status == "draft"


def test_resident_and_supplier_cannot_post_needs(app, client, world):
    login(client, "resident@example.org")
    assert client.get(f"/groups/{world['group']}/needs/new").status_code == 403
    client.post("/sign-out", data={})
    supplier = app.test_client()
    login(supplier, "supplier@example.org")
    assert supplier.get(f"/groups/{world['supplier']}/needs/new").status_code == 403
    assert need_count(app) == 0


def test_unverified_group_can_draft_but_not_submit(app, client, world, make_user, make_organisation):
    newcomer = make_user("new@example.org", "Nia New")
    group = make_organisation(newcomer, name="New Group", registration_number="1190009", verified=False)
    login(client, "new@example.org")
    world = dict(world, group=group)
    response = post_need(client, world, save=None, submit_for_review="Save and send for review")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "must be verified by the council before it can send needs for review" in page
    assert "Laptops for our homework club" in page  # what was typed is kept
    assert need_count(app) == 0  # nothing half-written
    assert post_need(client, world).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Need.status)) == "draft"


def test_officer_cannot_publish_a_draft_directly(app, client, world):
    need_id = make_need(app, world, status="draft")
    login(client, "officer@example.org")
    response = post_form(client, f"/officers/needs/{need_id}", {"publish": "Publish"})
    assert response.status_code == 200
    assert "Only a need sent for review can be published" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Need, need_id).status == "draft"


def test_resident_cannot_moderate(app, client, world):
    need_id = make_need(app, world, status="submitted")
    login(client, "resident@example.org")
    assert client.get("/officers/needs").status_code == 403
    assert client.post(f"/officers/needs/{need_id}", data={"publish": "Publish"}).status_code in (400, 403)
    with app.app_context():
        assert db.session.get(Need, need_id).status == "submitted"


def test_request_changes_and_reject_need_a_comment(app, client, world):
    need_id = make_need(app, world, status="submitted")
    login(client, "officer@example.org")
    for button in ({"request_changes": "Request changes"}, {"reject": "Reject"}):
        response = post_form(client, f"/officers/needs/{need_id}", {"comment": "  ", **button})
        assert response.status_code == 200
        assert "govuk-error-message" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Need, need_id).status == "submitted"


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("deadline", ["1", "1", "2020"], "The deadline must be in the future"),
        ("deadline", ["31", "2", "2027"], "Enter a real date"),
        ("deadline", ["1", "1"], "Enter a real date"),
        ("quantity", "-5", "Quantity must be between 1 and"),
        ("quantity", "1000000000000", "Quantity must be between 1 and"),
        ("quantity", "9" * 40, "Enter quantity as a whole number"),
        ("quantity", "ten", "Enter quantity as a whole number"),
        ("value", "-100", "The value cannot be negative"),
        ("value", "99999999999", "The value must be"),
        ("value", "25,000,000", "The value must be £10,000,000 or less"),
        ("value", "12.345", "Enter pounds and pence only"),
        ("value", "Infinity", "Enter the value in pounds"),
        ("value", "1e30", "Enter the value in pounds"),
        ("value", "NaN", "Enter the value in pounds"),
        ("beneficiaries", "-1", "Enter a number between 0 and"),
        ("title", "x" * 500, "Title must be 120 characters or fewer"),
        ("description", "x" * (5 * 1024 * 1024), "Description must be 20,000 characters or fewer"),
        ("kind", "weapons", "Not a valid choice"),
        ("theme_id", "-1", "Select a priority theme"),
    ],
)
def test_bad_input_gets_a_message_beside_the_field_and_keeps_what_was_typed(app, client, world, field, value, message):
    login(client, "owner@example.org")
    response = post_need(client, world, **{field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "There is a problem" in page
    if field != "title":
        assert "Laptops for our homework club" in page  # what was typed is kept
    assert need_count(app) == 0


def test_photo_that_is_not_an_image_is_refused(app, client, world):
    login(client, "owner@example.org")
    form = need_form(world)
    form["photo"] = (io.BytesIO(b"<script>alert(1)</script>" * 10), "evil.png")
    response = post_form(client, f"/groups/{world['group']}/needs/new", form, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "The file is not an image we can read" in response.get_data(as_text=True)
    assert need_count(app) == 0
    form = need_form(world)
    form["photo"] = (io.BytesIO(png_bytes()), "photo.exe")
    response = post_form(client, f"/groups/{world['group']}/needs/new", form, content_type="multipart/form-data")
    assert "The photo must be a JPEG, PNG or WebP image" in response.get_data(as_text=True)
    assert need_count(app) == 0


def test_markdown_is_sanitised(app, client, world):
    login(client, "owner@example.org")
    evil = '<script>alert("x")</script> [click](javascript:alert(1)) <img src=x onerror=alert(2)> [ok](https://example.org)'
    assert post_need(client, world, description=evil).status_code == 302
    page = client.get("/needs/1").get_data(as_text=True)
    assert "<script>alert" not in page and "javascript:" not in page and "onerror" not in page
    assert 'href="https://example.org"' in page
    preview = post_need(client, world, description=evil, save=None, preview="Preview the description").get_data(as_text=True)
    shown = preview[preview.index('id="preview"') :]
    shown = shown[: shown.index("</div>")]
    assert "Preview of the description" in shown and 'href="https://example.org"' in shown
    assert "<script" not in shown and "javascript:" not in shown and "onerror" not in shown
    assert need_count(app) == 1  # a preview saves nothing


def test_double_submit_makes_one_need(app, client, world):
    login(client, "owner@example.org")
    form = need_form(world, client_token="same-token-twice")
    first = post_form(client, f"/groups/{world['group']}/needs/new", form)
    second = post_form(client, f"/groups/{world['group']}/needs/new", form)
    assert first.status_code == 302 and second.status_code == 302
    assert need_count(app) == 1
    assert second.headers["Location"].endswith("/needs/1/edit")


def test_cap_on_live_needs(app, client, world):
    with app.app_context():
        from models.core.settings import set_setting

        set_setting("live_need_cap", "2")
        db.session.commit()
    draft = make_need(app, world, status="draft")
    other_draft = make_need(app, world, status="draft")
    make_need(app, world, status="submitted")
    login(client, "owner@example.org")
    assert "Post a need" in client.get(f"/groups/{world['group']}/needs").get_data(as_text=True)
    response = post_form(client, f"/needs/{draft}/edit", need_form(world, save=None, submit_for_review="Send"))
    assert response.status_code == 302
    # At the cap: said before the form, which is not offered at all.
    listing = client.get(f"/groups/{world['group']}/needs").get_data(as_text=True)
    assert "the most allowed at once" in listing and "Post a need</a>" not in listing
    page = client.get(f"/groups/{world['group']}/needs/new").get_data(as_text=True)
    assert "You cannot post another need yet" in page and 'name="title"' not in page
    response = post_form(client, f"/groups/{world['group']}/needs/new", need_form(world), form_url=f"/needs/{other_draft}/edit")
    assert "You cannot post another need yet" in response.get_data(as_text=True)
    assert need_count(app) == 3
    # The rule itself still holds for a draft sent for review at the cap.
    response = post_form(client, f"/needs/{other_draft}/edit", need_form(world, save=None, submit_for_review="Send"))
    assert "already has 2 live needs" in response.get_data(as_text=True)


def test_a_new_need_starts_in_the_groups_own_ward(app, client, world):
    with app.app_context():
        from models import Organisation

        db.session.get(Organisation, world["group"]).ward_id = world["ward_id"]
        db.session.commit()
    login(client, "owner@example.org")
    page = client.get(f"/groups/{world['group']}/needs/new").get_data(as_text=True)
    assert "Description (optional)" in page and "Photo (optional)" in page  # optional fields say so
    assert f'<option selected value="{world["ward_id"]}">' in page or f'value="{world["ward_id"]}" selected' in page


def test_closing_a_need_asks_first_and_its_group_can_reopen_it_before_the_deadline(app, client, world):
    need_id = make_need(app, world)
    login(client, "owner@example.org")
    listing = client.get(f"/groups/{world['group']}/needs").get_data(as_text=True)
    assert f'action="/needs/{need_id}/close"' not in listing and f'href="/needs/{need_id}/close"' in listing
    confirm = client.get(f"/needs/{need_id}/close").get_data(as_text=True)
    assert "Are you sure you want to close" in confirm and "You can reopen it from your needs until its deadline" in confirm
    other = factories.signed_in(app, "other@example.org")
    assert other.get(f"/needs/{need_id}/close").status_code == 403
    post_form(client, f"/needs/{need_id}/close", {"reason": "Found elsewhere"})
    assert "Reopen" in client.get(f"/groups/{world['group']}/needs").get_data(as_text=True)
    # Another group's member cannot reopen it.
    assert post_form(other, f"/needs/{need_id}/reopen", {}, form_url=f"/groups/{world['other_group']}/needs").status_code == 403
    with app.app_context():
        assert db.session.get(Need, need_id).status == "closed"
    response = post_form(client, f"/needs/{need_id}/reopen", {}, form_url=f"/groups/{world['group']}/needs")
    assert response.status_code == 302
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert (need.status, need.closed_at) == ("published", None)
        event = db.session.scalar(select(Event).where(Event.action == "need.reopened"))
        assert (event.actor_id, event.from_state, event.to_state) == (world["owner"], "closed", "published")
        # Past its deadline it stays closed.
        need.status, need.deadline = "closed", date.today()
        db.session.commit()
    response = post_form(client, f"/needs/{need_id}/reopen", {}, form_url=f"/groups/{world['group']}/needs", follow_redirects=True)
    assert "The deadline has passed" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Need, need_id).status == "closed"


def test_withdrawing_a_draft_asks_first(app, client, world):
    need_id = make_need(app, world, status="draft")
    login(client, "owner@example.org")
    confirm = client.get(f"/needs/{need_id}/withdraw").get_data(as_text=True)
    assert "Are you sure you want to withdraw" in confirm and "You cannot undo this" in confirm
    with app.app_context():
        assert db.session.get(Need, need_id).status == "draft"


def test_published_needs_cannot_be_edited_but_can_be_closed(app, client, world):
    need_id = make_need(app, world)
    login(client, "owner@example.org")
    assert client.get(f"/needs/{need_id}/edit").status_code == 302
    response = post_form(client, f"/needs/{need_id}/edit", need_form(world, title="Changed"), form_url=f"/groups/{world['group']}/needs")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Need, need_id).title == "Volunteers for the pantry"
    post_form(client, f"/needs/{need_id}/close", {}, form_url=f"/groups/{world['group']}/needs")
    with app.app_context():
        assert db.session.get(Need, need_id).status == "closed"


def test_expiry_job_expires_past_deadline_and_tells_the_group_once(app, world, outbox, work_jobs):
    need_id = make_need(app, world)
    with app.app_context():
        db.session.get(Need, need_id).deadline = date.today() - timedelta(days=1)
        db.session.commit()
        from brokerage.extensions import rq
        from workers.needs import expire_needs

        rq.enqueue(expire_needs)
        rq.enqueue(expire_needs)
    assert work_jobs() == 0
    with app.app_context():
        assert db.session.get(Need, need_id).status == NeedStatus.EXPIRED.value
        assert expire_due_needs(date.today()) == []
    expired = [m for m in outbox("owner@example.org") if m.subject.startswith("Expired:")]
    assert len(expired) == 1


@pytest.mark.parametrize("sort", ["newest", "deadline", "most_needed"])
def test_every_sort_pages_through_next_cursors_in_its_order(app, client, world, sort):
    """Next links carry an `after` cursor in every sort (keyset pages: deep pages cost what
    the first does); followed to the end they show each public need once, in the order the
    numbered pages (OFFSET) show them, ties broken by id."""
    import re
    from datetime import datetime
    from html import unescape

    with app.app_context():
        for n in range(50):
            factories.inserted_need(
                world["group"], world["owner"], f"Need {n}", kind="goods", quantity=10, unit="items",
                value_pence=[1_000, 5_000, 9_000][n % 3], theme_id=world["theme_id"], ward_id=world["ward_id"],
                deadline=FUTURE + timedelta(days=n % 4), published_at=datetime(2026, 1, 1, 12, n % 5),
                status="published" if n % 9 else "draft",
            )
        db.session.commit()

    def page(url: str) -> tuple[list[str], str | None]:
        html = client.get(url).get_data(as_text=True)
        found = re.search(r'href="([^"]+)"[^>]*rel="next"', html)
        return re.findall(r'href="/needs/(\d+)"', html), unescape(found.group(1)) if found else None

    by_offset = [need for number in (1, 2, 3) for need in page(f"/needs?sort={sort}&page={number}")[0]]
    by_cursor, url, cursors = [], f"/needs?sort={sort}", 0
    while url:
        needs, url = page(url)
        by_cursor += needs
        cursors += bool(url and "after=" in url)
    assert cursors == 2  # pages 2 and 3 reached by their cursors
    assert len(by_cursor) == 44 == len(set(by_cursor))
    assert by_cursor == by_offset


def test_a_search_finds_and_counts_the_same_needs_however_common_its_word(app, client, world, monkeypatch):
    """On SQLite a word matching COMMON_MATCHES needs or more walks the list's own index and
    looks each need up among the matches; a rarer one fetches its matches: the same needs,
    in the same order, counted the same, narrowed or not."""
    from models.needs import search

    with app.app_context():
        other_ward = db.session.scalar(select(Ward.id).where(Ward.code == "E05013503"))
    for n in range(4):  # and a fifth need: the group's most at once
        make_need(app, world, title=f"Laptops for club {n}", ward_id=other_ward if n % 2 else world["ward_id"],
                  deadline=date.today() + timedelta(days=10 + n))
    make_need(app, world, status="draft", title="Laptops in a draft")
    make_need(app, world, title="Paint for the hall")
    paths = ["/needs?q=laptops", "/needs?q=laptops&sort=deadline", "/needs?q=laptops&ward=E05013503",
             "/needs?q=laptops&page=2", "/needs?q=paint", "/needs?q=freezer"]

    def pages() -> list[str]:  # each response's own script nonce aside
        return [re.sub(r'nonce="[^"]*"', "", client.get(path).get_data(as_text=True)) for path in paths]

    rare = pages()
    monkeypatch.setattr(search, "COMMON_MATCHES", 1)
    common = pages()
    assert common == rare
    assert "4 needs found" in rare[0] and "Laptops in a draft" not in rare[0]
    assert rare[1].index("Laptops for club 0") < rare[1].index("Laptops for club 3")
    assert "2 needs found" in rare[2] and "Laptops for club 1" in rare[2] and "Laptops for club 0" not in rare[2]


@pytest.mark.postgres
def test_search_uses_the_full_text_index_in_a_generic_plan(app, world):
    """psycopg prepares a statement run a few times, and PostgreSQL then plans it once for any
    values (a generic plan): the search must spell out the index's own expression, constants
    and all, or that plan cannot use ix_needs_search and reads every need (1.5 s at 200,000)."""
    import re

    from sqlalchemy import text

    from models.needs.search import NeedFilters, public_needs_query

    with app.app_context():
        query = public_needs_query(NeedFilters(q="laptops"), date.today())
        compiled = query.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
        names = re.findall(r"%\((\w+)\)s", str(compiled))
        sql = re.sub(r"%\((\w+)\)s", lambda found: f"${names.index(found.group(1)) + 1}", str(compiled))
        values = [compiled.params[name] for name in names]
        connection = db.session.connection()
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql(f"PREPARE needs_search AS {sql}")
        arguments = ", ".join(f"'{value}'" if isinstance(value, str) else str(value) for value in values)
        plan = "\n".join(row[0] for row in db.session.execute(text(f"EXPLAIN EXECUTE needs_search({arguments})")))
        db.session.rollback()
        connection = db.session.connection()
        connection.exec_driver_sql("DEALLOCATE ALL")
        assert "ix_needs_search" in plan, plan
