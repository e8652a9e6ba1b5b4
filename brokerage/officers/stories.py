"""Officers review the groups' stories (publish, send back, withdraw) and write their own."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from brokerage.decorators import officer_required
from brokerage.groups.stories import handle_story_form
from brokerage.officers import bp
from brokerage.pagination import paginate
from brokerage.forms.stories import StoryForm, StoryReviewForm
from brokerage.views import apply_rule
from brokerage.rule_messages import translate_label
from models import Story, db
from models.core.events import events_for
from models.core.work_queue import waiting
from models.stories.stories import StoryStatus, confirmed_deliveries, publish_story, request_story_changes, withdraw_story
from workers.notify import send_story_decision


@bp.route("/stories")
@officer_required
def stories():
    waiting_stories = db.session.scalars(waiting("stories").options(selectinload(Story.organisation))).all()
    query = (
        select(Story)
        .options(selectinload(Story.organisation))
        .where(Story.status != "submitted")
        .order_by(Story.updated_at.desc(), Story.id.desc())
    )
    return render_template("officers/stories.html", waiting=waiting_stories, page=paginate(query, per_page=25))


@bp.route("/stories/new", methods=["GET", "POST"])
@officer_required
def new_story():
    form = StoryForm()
    form.set_deliveries(confirmed_deliveries(), optional=True)
    response, preview = handle_story_form(
        form, None, None, lambda story: url_for("officers.review_story", story_id=story.id)
    )
    if response is not None:
        return response
    return render_template("officers/story_form.html", form=form, organisation=None, story=None, preview=preview)


@bp.route("/stories/<int:story_id>", methods=["GET", "POST"])
@officer_required
def review_story(story_id: int):
    story = db.session.get(Story, story_id)
    if story is None:
        abort(404)
    form = StoryReviewForm()
    if form.validate_on_submit() and form.withdraw.data and story.status == StoryStatus.PUBLISHED.value and request.form.get("confirmed") != "yes":
        return _confirm_withdrawal(story, form.comment.data or "")
    if form.validate_on_submit():

        def decide():
            comment = form.comment.data or ""
            if form.publish.data:
                publish_story(story, current_user)
            elif form.request_changes.data:
                request_story_changes(story, current_user, comment)
            elif form.withdraw.data:
                withdraw_story(story, current_user, comment)
            else:
                abort(400)
            send_story_decision(story)

        if apply_rule(decide, form):
            done = _("“%(title)s”: %(status)s.", title=story.title, status=translate_label(story.status_label).lower())
            flash(f"{done} {_('We have emailed the group.')}" if story.organisation_id else done, "success")
            return redirect(url_for("officers.stories"))
    return render_template("officers/story.html", story=story, form=form, events=events_for(story))


def _confirm_withdrawal(story: Story, comment: str):
    """"Are you sure?" before a published story is withdrawn: the officer's comment is carried
    to the button that withdraws it (the review form posted again, confirmed)."""
    told = _("We will email %(group)s with your comment.", group=story.organisation.name) if story.organisation_id else ""
    return render_template(
        "officers/confirm.html",
        question=_("Are you sure you want to withdraw “%(title)s”?", title=story.title),
        caption=_("Stories"),
        next_steps=[
            " ".join(filter(None, [_("It will be taken off the public pages straight away."), told])),
            _("Residents will no longer find it. An officer can publish it again from its review page."),
        ],
        action_url=url_for("officers.review_story", story_id=story.id),
        hidden={"comment": comment, "withdraw": "Withdraw", "confirmed": "yes"},
        button=_("Yes, withdraw the story"),
        cancel_url=url_for("officers.review_story", story_id=story.id),
    )
