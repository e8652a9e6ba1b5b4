"""Officers run ward priority rounds: set one up, put needs and costed items on
the ballot, open and close voting, enter paper ballots, and publish the results.
The rules are in models/voting/ (setup.py decides when a round is counted again);
counting is a job (workers/rounds.py)."""

from __future__ import annotations

import os

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from brokerage.decorators import officer_required
from brokerage.officers import bp
from brokerage.pagination import paginate
from brokerage.forms import ConfirmForm
from brokerage.forms.voting import ItemOptionForm, NeedOptionsForm, PaperBatchForm, PbUploadForm, RoundForm
from brokerage.tasks import Link, render_task, save_upload, start_task, task_or_404, task_status
from brokerage.officers.job_names import task_description
from brokerage.i18n import languages
from brokerage.templating import format_pence
from brokerage.views import apply_rule
from models import Need, NeedStatus, PaperBatch, Round, RoundOption, db, utcnow
from models.core.events import events_for
from models.voting.round_pabulib import MAX_PB_BYTES
from models.voting.setup import (
    add_item_option,
    add_need_options,
    change_problem,
    close_round,
    create_round,
    open_round,
    publish_results,
    remove_option,
    request_recount,
    translate_option,
    update_round,
)
from models.ideas.ideas import ideas_phase, set_ideas_phase
from models.voting.ballots import enter_paper_batch, remove_paper_batch
from models.voting.count import turnout
from wtforms.fields.choices import SelectChoice
from workers.rounds import import_round_file


def _round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_


def _need_form(round_: Round) -> NeedOptionsForm:
    """Published needs of the round's ward that are not on the ballot yet."""
    form = NeedOptionsForm()
    on_ballot = select(RoundOption.need_id).where(RoundOption.round_id == round_.id, RoundOption.need_id.is_not(None))
    query = (
        select(Need)
        .options(selectinload(Need.organisation))
        .where(Need.status == NeedStatus.PUBLISHED.value)
        .where(Need.id.not_in(on_ballot))
        .order_by(Need.title)
        .limit(200)
    )
    if round_.ward_id is not None:
        query = query.where(Need.ward_id == round_.ward_id)
    needs = db.session.scalars(query).all()
    form.needs.choices = [
        SelectChoice(str(need.id), f"{need.title} ({need.organisation.name}, {format_pence(need.remaining_value_pence)})")
        for need in needs
    ]
    return form


@bp.route("/rounds")
@officer_required
def rounds():
    query = select(Round).options(selectinload(Round.ward)).order_by(Round.opens_at.desc(), Round.id.desc())
    page = paginate(query)
    ids = [round_.id for round_ in page.items]
    counts = dict(
        db.session.execute(
            select(Round.id, func.count(RoundOption.id))
            .join(Round.options)
            .where(Round.id.in_(ids))
            .group_by(Round.id)
        ).all()
    ) if ids else {}
    return render_template("officers/rounds.html", page=page, option_counts=counts, now=utcnow())


@bp.route("/rounds/new", methods=["GET", "POST"])
@officer_required
def new_round():
    form = RoundForm()
    if form.validate_on_submit():
        created = []

        def create():
            created.append(create_round(current_user, form.fields()))
            set_ideas_phase(created[0], current_user, *form.ideas_window(), form.comment_moderation.data == "pre")

        if apply_rule(create, form):
            flash(_("Round created. Now add the options residents will choose from."), "success")
            return redirect(url_for("officers.round", round_id=created[0].id))
    elif not form.is_submitted():
        form.method.data, form.rule.data, form.max_choices.data = "approval", "equal-shares-add1", 3
    return render_template("officers/round_form.html", form=form, round=None), 400 if form.errors else 200


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@officer_required
def edit_round(round_id: int):
    round_ = _round_or_404(round_id)
    form = RoundForm(opened=round_.state != "draft")
    if form.validate_on_submit():
        def update():
            update_round(round_, current_user, form.fields())
            set_ideas_phase(round_, current_user, *form.ideas_window(), form.comment_moderation.data == "pre")

        if apply_rule(update, form):
            flash(_("Round saved."), "success")
            return redirect(url_for("officers.round", round_id=round_.id))
    elif not form.is_submitted():
        form.fill_from(round_)
        form.fill_ideas_from(ideas_phase(round_.id))
    return render_template("officers/round_form.html", form=form, round=round_), 400 if form.errors else 200


def _show(round_: Round, status: int = 200, **forms):
    forms.setdefault("need_form", _need_form(round_))
    forms.setdefault("item_form", ItemOptionForm())
    batches = db.session.scalars(
        select(PaperBatch)
        .options(selectinload(PaperBatch.entered_by))
        .where(PaperBatch.round_id == round_.id)
        .order_by(PaperBatch.id)
    ).all()
    return render_template(
        "officers/round.html",
        round=round_,
        turnout=turnout(round_.id),
        change_problem=change_problem(round_),
        batches=batches,
        events=events_for(round_, limit=30),
        confirm=ConfirmForm(),
        now=utcnow(),
        **forms,
    ), status


@bp.route("/rounds/<int:round_id>")
@officer_required
def round(round_id: int):
    return _show(_round_or_404(round_id))


@bp.route("/rounds/<int:round_id>/needs", methods=["POST"])
@officer_required
def add_round_needs(round_id: int):
    round_ = _round_or_404(round_id)
    form = _need_form(round_)
    if form.validate_on_submit():
        needs = db.session.scalars(select(Need).where(Need.id.in_(form.chosen_ids()))).all()
        if apply_rule(lambda: add_need_options(round_, current_user, needs), form):
            flash(ngettext("%(num)s need added to the ballot.", "%(num)s needs added to the ballot.", len(needs)), "success")
            return redirect(url_for("officers.round", round_id=round_.id))
    return _show(round_, 400, need_form=form)


@bp.route("/rounds/<int:round_id>/items", methods=["POST"])
@officer_required
def add_round_item(round_id: int):
    round_ = _round_or_404(round_id)
    form = ItemOptionForm()
    if form.validate_on_submit():
        def rule():
            option = add_item_option(round_, current_user, form.title.data, form.description.data or "",
                                     form.cost.pence or 0, form.text_language())
            translate_option(option, current_user, form.second_text(), languages())

        if apply_rule(rule, form):
            flash(_("“%(title)s” added to the ballot.", title=form.title.data.strip()), "success")
            return redirect(url_for("officers.round", round_id=round_.id))
    return _show(round_, 400, item_form=form)


@bp.route("/rounds/<int:round_id>/options/<int:option_id>/remove", methods=["POST"])
@officer_required
def remove_round_option(round_id: int, option_id: int):
    round_ = _round_or_404(round_id)
    form = ConfirmForm()
    if form.validate_on_submit() and apply_rule(lambda: remove_option(round_, current_user, option_id)):
        flash(_("Option removed from the ballot."), "success")
    return redirect(url_for("officers.round", round_id=round_.id))


ROUND_ACTIONS_ASKED = {
    # action: (question, what happens next, button)
    "open": (
        _l("Are you sure you want to open this round?"),
        [_l("Residents of the ward can vote from the opening time."), _l("Its options and budget cannot change once voting starts.")],
        _l("Yes, open the round"),
    ),
    "close": (
        _l("Are you sure you want to close voting now?"),
        [_l("Nobody can vote or change their vote after this, and the votes are counted."),
         _l("You cannot open the round again. Paper ballots can still be entered until the results are published.")],
        _l("Yes, close voting now"),
    ),
    "publish": (
        _l("Are you sure you want to publish the results?"),
        [_l("Everyone can see the results, and the winning needs are flagged for suppliers' matching."),
         _l("You cannot undo this: no ballot can change after it.")],
        _l("Yes, publish the results"),
    ),
}


@bp.route("/rounds/<int:round_id>/<any(open, close, publish, recount):action>", methods=["GET", "POST"])
@officer_required
def round_action(round_id: int, action: str):
    round_ = _round_or_404(round_id)
    if request.method == "GET":
        if action not in ROUND_ACTIONS_ASKED:
            return redirect(url_for("officers.round", round_id=round_.id))
        question, next_steps, button = ROUND_ACTIONS_ASKED[action]
        return render_template(
            "officers/confirm.html",
            question=question,
            caption=round_.title,
            next_steps=next_steps,
            action_url=url_for("officers.round_action", round_id=round_.id, action=action),
            button=button,
            cancel_url=url_for("officers.round", round_id=round_.id),
        )
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Your session expired: try again."), "error")
        return redirect(url_for("officers.round", round_id=round_.id))
    rules = {
        "open": lambda: open_round(round_, current_user, utcnow()),
        "close": lambda: close_round(round_, current_user, utcnow()),
        "publish": lambda: publish_results(round_, current_user),
        "recount": lambda: request_recount(round_, current_user),
    }
    if apply_rule(rules[action]):
        flash(
            {
                "open": _("The round is open. Residents of the ward can vote from the opening time."),
                "close": _("Voting has closed. The votes are being counted."),
                "publish": _("Results published. The winning needs are now flagged for suppliers' matching."),
                "recount": _("The votes are being counted again."),
            }[action],
            "success",
        )
    return redirect(url_for("officers.round", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/paper", methods=["GET", "POST"])
@officer_required
def paper_batch(round_id: int):
    round_ = _round_or_404(round_id)
    form = PaperBatchForm()
    if form.validate_on_submit():
        entered = []
        rule = lambda: entered.append(enter_paper_batch(round_, current_user, form.reference.data, form.ballots.data, utcnow(), current_app.config["IDENTITY_HASH_KEY"]))  # noqa: E731
        if apply_rule(rule, form):
            flash(ngettext("Batch %(reference)s: %(count)s paper ballot entered.", "Batch %(reference)s: %(count)s paper ballots entered.",
                           entered[0].ballot_count, reference=entered[0].reference, count="{:,}".format(entered[0].ballot_count)), "success")
            return redirect(url_for("officers.round", round_id=round_.id))
    return render_template("officers/round_paper.html", round=round_, form=form), 400 if form.errors else 200


@bp.route("/rounds/<int:round_id>/paper/<int:batch_id>/remove", methods=["GET", "POST"])
@officer_required
def remove_round_paper_batch(round_id: int, batch_id: int):
    round_ = _round_or_404(round_id)
    if request.method == "GET":
        batch = db.session.get(PaperBatch, batch_id)
        if batch is None or batch.round_id != round_.id:
            abort(404)
        return render_template(
            "officers/confirm.html",
            question=_("Are you sure you want to remove paper batch %(reference)s?", reference=batch.reference),
            caption=round_.title,
            next_steps=[ngettext("Its %(count)s ballot is taken out of the count, and the round is counted again.",
                                 "Its %(count)s ballots are taken out of the count, and the round is counted again.",
                                 batch.ballot_count, count="{:,}".format(batch.ballot_count)),
                        _("To count them later, enter the batch again.")],
            action_url=url_for("officers.remove_round_paper_batch", round_id=round_.id, batch_id=batch.id),
            button=_("Yes, remove the batch"),
            cancel_url=url_for("officers.round", round_id=round_.id),
        )
    form = ConfirmForm()
    if form.validate_on_submit() and apply_rule(lambda: remove_paper_batch(round_, current_user, batch_id)):
        flash(_("Paper batch removed."), "success")
    return redirect(url_for("officers.round", round_id=round_.id))


@bp.route("/rounds/import", methods=["GET", "POST"])
@officer_required
def import_round():
    """Upload a Pabulib .pb file; a job imports it as a closed round and counts it."""
    form = PbUploadForm()
    if form.validate_on_submit():
        path = save_upload(form.file.data, ".pb")
        if os.path.getsize(path) > MAX_PB_BYTES:
            os.remove(path)
            form.file.errors = [_("The file must be smaller than 50 MB")]
        else:
            filename = form.file.data.filename
            task = start_task("round_import", task_description("round_import", file=filename), import_round_file, path, current_user.id, detail={"file": filename})
            return redirect(url_for("officers.round_import_task", task_id=task.id))
    return render_template("officers/round_import.html", form=form), 400 if form.errors else 200


@bp.route("/rounds/import/<task_id>/status")
@officer_required
def round_import_status(task_id: str):
    task = task_or_404(task_id, "round_import")
    return task_status(task, url_for("officers.round_import_task", task_id=task.id))


@bp.route("/rounds/import/<task_id>")
@officer_required
def round_import_task(task_id: str):
    return render_task(
        task_or_404(task_id, "round_import"),
        back=Link(_("All rounds"), url_for("officers.rounds")),
        summary=lambda result: _("%(options)s options and %(ballots)s ballots", options="{:,}".format(result["options"]),
                                 ballots="{:,}".format(result["ballots"])),
        links=lambda result: [Link(_("Go to the round"), url_for("officers.round", round_id=result["round_id"]))],
        failed_note=_("Nothing was saved."),
    )
