"""Stories of delivered impact: a group tells the story of its confirmed
delivery (sanitised Markdown, optional photo), an officer publishes it, sends it
back or withdraws it; the public pages; the wrong people cannot; and the
suppliers' quarterly newsletter, by email and on the web."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from models import EmailMessage, Event, OrganisationKind, Pledge, Story, User, db, utcnow
from models.digests.content import DigestBuilder
from models.digests.periods import period_for
from models.digests.preferences import preferences_for
from tests import factories
from tests.factories import count, plain, png_bytes, post_form, signed_in
from workers.digests import send_newsletters


@pytest.fixture
def world(app, places):
    return factories.digest_borough(app)


def story_form(world, **overrides) -> dict:
    return {
        "pledge_id": str(world["delivered"]),
        "title": "Saturday breakfasts",
        "summary": "What four Saturdays of volunteering meant for the families we feed.",
        "body": "We served **480** breakfasts.<script>alert('x')</script>\n\n[More](javascript:alert(1))",
        "photo_alt": "",
        **overrides,
    }


def newest_story(app) -> Story:
    with app.app_context():
        story = db.session.scalar(select(Story).order_by(Story.id.desc()))
        db.session.expunge(story)
        return story


def test_a_group_tells_the_story_of_a_confirmed_delivery_and_an_officer_publishes_it(app, world):
    grace = signed_in(app, "grace@example.org")
    page = grace.get(f"/groups/{world['group']}/stories/new").get_data(as_text=True)
    assert f'value="{world["delivered"]}"' in page  # the confirmed delivery
    assert f'value="{world["offered"]}"' not in page  # not the pledge still on offer

    preview = post_form(grace, f"/groups/{world['group']}/stories/new", {**story_form(world), "preview": "Preview"})
    assert "<strong>480</strong>" in preview.get_data(as_text=True)
    assert count(app, Story) == 1  # a preview saves nothing

    form = story_form(world, submit_for_review="Send")
    form["photo"] = (io.BytesIO(png_bytes()), "breakfast.png")
    form["photo_alt"] = "Volunteers serving breakfast"
    response = post_form(grace, f"/groups/{world['group']}/stories/new", form, content_type="multipart/form-data")

    assert response.status_code == 302
    story = newest_story(app)
    assert (story.status, story.organisation_id, story.need_id, story.ward_id) == (
        "submitted", world["group"], world["pantry"], world["harlesden"],
    )
    assert story.photo_filename.endswith(".png")
    anonymous = app.test_client()
    assert anonymous.get(f"/stories/{story.id}").status_code == 404  # not public until published
    assert anonymous.get(f"/stories/{story.id}/photo").status_code == 404
    assert grace.get(f"/stories/{story.id}").status_code == 200  # the group can see it
    assert grace.get(f"/stories/{story.id}/edit").status_code == 403  # but not change it while it is reviewed

    officer = signed_in(app, "officer@example.org")
    assert "Saturday breakfasts" in officer.get("/officers/stories").get_data(as_text=True)
    assert "1 story to review" in officer.get("/officers/").get_data(as_text=True)
    decided = post_form(officer, f"/officers/stories/{story.id}", {"publish": "Publish", "comment": ""})

    assert decided.status_code == 302
    assert "Saturday breakfasts" in anonymous.get("/stories").get_data(as_text=True)
    public = anonymous.get(f"/stories/{story.id}").get_data(as_text=True)
    assert "<strong>480</strong>" in public
    assert "<script>" not in public and "javascript:" not in public
    photo = anonymous.get(f"/stories/{story.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert photo.headers["Cross-Origin-Resource-Policy"] == "cross-origin"  # shown in email too
    assert photo.headers["Content-Security-Policy"] == "default-src 'none'"
    with app.app_context():
        actions = db.session.scalars(
            select(Event.action).where(Event.subject_type == "stories", Event.subject_id == str(story.id)).order_by(Event.id)
        ).all()
        assert actions == ["story.created", "story.photo_changed", "story.submitted", "story.published"]
        now = utcnow()
        [digest] = DigestBuilder(period_for("monthly", now), now).build([world["rita"]])
        assert digest.stories[0].title == "Saturday breakfasts" and digest.stories[0].has_photo


def test_a_story_sent_back_is_changed_and_sent_again_then_withdrawn(app, world, outbox):
    grace = signed_in(app, "grace@example.org")
    post_form(grace, f"/groups/{world['group']}/stories/new", story_form(world, submit_for_review="Send"))
    story = newest_story(app)
    officer = signed_in(app, "officer@example.org")

    no_comment = post_form(officer, f"/officers/stories/{story.id}", {"request_changes": "Send back", "comment": ""})
    assert "Say what the group should change" in no_comment.get_data(as_text=True)
    post_form(officer, f"/officers/stories/{story.id}", {"request_changes": "Send back", "comment": "Add a quote from a family"})
    assert "Add a quote from a family" in grace.get(f"/groups/{world['group']}/stories").get_data(as_text=True)
    [told] = outbox("grace@example.org")
    assert told.subject == "Changes requested: Saturday breakfasts"
    assert "Add a quote from a family" in told.text_body
    assert f"http://localhost/stories/{story.id}/edit" in told.text_body

    changed = post_form(grace, f"/stories/{story.id}/edit", story_form(world, body="“We would not have managed.”", save="Save"))
    assert changed.status_code == 302
    post_form(grace, f"/stories/{story.id}/submit", {}, form_url=f"/groups/{world['group']}/stories")
    assert newest_story(app).status == "submitted"
    post_form(officer, f"/officers/stories/{story.id}", {"publish": "Publish"})
    assert app.test_client().get(f"/stories/{story.id}").status_code == 200

    asked = post_form(officer, f"/officers/stories/{story.id}", {"withdraw": "Withdraw", "comment": "The family asked us to"})
    page = asked.get_data(as_text=True)  # "Are you sure?" first, carrying the comment
    assert asked.status_code == 200 and "Are you sure you want to withdraw “Saturday breakfasts”?" in page
    assert "taken off the public pages" in page and 'value="The family asked us to"' in page
    assert newest_story(app).status == "published"
    group_asks = post_form(grace, f"/officers/stories/{story.id}", {"withdraw": "Withdraw"}, form_url="/account")
    assert group_asks.status_code == 403
    post_form(officer, f"/officers/stories/{story.id}", {"withdraw": "Withdraw", "comment": "The family asked us to", "confirmed": "yes"})

    assert newest_story(app).status == "withdrawn"
    assert app.test_client().get(f"/stories/{story.id}").status_code == 404
    assert [message.subject for message in outbox("grace@example.org")] == [
        "Changes requested: Saturday breakfasts", "Published: Saturday breakfasts", "Withdrawn: Saturday breakfasts",
    ]
    with app.app_context():
        [withdrawn] = db.session.scalars(select(Event).where(Event.action == "story.withdrawn")).all()
        assert withdrawn.detail == {"reason": "The family asked us to"}


def test_the_wrong_people_cannot_tell_or_change_a_groups_story(app, world, make_user, make_organisation):
    other_owner = make_user("other@example.org", "Odette Other")
    other_group = make_organisation(other_owner, name="Kilburn Football", registration_number="1190002")
    make_user("pat@example.org", "Pat Resident")
    other = signed_in(app, "other@example.org")
    resident = signed_in(app, "pat@example.org")
    sam = signed_in(app, "sam@example.org")

    for client in (other, resident, sam):
        assert client.get(f"/groups/{world['group']}/stories").status_code == 403
        assert client.get(f"/groups/{world['group']}/stories/new").status_code == 403
        assert client.get(f"/stories/{world['story']}/edit").status_code == 403
        assert client.get("/officers/stories").status_code == 403
        assert client.get(f"/officers/stories/{world['story']}").status_code == 403
    # Another group cannot tell a story about a delivery it did not receive.
    stolen = post_form(other, f"/groups/{other_group}/stories/new", story_form(world, save="Save"))
    assert stolen.status_code == 200 and "govuk-error-message" in stolen.get_data(as_text=True)
    assert count(app, Story) == 1
    with app.app_context():
        from models import DomainError
        from models.stories.stories import StoryDetails, create_story
        from models import Organisation

        with pytest.raises(DomainError, match="one of your group's confirmed deliveries"):
            create_story(
                db.session.get(User, other_owner),
                StoryDetails("Not ours", "Not ours", "", world["delivered"]),
                db.session.get(Organisation, other_group),
            )
        with pytest.raises(DomainError, match="delivery the council has confirmed"):
            create_story(
                db.session.get(User, world["owner"]),
                StoryDetails("Too soon", "Not delivered yet", "", world["offered"]),
                db.session.get(Organisation, world["group"]),
            )
        db.session.rollback()


def test_an_officer_writes_a_story_for_the_borough(app, world):
    officer = signed_in(app, "officer@example.org")
    response = post_form(
        officer, "/officers/stories/new",
        story_form(world, pledge_id="0", title="A year of the exchange", summary="What changed in a year.", save="Save"),
    )
    assert response.status_code == 302
    story = newest_story(app)
    assert (story.status, story.organisation_id, story.pledge_id) == ("draft", None, None)
    assert response.headers["Location"].endswith(f"/officers/stories/{story.id}")
    post_form(officer, f"/officers/stories/{story.id}", {"publish": "Publish"})
    assert "A year of the exchange" in app.test_client().get("/stories").get_data(as_text=True)


# The suppliers' newsletter ---------------------------------------------------


def test_suppliers_get_the_quarterly_newsletter_and_can_leave_it(app, world, smtp, work_jobs, make_user, make_organisation):
    other_seller = make_user("sid@example.org", "Sid Seller")
    make_organisation(other_seller, kind=OrganisationKind.SUPPLIER, name="Newco Ltd", registration_number="09000002")

    with app.app_context():
        assert send_newsletters() == {"queued": 2, "empty": 0}
        assert send_newsletters() == {"queued": 0, "empty": 0}
    work_jobs()

    received = smtp.received()
    assert sorted(received) == ["sam@example.org", "sid@example.org"]  # suppliers only
    mime = received["sam@example.org"]
    text_part = plain(mime)
    html_part = mime.get_body(("html",)).get_content()
    quarter = period_for("quarterly", utcnow())
    assert mime["Subject"] == f"Brent Council social value newsletter: {quarter.label}"
    assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "1 supplier delivered to 1 community group: 1 confirmed delivery, worth £360." in text_part
    assert "Breakfast for 120 families (Harlesden Food Hub)" in text_part
    assert f'href="http://localhost/stories/{world["story"]}"' in html_part
    assert "http://localhost/newsletter" in text_part

    one_click = re.fullmatch(r"<http://localhost(\S+/one-click)>", mime["List-Unsubscribe"]).group(1)
    assert app.test_client().post(one_click, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with app.app_context():
        sam = preferences_for(db.session.get(User, world["seller"]))
        assert (sam.newsletter, sam.frequency) == (False, "monthly")  # the digest carries on
        assert db.session.scalar(select(Event.action).where(Event.actor_id == world["seller"]).order_by(Event.id.desc())) == (
            "newsletter.unsubscribed"
        )
        from models.digests.preferences import newsletter_recipients

        assert newsletter_recipients("2099-Q1") == [other_seller]
    assert count(app, EmailMessage, EmailMessage.kind == "newsletter") == 2


def test_the_newsletter_page_is_public(app, world):
    page = app.test_client().get("/newsletter").get_data(as_text=True)
    assert "Newsletter for suppliers" in page
    assert "1 confirmed delivery, worth £360" in page
    assert "Breakfast for 120 families" in page


def test_a_confirmed_delivery_is_needed_before_a_group_can_tell_a_story(app, world):
    with app.app_context():
        db.session.get(Pledge, world["delivered"]).status = "disputed"
        db.session.commit()
    page = signed_in(app, "grace@example.org").get(f"/groups/{world['group']}/stories").get_data(as_text=True)
    assert "You can tell a story once the council has confirmed a delivery" in page
