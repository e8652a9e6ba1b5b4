"""Community groups tell the stories of their confirmed deliveries; officers use
the same edit page. The council publishes them (brokerage/officers/stories.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from brokerage.decorators import verified_email_required
from brokerage.extensions import limiter
from brokerage.groups import bp
from brokerage.groups.routes import _group_or_403, render_photo_removal
from brokerage.markdown import render_markdown
from brokerage.forms import ActionForm
from brokerage.photos import delete_photo, hold_chosen_photo
from brokerage.forms.stories import StoryForm
from brokerage.views import apply_rule, show_domain_error
from models import DomainError, Organisation, Story, db
from models.core.uploads import claim_pending_upload
from models.stories.stories import (
    confirmed_deliveries,
    create_story,
    set_story_photo,
    submit_story,
    update_story,
)


def _story_or_403(story_id: int) -> Story:
    story = db.session.get(Story, story_id)
    if story is None:
        abort(404)
    if not story.can_edit(current_user):
        abort(403)
    return story


def handle_story_form(form: StoryForm, organisation: Organisation | None, story: Story | None, done_url):
    """Shared by writing and changing a story (groups and officers): preview, save,
    or save and send for review. Returns (response or None, preview)."""
    if request.method == "POST" and form.remove_pending_photo.data:
        hold_chosen_photo(form)
        return None, None
    preview = render_markdown(form.body.data) if form.preview.data else None
    valid = form.validate_on_submit()
    if not hold_chosen_photo(form) or form.preview.data or not valid:
        return None, preview
    try:
        if story is None:
            story = create_story(current_user, form.details(), organisation)
        else:
            update_story(story, current_user, form.details())
        old = set_story_photo(story, current_user, claim_pending_upload(form.attached)) if form.attached else None
        if form.submit_for_review.data:
            submit_story(story, current_user)
        db.session.commit()
    except DomainError as error:  # PermissionDenied too: say why, keep what they wrote (and the photo)
        db.session.rollback()
        show_domain_error(form, error)
        return None, preview
    delete_photo(old)
    if story.status == "submitted":
        flash(_("“%(title)s” has been sent to the council. They will publish it or tell you what to change.", title=story.title), "success")
    else:
        flash(_("“%(title)s” has been saved.", title=story.title), "success")
    return redirect(done_url(story)), None


@bp.route("/groups/<int:organisation_id>/stories")
@verified_email_required
def stories(organisation_id: int):
    organisation = _group_or_403(organisation_id)
    found = db.session.scalars(
        select(Story).where(Story.organisation_id == organisation.id).order_by(Story.updated_at.desc(), Story.id.desc())
    ).all()
    return render_template(
        "groups/stories.html",
        organisation=organisation,
        stories=found,
        deliveries=len(confirmed_deliveries(organisation.id)),
    )


@bp.route("/groups/<int:organisation_id>/stories/new", methods=["GET", "POST"])
@verified_email_required
@limiter.limit("60 per hour", methods=["POST"])
def new_story(organisation_id: int):
    organisation = _group_or_403(organisation_id)
    form = StoryForm()
    form.set_deliveries(confirmed_deliveries(organisation.id), optional=False)
    if request.method == "GET" and request.args.get("pledge", "").isdigit():
        form.pledge_id.data = int(request.args["pledge"])
    response, preview = handle_story_form(
        form, organisation, None, lambda story: url_for("groups.stories", organisation_id=organisation.id)
    )
    if response is not None:
        return response
    return render_template("groups/story_form.html", form=form, organisation=organisation, story=None, preview=preview)


@bp.route("/stories/<int:story_id>/edit", methods=["GET", "POST"])
@verified_email_required
@limiter.limit("60 per hour", methods=["POST"])
def edit_story(story_id: int):
    story = _story_or_403(story_id)
    form = StoryForm(obj=story)
    officer = current_user.is_officer
    form.set_deliveries(confirmed_deliveries(story.organisation_id), optional=officer)
    if request.method == "GET":
        form.pledge_id.data = story.pledge_id or 0

    def done(saved: Story) -> str:
        if officer:
            return url_for("officers.review_story", story_id=saved.id)
        return url_for("groups.stories", organisation_id=saved.organisation_id)

    response, preview = handle_story_form(form, story.organisation, story, done)
    if response is not None:
        return response
    return render_template("groups/story_form.html", form=form, organisation=story.organisation, story=story, preview=preview)


@bp.route("/stories/<int:story_id>/submit", methods=["POST"])
@verified_email_required
def submit_story_view(story_id: int):
    story = _story_or_403(story_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if apply_rule(lambda: submit_story(story, current_user)):
        flash(_("“%(title)s” has been sent to the council.", title=story.title), "success")
    return redirect(url_for("groups.stories", organisation_id=story.organisation_id))


@bp.route("/stories/<int:story_id>/photo/remove", methods=["GET", "POST"])
@verified_email_required
def remove_story_photo(story_id: int):
    story = _story_or_403(story_id)
    if request.method == "GET":
        return render_photo_removal(
            story.title, url_for("groups.remove_story_photo", story_id=story.id), url_for("groups.edit_story", story_id=story.id)
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    old = story.photo_filename
    if apply_rule(lambda: set_story_photo(story, current_user, None)):
        delete_photo(old)
        flash(_("The photo has been removed."), "success")
    return redirect(url_for("groups.edit_story", story_id=story.id))
