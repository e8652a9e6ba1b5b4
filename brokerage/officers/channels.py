"""Officers open a round to everyone: letters with voting codes for a ward's postcodes (a
job prints them), polling-station volunteers, the rule for people who vote twice and the
conflicts to resolve, and who took part beside the ward's census population. The rules are
in models/voting/letters.py, identity.py and representation.py."""

from __future__ import annotations

import os

from flask import abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from brokerage.decorators import officer_required
from brokerage.forms import ConfirmForm
from brokerage.forms.voting import ChannelsForm, LettersForm, PollingGrantForm
from brokerage.officers import bp
from brokerage.tasks import Link, render_task, start_task, task_or_404
from brokerage.officers.job_names import task_description
from brokerage.views import apply_rule
from models import Round, Task, User, db, record_event, utcnow
from models.voting.identity import (
    CONFLICT_RULES,
    channels_of,
    conflicts_of,
    grant_polling,
    polling_grants,
    resolve_conflict,
    revoke_polling,
    save_channels,
)
from models.voting.letters import LetterBatch, codes_used, letter_batches, request_letters
from models.voting.representation import representation
from workers.letters import build_letters_pdf, letters_dir


def _round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_


def _channels_page(round_: Round, status: int = 200, **forms):
    settings = channels_of(round_)
    if "channels_form" not in forms:
        form = ChannelsForm(formdata=None)
        form.conflict_rule.data, form.min_age.data, form.identity_online.data = (
            settings.conflict_rule, settings.min_age, settings.identity_online,
        )
        forms["channels_form"] = form
    forms.setdefault("grant_form", PollingGrantForm(formdata=None))
    return render_template(
        "officers/round_channels.html",
        round=round_,
        settings=settings,
        rule_label=CONFLICT_RULES[settings.conflict_rule],
        grants=polling_grants(round_.id),
        batches=letter_batches(round_.id),
        files_deleted={task.id for task in db.session.scalars(select(Task).where(Task.name == "letters"))
                       if (task.result or {}).get("deleted")},
        codes_used=codes_used(round_.id),
        conflicts=conflicts_of(round_.id),
        confirm=ConfirmForm(),
        **forms,
    ), status


@bp.route("/rounds/<int:round_id>/channels", methods=["GET", "POST"])
@officer_required
def round_channels(round_id: int):
    round_ = _round_or_404(round_id)
    if request.method == "GET":
        return _channels_page(round_)
    form = ChannelsForm()
    if form.validate_on_submit():
        rule = lambda: save_channels(round_, current_user, form.conflict_rule.data, form.min_age.data, bool(form.identity_online.data))  # noqa: E731
        if apply_rule(rule, form):
            flash(_("Saved."), "success")
            return redirect(url_for("officers.round_channels", round_id=round_.id))
    return _channels_page(round_, 400, channels_form=form)


@bp.route("/rounds/<int:round_id>/polling", methods=["POST"])
@officer_required
def grant_polling_station(round_id: int):
    round_ = _round_or_404(round_id)
    form = PollingGrantForm()
    if form.validate_on_submit():
        person = db.session.scalar(select(User).where(func.lower(User.email) == form.email.data.strip().lower()))
        if apply_rule(lambda: grant_polling(round_, current_user, person), form):
            flash(_("%(name)s can now record ballots in person for this round.", name=person.name), "success")
            return redirect(url_for("officers.round_channels", round_id=round_.id))
    return _channels_page(round_, 400, grant_form=form)


@bp.route("/rounds/<int:round_id>/polling/<int:grant_id>/remove", methods=["POST"])
@officer_required
def revoke_polling_station(round_id: int, grant_id: int):
    round_ = _round_or_404(round_id)
    if ConfirmForm().validate_on_submit() and apply_rule(lambda: revoke_polling(round_, current_user, grant_id)):
        flash(_("They can no longer record ballots for this round."), "success")
    return redirect(url_for("officers.round_channels", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/conflicts/<int:conflict_id>/resolve", methods=["POST"])
@officer_required
def resolve_ballot_conflict(round_id: int, conflict_id: int):
    round_ = _round_or_404(round_id)
    resolved = []
    if ConfirmForm().validate_on_submit() and apply_rule(lambda: resolved.append(resolve_conflict(round_, current_user, conflict_id, utcnow()))):
        flash(
            _("Resolved: the ballot cast in person now counts.") if resolved[0].outcome == "replaced"
            else _("Resolved: the first ballot counts; the second is not counted."),
            "success",
        )
    return redirect(url_for("officers.round_channels", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/letters", methods=["GET", "POST"])
@officer_required
def round_letters(round_id: int):
    round_ = _round_or_404(round_id)
    form = LettersForm()
    if form.validate_on_submit():
        made = []
        rule = lambda: made.append(request_letters(round_, current_user, form.postcodes.data, form.every_other.data or 0, form.in_person.data))  # noqa: E731
        if apply_rule(rule, form):
            batch = made[0]
            task = start_task(
                "letters", task_description("letters", num=batch.letters, round=round_.title), build_letters_pdf, batch.id,
                detail={"round": round_.id, "batch": batch.id}, action="requested",
            )
            batch.task_id = task.id
            db.session.commit()
            return redirect(url_for("officers.letters_task", task_id=task.id))
    return render_template("officers/round_letters.html", round=round_, form=form), 400 if form.errors else 200


def _letter_counts(result: dict) -> dict:
    return {"letters": "{:,}".format(result["letters"]), "pages": "{:,}".format(result["pages"])}


@bp.route("/rounds/letters/<task_id>")
@officer_required
def letters_task(task_id: str):
    task = task_or_404(task_id, "letters")
    batch = db.session.scalar(select(LetterBatch).where(LetterBatch.task_id == task.id))
    back = url_for("officers.round_channels", round_id=batch.round_id) if batch else url_for("officers.rounds")
    return render_task(
        task,
        back=Link(_("Back to the round's channels"), back),
        running=_("The letters are being printed."),
        finished_title=_("The letters are ready"),
        summary=lambda result: (_("%(letters)s letters on %(pages)s pages (the PDF has been deleted)", **_letter_counts(result))
                                if result.get("deleted") else _("%(letters)s letters on %(pages)s pages", **_letter_counts(result))),
        links=lambda result: [] if result.get("deleted") else [
            Link(_("Download %(file)s", file=result["download_name"]), url_for("officers.letters_download", task_id=task.id))
        ],
        failed_title=_("The letters could not be printed"),
        failed_note=_("No codes were made."),
    )


@bp.route("/rounds/letters/<task_id>/download")
@officer_required
def letters_download(task_id: str):
    task = task_or_404(task_id, "letters")
    if task.status != "finished" or task.result.get("deleted"):
        abort(404)
    return send_from_directory(letters_dir(), task.result["file"], as_attachment=True, download_name=task.result["download_name"])


@bp.route("/rounds/<int:round_id>/letters/<int:batch_id>/delete-file", methods=["GET", "POST"])
@officer_required
def delete_letters_file(round_id: int, batch_id: int):
    """The PDF is the only place the codes exist in clear: once printed, delete it."""
    round_ = _round_or_404(round_id)
    batch = db.session.get(LetterBatch, batch_id)
    task = db.session.get(Task, batch.task_id) if batch is not None and batch.task_id else None
    if batch is None or batch.round_id != round_.id or task is None or task.status != "finished":
        abort(404)
    if request.method == "GET":
        return render_template(
            "officers/confirm.html",
            question=_("Are you sure you want to delete the letters PDF?"),
            caption=_("%(round)s: %(count)s letters", round=round_.title, count="{:,}".format(batch.letters)),
            next_steps=[
                _("The PDF is the only place these letters' codes are written in clear. Once it is deleted, "
                  "nobody can download or print these letters again."),
                _("The codes already printed still work: residents can vote with them. You cannot undo this."),
            ],
            action_url=url_for("officers.delete_letters_file", round_id=round_.id, batch_id=batch.id),
            button=_("Yes, delete the PDF"),
            cancel_url=url_for("officers.round_channels", round_id=round_.id),
        )
    if ConfirmForm().validate_on_submit() and not task.result.get("deleted"):
        try:
            os.remove(os.path.join(letters_dir(), task.result["file"]))
        except OSError:
            pass  # gone already
        task.result = {**task.result, "deleted": True}
        record_event("round.letters_file_deleted", round_, actor=current_user, detail={"batch": batch.id})
        db.session.commit()
        flash(_("The letters PDF has been deleted. Its codes still work."), "success")
    return redirect(url_for("officers.round_channels", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/representation")
@officer_required
def round_representation(round_id: int):
    round_ = _round_or_404(round_id)
    return render_template("officers/round_representation.html", round=round_, figures=representation(round_), now=utcnow())
