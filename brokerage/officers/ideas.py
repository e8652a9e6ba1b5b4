"""Officers and a round's ideas: assess each idea (feasible with an estimate, or not with a
public reason), merge duplicates, put feasible ideas on the ballot, and decide reports and
held comments (the work queue's `idea_reports` and `idea_comments`). Rules in
models/voting/ideas.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from brokerage.decorators import officer_required
from brokerage.forms import ConfirmForm
from brokerage.forms.ideas import AssessForm, MergeForm
from brokerage.markdown import render_markdown
from brokerage.officers import bp
from brokerage.views import apply_rule
from models import Round, db
from models.core.work_queue import waiting
from models.ideas.ideas import (
    Idea,
    IdeaComment,
    IdeaReport,
    assess_idea,
    decide_report,
    ideas_phase,
    merge_ideas,
    moderate_comment,
    put_on_ballot,
)
from models.voting.setup import change_problem


def _idea_or_404(idea_id: int) -> Idea:
    idea = db.session.get(Idea, idea_id)
    if idea is None:
        abort(404)
    return idea


@bp.route("/rounds/<int:round_id>/ideas")
@officer_required
def round_ideas(round_id: int):
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    ideas = db.session.scalars(
        select(Idea).where(Idea.round_id == round_.id).order_by(Idea.state, Idea.supporter_count.desc(), Idea.id)
    ).all()
    return render_template("officers/round_ideas.html", round=round_, phase=ideas_phase(round_.id), ideas=ideas)


def _merge_form(idea: Idea) -> MergeForm:
    form = MergeForm()
    others = db.session.scalars(
        select(Idea).where(Idea.round_id == idea.round_id, Idea.id != idea.id, Idea.state.in_(("proposed", "feasible"))).order_by(Idea.title)
    ).all()
    form.into.choices = [
        SelectChoice(str(other.id), ngettext("%(title)s (%(num)s supporter)", "%(title)s (%(num)s supporters)", other.supporter_count, title=other.title))
        for other in others
    ]
    return form


def _show(idea: Idea, status: int = 200, **forms):
    forms.setdefault("assess_form", AssessForm(formdata=None))
    forms.setdefault("merge_form", _merge_form(idea))
    return render_template(
        "officers/idea.html", idea=idea, round=idea.round, description=render_markdown(idea.description),
        confirm=ConfirmForm(), change_problem=change_problem(idea.round), **forms,
    ), status


@bp.route("/ideas/<int:idea_id>", methods=["GET", "POST"])
@officer_required
def idea(idea_id: int):
    found = _idea_or_404(idea_id)
    form = AssessForm()
    if form.validate_on_submit():
        feasible = form.outcome.data == "feasible"
        if apply_rule(lambda: assess_idea(found, current_user, feasible, form.estimate.pence, form.explanation.data), form):
            flash(_("Assessment saved. The proposer and supporters will be emailed."), "success")
            return redirect(url_for("officers.idea", idea_id=found.id))
    return _show(found, 400 if form.is_submitted() else 200, assess_form=form)


@bp.route("/ideas/<int:idea_id>/merge", methods=["POST"])
@officer_required
def merge_idea(idea_id: int):
    found = _idea_or_404(idea_id)
    form = _merge_form(found)
    if form.validate_on_submit():
        target_id = form.target()
        kept = db.session.get(Idea, target_id) if target_id else None
        if kept is None:
            form.into.errors = [_("Choose the idea to keep")]
        elif apply_rule(lambda: merge_ideas(found, kept, current_user), form):
            flash(_("Merged into “%(title)s”.", title=kept.title), "success")
            return redirect(url_for("officers.idea", idea_id=kept.id))
    return _show(found, 400, merge_form=form)


@bp.route("/ideas/<int:idea_id>/ballot", methods=["POST"])
@officer_required
def idea_to_ballot(idea_id: int):
    found = _idea_or_404(idea_id)
    form = ConfirmForm()
    if form.validate_on_submit() and apply_rule(lambda: put_on_ballot(found, current_user)):
        flash(_("The idea is on the ballot."), "success")
    return redirect(url_for("officers.idea", idea_id=found.id))


@bp.route("/ideas/moderation")
@officer_required
def ideas_moderation():
    reports = db.session.scalars(waiting("idea_reports").limit(200)).all()
    comments = db.session.scalars(waiting("idea_comments").limit(200)).all()
    return render_template("officers/ideas_moderation.html", reports=reports, comments=comments, confirm=ConfirmForm())


@bp.route("/ideas/reports/<int:report_id>/<any(uphold, dismiss):action>", methods=["POST"])
@officer_required
def decide_idea_report(report_id: int, action: str):
    row = db.session.get(IdeaReport, report_id)
    if row is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit() and apply_rule(lambda: decide_report(row, current_user, action == "uphold")):
        flash(_("Hidden.") if action == "uphold" else _("Report dismissed: it stays published."), "success")
    return redirect(url_for("officers.ideas_moderation"))


@bp.route("/ideas/comments/<int:comment_id>/<any(publish, hide):action>", methods=["POST"])
@officer_required
def moderate_idea_comment(comment_id: int, action: str):
    comment = db.session.get(IdeaComment, comment_id)
    if comment is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit() and apply_rule(lambda: moderate_comment(comment, current_user, action == "publish")):
        flash(_("Comment published.") if action == "publish" else _("Comment hidden."), "success")
    return redirect(url_for("officers.ideas_moderation"))
