"""A round's ideas phase, for residents: the ideas, proposing one, supporting, commenting and
reporting. The rules (who may take part, one support per person, moderation) are in
models/voting/ideas.py; these views parse, call them and render."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from brokerage.extensions import limiter
from brokerage.forms import ConfirmForm
from brokerage.forms.ideas import CommentForm, IdeaForm, ReportForm
from brokerage.i18n import languages
from brokerage.markdown import render_markdown
from brokerage.photos import delete_photo, send_photo, store_photo
from brokerage.public import bp
from brokerage.views import apply_rule, show_domain_error
from models import DomainError, PermissionDenied, Round, db, utcnow
from models.ideas.ideas import (
    Idea,
    IdeaComment,
    add_comment,
    can_edit,
    can_view,
    comment_threads,
    ideas_phase,
    ideas_stage,
    participation_problem,
    propose_idea,
    report,
    set_idea_photo,
    support_idea,
    supports,
    translate_idea,
    update_idea,
    visible_ideas,
    withdraw_support,
)
from models.places.ward_map import ward_shapes
from models.voting.models import RoundState


def _user_key() -> str:
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else request.remote_addr or "unknown"


def _viewer():
    return current_user if current_user.is_authenticated else None


MARKER_DEGREES = 0.0002  # a marker's half-width: about 20 metres


def _ward_map(round_: Round, ideas: list[Idea]) -> dict | None:
    """The round's ward drawn as SVG with a marker at each idea's point (models/places/ward_map.py
    projects a tiny square around each point with the ward, so both share one projection)."""
    ward = round_.ward
    if ward is None or ward.geometry is None:
        return None
    squares = [
        (idea.id, "", idea.title, {"type": "Polygon", "coordinates": [[
            [idea.longitude - MARKER_DEGREES, idea.latitude - MARKER_DEGREES],
            [idea.longitude + MARKER_DEGREES, idea.latitude - MARKER_DEGREES],
            [idea.longitude + MARKER_DEGREES, idea.latitude + MARKER_DEGREES],
            [idea.longitude - MARKER_DEGREES, idea.latitude + MARKER_DEGREES],
        ]]})
        for idea in ideas if idea.latitude is not None
    ]
    view_box, shapes = ward_shapes([(ward.id, ward.code, ward.name, ward.geometry), *squares], width=600)
    return {"view_box": view_box, "ward": shapes[0], "markers": shapes[1:], "name": ward.name}


def _round_with_ideas_or_404(round_id: int) -> Round:
    """A round with an ideas phase; a draft one is public while it collects ideas."""
    round_ = db.session.get(Round, round_id)
    if round_ is None or ideas_phase(round_.id) is None:
        abort(404)
    return round_


def _idea_or_404(idea_id: int) -> Idea:
    idea = db.session.get(Idea, idea_id)
    if idea is None or not can_view(idea, _viewer()):
        abort(404)
    return idea


@bp.route("/rounds/<int:round_id>/ideas")
def round_ideas(round_id: int):
    round_ = _round_with_ideas_or_404(round_id)
    now = utcnow()
    phase = ideas_phase(round_.id)
    ideas = visible_ideas(round_.id)
    return render_template(
        "public/ideas.html",
        round=round_,
        phase=phase,
        stage=ideas_stage(round_, phase, now),
        ideas=ideas,
        ward_map=_ward_map(round_, ideas),
        problem=participation_problem(round_, _viewer(), now),
        voting_visible=round_.state != RoundState.DRAFT.value,
    )


def _save_photo(form: IdeaForm, idea: Idea, files: list[str | None]) -> None:
    """Store the uploaded photo (checked like need photos) and attach it. `files` gets the
    stored name and the replaced one: the first is deleted if the transaction fails, the
    second once it commits."""
    if form.photo.data and getattr(form.photo.data, "filename", ""):
        files[0] = store_photo(form.photo.data.stream)
        files[1] = set_idea_photo(idea, current_user, files[0], form.photo_alt.data)
    elif idea.photo_filename:
        idea.photo_alt = (form.photo_alt.data or "").strip()[:250] or None


def _idea_form_page(round_: Round, form: IdeaForm, idea: Idea | None, status: int = 200):
    return render_template(
        "public/idea_form.html", round=round_, form=form, idea=idea,
        problem=participation_problem(round_, current_user, utcnow()),
    ), status


def _run_idea_form(round_: Round, form: IdeaForm, idea: Idea | None):
    """Propose or change an idea, with its photo, in one transaction."""
    files: list[str | None] = [None, None]
    try:
        if idea is None:
            idea = propose_idea(round_, current_user, form.details(), utcnow())
        else:
            update_idea(idea, current_user, form.details(), utcnow())
        translate_idea(idea, current_user, form.second_text(), languages())
        _save_photo(form, idea, files)
        db.session.commit()
    except PermissionDenied as error:
        db.session.rollback()
        delete_photo(files[0])
        flash(error.message, "error")
        return _idea_form_page(round_, form, idea, 403)
    except DomainError as error:
        db.session.rollback()
        delete_photo(files[0])
        show_domain_error(form, error)
        return _idea_form_page(round_, form, idea, 400)
    delete_photo(files[1])
    return redirect(url_for("public.idea", idea_id=idea.id))


@bp.route("/rounds/<int:round_id>/ideas/new", methods=["GET", "POST"])
@login_required
@limiter.limit("5 per hour;20 per day", key_func=_user_key, methods=["POST"])
def propose(round_id: int):
    round_ = _round_with_ideas_or_404(round_id)
    form = IdeaForm()
    if form.validate_on_submit():
        response = _run_idea_form(round_, form, None)
        if not isinstance(response, tuple):
            flash("Thank you: your idea is published. An officer will assess it.", "success")
        return response
    return _idea_form_page(round_, form, None, 400 if form.errors else 200)


@bp.route("/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@login_required
def edit_idea(idea_id: int):
    idea = _idea_or_404(idea_id)
    if idea.proposer_id != current_user.id:
        abort(403)
    form = IdeaForm()
    if not can_edit(idea, current_user):
        flash("An officer has assessed this idea, so it can no longer be changed.", "error")
        return redirect(url_for("public.idea", idea_id=idea.id))
    if form.validate_on_submit():
        response = _run_idea_form(idea.round, form, idea)
        if not isinstance(response, tuple):
            flash("Your idea has been saved.", "success")
        return response
    if not form.is_submitted():
        form.fill_from(idea)
    return _idea_form_page(idea.round, form, idea, 400 if form.errors else 200)


def _idea_page(idea: Idea, status: int = 200, comment_form: CommentForm | None = None, report_form: ReportForm | None = None):
    now = utcnow()
    viewer = _viewer()
    return render_template(
        "public/idea.html",
        idea=idea,
        round=idea.round,
        description=render_markdown(idea.description),
        ward_map=_ward_map(idea.round, [idea]),
        threads=comment_threads(idea.id, viewer),
        supported=supports(idea.id, viewer),
        problem=participation_problem(idea.round, viewer, now),
        can_edit=can_edit(idea, viewer),
        comment_form=comment_form or CommentForm(),
        report_form=report_form or ReportForm(formdata=None),
        confirm=ConfirmForm(),
    ), status


@bp.route("/ideas/<int:idea_id>")
def idea(idea_id: int):
    return _idea_page(_idea_or_404(idea_id))


@bp.route("/ideas/<int:idea_id>/photo")
def idea_photo(idea_id: int):
    found = _idea_or_404(idea_id)
    if not found.photo_filename:
        abort(404)
    response = send_photo(found.photo_filename)
    return response


@bp.route("/ideas/<int:idea_id>/support", methods=["POST"])
@login_required
@limiter.limit("30 per minute;200 per hour", key_func=_user_key)
def support(idea_id: int):
    found = _idea_or_404(idea_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("Your session expired: try again.", "error")
        return redirect(url_for("public.idea", idea_id=found.id))
    withdraw = request.form.get("action") == "withdraw"
    rule = (lambda: withdraw_support(found, current_user, utcnow())) if withdraw else (lambda: support_idea(found, current_user, utcnow()))
    if apply_rule(rule):
        flash("You no longer support this idea." if withdraw else "You support this idea.", "success")
    return redirect(url_for("public.idea", idea_id=found.id))


@bp.route("/ideas/<int:idea_id>/comments", methods=["POST"])
@login_required
@limiter.limit("10 per 10 minutes;50 per day", key_func=_user_key)
def comment(idea_id: int):
    found = _idea_or_404(idea_id)
    form = CommentForm()
    if form.validate_on_submit():
        made = []
        if apply_rule(lambda: made.append(add_comment(found, current_user, form.body.data, form.parent(), utcnow())), form):
            if made[0].state == "pending":
                flash("Thank you: your comment will be shown once an officer has checked it.", "success")
            else:
                flash("Your comment is published.", "success")
            return redirect(url_for("public.idea", idea_id=found.id, _anchor="comments"))
    return _idea_page(found, 400, comment_form=form)


@bp.route("/ideas/<int:idea_id>/report", methods=["POST"])
@limiter.limit("10 per hour", key_func=_user_key)
def report_idea(idea_id: int):
    found = _idea_or_404(idea_id)
    form = ReportForm()
    comment_id = request.form.get("comment_id", "")
    reported = None
    if comment_id:
        reported = db.session.get(IdeaComment, int(comment_id)) if comment_id.isdigit() and len(comment_id) < 12 else None
        if reported is None or reported.idea_id != found.id or reported.state != "published":
            abort(404)
    if form.validate_on_submit():
        if apply_rule(lambda: report(found, reported, _viewer(), form.reason.data), form):
            flash("Thank you: an officer will look at what you reported.", "success")
            return redirect(url_for("public.idea", idea_id=found.id))
    return _idea_page(found, 400, report_form=form)
