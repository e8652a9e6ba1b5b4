"""A photo chosen on a need's or a story's form survives "Preview" and a mistake to
correct: it is kept as a pending upload of its chooser, shown as "Attached: name",
attached when the form is saved, never usable by anyone else, and cleaned up a day on."""

from __future__ import annotations

import io
import os
import re
from datetime import timedelta

from sqlalchemy import select

from models import Need, PendingUpload, Story, db, utcnow
from tests import factories
from tests.factories import count, login, png_bytes, post_form, signed_in
from tests.needs.test_needs import need_form, world  # noqa: F401 (the fixture)
from tests.stories.test_stories import story_form

MULTIPART = {"content_type": "multipart/form-data"}


def pending_id(page: str) -> str:
    match = re.search(r'name="pending_photo"[^>]*value="(\d*)"|value="(\d*)"[^>]*name="pending_photo"', page)
    assert match, "no pending_photo field"
    return match.group(1) or match.group(2) or ""


def photo_path(app, name: str) -> str:
    return os.path.join(app.config["UPLOAD_DIR"], "photos", name)


def test_a_need_keeps_its_photo_across_the_preview_and_a_mistake(app, client, world):
    login(client, "owner@example.org")
    url = f"/groups/{world['group']}/needs/new"
    form = need_form(world, save=None, preview="Preview the description")
    form["photo"] = (io.BytesIO(png_bytes()), "homework club.png")
    preview = post_form(client, url, form, **MULTIPART).get_data(as_text=True)
    assert "Attached:</strong> homework club.png" in preview and "Remove this photo" in preview
    first = pending_id(preview)
    assert first and count(app, Need) == 0

    # A mistake next (no title): the photo is still attached, though not chosen again.
    mistake = post_form(client, url, need_form(world, title="", pending_photo=first)).get_data(as_text=True)
    assert "Enter a title" in mistake and "Attached:</strong> homework club.png" in mistake
    assert pending_id(mistake) == first

    saved = post_form(client, url, need_form(world, pending_photo=first))
    assert saved.status_code == 302
    with app.app_context():
        need = db.session.scalar(select(Need))
        assert need.photo_filename and os.path.exists(photo_path(app, need.photo_filename))
        assert db.session.scalars(select(PendingUpload)).all() == []  # attached: no longer pending


def test_a_pending_photo_can_be_removed(app, client, world):
    login(client, "owner@example.org")
    url = f"/groups/{world['group']}/needs/new"
    form = need_form(world, save=None, preview="Preview")
    form["photo"] = (io.BytesIO(png_bytes()), "wrong.png")
    upload = pending_id(post_form(client, url, form, **MULTIPART).get_data(as_text=True))
    with app.app_context():
        stored = db.session.get(PendingUpload, int(upload)).stored_name
    removed = post_form(client, url, need_form(world, save=None, pending_photo=upload, remove_pending_photo="Remove"))
    text = removed.get_data(as_text=True)
    assert "Attached:" not in text and pending_id(text) == "" and "There is a problem" not in text
    assert count(app, PendingUpload) == 0 and not os.path.exists(photo_path(app, stored))
    post_form(client, url, need_form(world, pending_photo=upload))
    with app.app_context():
        assert db.session.scalar(select(Need)).photo_filename is None


def test_another_persons_pending_photo_cannot_be_used(app, client, world):
    login(client, "owner@example.org")
    form = need_form(world, save=None, preview="Preview")
    form["photo"] = (io.BytesIO(png_bytes()), "ours.png")
    upload = pending_id(post_form(client, f"/groups/{world['group']}/needs/new", form, **MULTIPART).get_data(as_text=True))

    other = signed_in(app, "other@example.org")
    url = f"/groups/{world['other_group']}/needs/new"
    page = post_form(other, url, need_form(world, save=None, preview="Preview", pending_photo=upload)).get_data(as_text=True)
    assert "ours.png" not in page and pending_id(page) == ""
    assert post_form(other, url, need_form(world, pending_photo=upload)).status_code == 302
    removed = post_form(other, url, need_form(world, pending_photo=upload, remove_pending_photo="Remove"))
    assert removed.status_code == 200
    with app.app_context():
        need = db.session.scalar(select(Need).where(Need.organisation_id == world["other_group"]))
        assert need.photo_filename is None
        assert db.session.get(PendingUpload, int(upload)).user_id == world["owner"]  # still the owner's


def story_with_photo(app):
    """The digest borough, signed in as its group's owner, who writes a story with a photo
    (previewed first, so the photo is held as a pending upload): the world and the client."""
    world = factories.digest_borough(app)
    grace = signed_in(app, "grace@example.org")
    url = f"/groups/{world['group']}/stories/new"
    form = {**story_form(world), "preview": "Preview"}
    form["photo"] = (io.BytesIO(png_bytes()), "breakfast.png")
    page = post_form(grace, url, form, **MULTIPART).get_data(as_text=True)
    assert "Attached:</strong> breakfast.png" in page
    response = post_form(grace, url, story_form(world, save="Save", pending_photo=pending_id(page)))
    assert response.status_code == 302
    return world, grace


def test_a_story_keeps_its_photo_across_the_preview(app, places):
    story_with_photo(app)
    with app.app_context():
        assert db.session.scalar(select(Story).order_by(Story.id.desc())).photo_filename.endswith(".png")
        assert count(app, PendingUpload) == 0


def test_pending_photos_left_behind_are_removed_a_day_on(app, client, world):
    from workers.needs import remove_expired_pending_uploads

    login(client, "owner@example.org")
    form = need_form(world, save=None, preview="Preview")
    form["photo"] = (io.BytesIO(png_bytes()), "left.png")
    old = int(pending_id(post_form(client, f"/groups/{world['group']}/needs/new", form, **MULTIPART).get_data(as_text=True)))
    form["photo"] = (io.BytesIO(png_bytes()), "fresh.png")
    fresh = int(pending_id(post_form(client, f"/groups/{world['group']}/needs/new", form, **MULTIPART).get_data(as_text=True)))
    with app.app_context():
        upload = db.session.get(PendingUpload, old)
        upload.created_at = utcnow() - timedelta(hours=25)
        old_name, fresh_name = upload.stored_name, db.session.get(PendingUpload, fresh).stored_name
        db.session.commit()
        assert remove_expired_pending_uploads() == 1
        assert remove_expired_pending_uploads() == 0  # safe to run twice
        assert db.session.get(PendingUpload, old) is None and db.session.get(PendingUpload, fresh) is not None
    assert not os.path.exists(photo_path(app, old_name)) and os.path.exists(photo_path(app, fresh_name))
