"""Removing a need's or a story's photo asks "Are you sure?" first (issue 14): the GET
answers with the confirmation page saying what happens next, the POST removes the photo,
and someone who may not change the need or story is refused the page too."""

from __future__ import annotations

import io

from sqlalchemy import select

from models import Need, Story, db
from tests.factories import login, png_bytes, post_form, signed_in
from tests.needs.test_needs import need_form, world  # noqa: F401 (the fixture)
from tests.needs.test_pending_photos import pending_id, story_with_photo

MULTIPART = {"content_type": "multipart/form-data"}


def test_removing_a_needs_photo_asks_first(app, client, world):
    login(client, "owner@example.org")
    url = f"/groups/{world['group']}/needs/new"
    form = need_form(world, save=None, preview="Preview")
    form["photo"] = (io.BytesIO(png_bytes()), "club.png")
    page = post_form(client, url, form, **MULTIPART).get_data(as_text=True)
    assert post_form(client, url, need_form(world, pending_photo=pending_id(page))).status_code == 302
    with app.app_context():
        need_id = db.session.scalar(select(Need.id))
    remove = f"/needs/{need_id}/photo/remove"
    assert f'href="{remove}"' in client.get(f"/needs/{need_id}/edit").get_data(as_text=True)

    page = client.get(remove).get_data(as_text=True)
    assert "Are you sure you want to remove the photo?" in page
    assert "What happens next" in page and "You cannot undo this" in page
    assert "Yes, remove the photo" in page and f'action="{remove}"' in page
    assert signed_in(app, "other@example.org").get(remove).status_code == 403
    with app.app_context():
        assert db.session.get(Need, need_id).photo_filename  # asking removed nothing

    assert post_form(client, remove, {}).status_code == 302
    with app.app_context():
        assert db.session.get(Need, need_id).photo_filename is None


def test_removing_a_storys_photo_asks_first(app, places):
    _, grace = story_with_photo(app)
    with app.app_context():
        story_id = db.session.scalar(select(Story.id).order_by(Story.id.desc()))
    remove = f"/stories/{story_id}/photo/remove"

    page = grace.get(remove).get_data(as_text=True)
    assert "Are you sure you want to remove the photo?" in page and "Yes, remove the photo" in page
    assert signed_in(app, "sam@example.org").get(remove).status_code == 403
    with app.app_context():
        assert db.session.get(Story, story_id).photo_filename

    assert post_form(grace, remove, {}).status_code == 302
    with app.app_context():
        assert db.session.get(Story, story_id).photo_filename is None
