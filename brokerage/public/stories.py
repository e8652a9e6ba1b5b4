"""Stories of delivered impact, and the suppliers' quarterly newsletter, in public."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from brokerage.pagination import paginate
from brokerage.photos import send_photo
from brokerage.public import bp
from models import Story, db, utcnow
from models.digests.content import build_newsletter
from models.digests.periods import period_for


def _visible_story(story_id: int) -> Story:
    story = db.session.get(Story, story_id)
    user = current_user if current_user.is_authenticated else None
    if story is None or not story.can_view(user):
        abort(404)  # drafts and stories under review do not exist publicly
    return story


@bp.route("/stories")
def stories():
    query = (
        select(Story)
        .options(selectinload(Story.organisation))
        .where(Story.status == "published")
        .order_by(Story.published_at.desc(), Story.id.desc())
    )
    return render_template("public/stories.html", page=paginate(query, per_page=20))


@bp.route("/stories/<int:story_id>")
def story(story_id: int):
    found = _visible_story(story_id)
    user = current_user if current_user.is_authenticated else None
    return render_template("public/story.html", story=found, can_edit=found.can_edit(user))


@bp.route("/stories/<int:story_id>/photo")
def story_photo(story_id: int):
    found = _visible_story(story_id)
    if not found.photo_filename:
        abort(404)
    response = send_photo(found.photo_filename)
    if found.is_published:
        # Shown in email too, where the reader's mail program loads it from another site.
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.route("/newsletter")
def newsletter():
    """This quarter's newsletter for suppliers, as a page anyone can read."""
    now = utcnow()
    return render_template("public/newsletter.html", newsletter=build_newsletter(period_for("quarterly", now), now))
