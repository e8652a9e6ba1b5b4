"""Residents vote on their ward's priorities, and everyone sees the results.

The ballot works without JavaScript: "Update my total" re-renders the page with
the running total, and the server checks every rule when the ballot is cast.
Public pages never show how a named person voted."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from brokerage.extensions import limiter
from brokerage.public import bp
from brokerage.pagination import paginate
from brokerage.templating import format_datetime
from brokerage.rule_messages import translate_rule_message
from brokerage.forms import ConfirmForm
from models import DomainError, PermissionDenied, Round, Ward, db, utcnow
from models.voting.models import RoundState
from models.voting.ballots import ballot_for, cast_ballot, eligibility_problem, withdraw_ballot
from models.voting.count import eligible_residents, spent_pence, turnout
from brokerage.charts import bar_chart
from models.ideas.ideas import option_ideas
from models.voting.round_pabulib import export_round_pb
from workers.notify import external_url, send_templated
from brokerage.forms.voting import IdentityForm
from brokerage.public.vote import IdentityProblem, account_identity as _account_identity, may_answer
from models.voting.identity import BallotConflict, cast_account_ballot, channels_of

MAX_FORM_OPTIONS = 500


def _visible_round_or_404(round_id: int) -> Round:
    """Drafts are the officers' own until opened."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    if round_.state == RoundState.DRAFT.value and not (current_user.is_authenticated and current_user.is_officer):
        abort(404)
    return round_


def _user_key() -> str:
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else request.remote_addr or "unknown"


@bp.route("/rounds")
def rounds():
    ward_code = request.args.get("ward", "")[:16]
    query = (
        select(Round)
        .options(selectinload(Round.ward), selectinload(Round.options))
        .where(Round.state.in_((RoundState.OPEN.value, RoundState.CLOSED.value, RoundState.PUBLISHED.value)))
        .order_by(Round.closes_at.desc(), Round.id.desc())
    )
    if ward_code:
        query = query.join(Ward, Ward.id == Round.ward_id).where(Ward.code == ward_code)
    wards = db.session.execute(select(Ward.code, Ward.name).order_by(Ward.name)).all()
    return render_template("public/rounds.html", page=paginate(query), wards=wards, ward_code=ward_code, now=utcnow())


def _chosen_from_form() -> list[int]:
    values = request.form.getlist("options")[:MAX_FORM_OPTIONS]
    chosen = []
    for value in values:
        if not value.isdigit() or len(value) > 12:
            raise DomainError(_("Choose options from this round's ballot"), "options")
        chosen.append(int(value))
    return chosen


def _ballot_page(round_: Round, chosen: list[int], error: str | None = None, status: int = 200, checked_total: bool = False,
                 identity_form: IdentityForm | None = None):
    now = utcnow()
    if identity_form is None and channels_of(round_).identity_online:
        identity_form = IdentityForm(formdata=None)
    options = {option.id: option for option in round_.options}
    total = sum(options[option_id].cost_pence for option_id in chosen if option_id in options)
    ballot = ballot_for(round_.id, current_user.id) if current_user.is_authenticated else None
    return render_template(
        "public/round.html",
        round=round_,
        chosen=set(chosen),
        total=total,
        error=error,
        problem=eligibility_problem(round_, current_user, now),
        phase=round_.phase(now),
        ballot=ballot,
        checked_total=checked_total,
        form=ConfirmForm(),
        identity_form=identity_form,
    ), status


@bp.route("/rounds/<int:round_id>")
def round(round_id: int):
    round_ = _visible_round_or_404(round_id)
    if round_.state == RoundState.PUBLISHED.value:
        return redirect(url_for("public.round_results", round_id=round_.id))
    chosen: list[int] = []
    if current_user.is_authenticated:
        ballot = ballot_for(round_.id, current_user.id)
        if ballot is not None:
            chosen = [choice.option_id for choice in ballot.choices]
    return _ballot_page(round_, chosen)


@bp.route("/rounds/<int:round_id>/ballot", methods=["POST"])
@login_required
@limiter.limit("30 per minute;200 per hour", key_func=_user_key)
@limiter.limit("60 per minute")
def vote(round_id: int):
    round_ = _visible_round_or_404(round_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _ballot_page(round_, [], _("Your session expired: choose again and cast your vote."), 400)
    action = request.form.get("action", "vote")
    try:
        chosen = _chosen_from_form()
    except DomainError as error:
        return _ballot_page(round_, [], translate_rule_message(error.message), 400)
    if action == "total":
        return _ballot_page(round_, chosen, checked_total=True)
    now = utcnow()
    try:
        if action == "withdraw":
            withdraw_ballot(round_, current_user, now)
            db.session.commit()
            flash(_("Your vote has been withdrawn. You can vote again until the round closes."), "success")
            return redirect(url_for("public.round", round_id=round_.id))
        identity = _account_identity(round_, now)
        if identity is not None:
            ballot, changed, options = cast_account_ballot(round_, current_user, chosen, now, identity)
            if isinstance(ballot, BallotConflict):
                db.session.commit()
                return render_template("public/vote_refused.html", round=round_, conflict=ballot), 409
        else:
            ballot, changed, options = cast_ballot(round_, current_user, chosen, now)
        send_templated(
            current_user.email,
            "ballot_confirmation",
            _l("Your vote in %(round)s", round=round_.title),
            "ballot",
            user=current_user,
            round=round_,
            options=options,
            changed=changed,
            total=sum(option.cost_pence for option in options),
            link=external_url("public.round", round_id=round_.id),
        )
        db.session.commit()
    except PermissionDenied as error:
        db.session.rollback()
        return _ballot_page(round_, chosen, translate_rule_message(error.message), 403)
    except IdentityProblem as problem:
        db.session.rollback()
        return _ballot_page(round_, chosen, None, 400, identity_form=problem.form)
    except DomainError as error:
        db.session.rollback()
        return _ballot_page(round_, chosen, translate_rule_message(error.message), 400)
    may_answer(round_.id)
    return redirect(url_for("public.voted", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/withdraw-vote")
@login_required
def withdraw_vote(round_id: int):
    """Asks "Are you sure?"; the button posts to the ballot with action=withdraw."""
    round_ = _visible_round_or_404(round_id)
    if ballot_for(round_.id, current_user.id) is None or eligibility_problem(round_, current_user, utcnow()):
        return redirect(url_for("public.round", round_id=round_.id))
    return render_template(
        "public/confirm.html",
        question=_("Are you sure you want to withdraw your vote?"),
        caption=round_.title,
        next_steps=[
            _("Your vote will not be counted."),
            _("You can vote again until voting closes, %(when)s.", when=format_datetime(round_.closes_at)),
        ],
        action_url=url_for("public.vote", round_id=round_.id),
        hidden={"action": "withdraw"},
        button=_("Yes, withdraw my vote"),
        cancel_url=url_for("public.round", round_id=round_.id),
    )


@bp.route("/rounds/<int:round_id>/voted")
@login_required
def voted(round_id: int):
    round_ = _visible_round_or_404(round_id)
    ballot = ballot_for(round_.id, current_user.id)
    if ballot is None:
        return redirect(url_for("public.round", round_id=round_.id))
    chosen_ids = {choice.option_id for choice in ballot.choices}
    options = [option for option in round_.options if option.id in chosen_ids]
    return render_template(
        "public/round_voted.html",
        round=round_,
        options=options,
        total=sum(option.cost_pence for option in options),
        ballot=ballot,
    )


@bp.route("/rounds/<int:round_id>/results")
def round_results(round_id: int):
    round_ = _visible_round_or_404(round_id)
    is_officer = current_user.is_authenticated and current_user.is_officer
    if round_.state != RoundState.PUBLISHED.value and not (is_officer and round_.state == RoundState.CLOSED.value):
        if round_.state in (RoundState.OPEN.value, RoundState.CLOSED.value):
            flash(_("The results will be published here after the round closes and the votes are counted."), "info")
            return redirect(url_for("public.round", round_id=round_.id))
        abort(404)
    options = list(round_.options)
    ranked = sorted(options, key=lambda option: option.vote_rank or len(options) + option.position)
    official = [option for option in ranked if option.selected_under(round_.rule)]
    other = [option for option in ranked if option.selected_under(round_.other_rule)]
    return render_template(
        "public/round_results.html",
        round=round_,
        ranked=ranked,
        official=official,
        other=other,
        spent=spent_pence(round_),
        other_spent=spent_pence(round_, round_.other_rule),
        turnout=turnout(round_.id),
        eligible=eligible_residents(round_) if round_.source == "platform" else None,
        chart=bar_chart(ranked, round_.rule),
        from_ideas=option_ideas(round_.id),
    )


@bp.route("/rounds/<int:round_id>/round.pb")
def round_export(round_id: int):
    round_ = _visible_round_or_404(round_id)
    is_officer = current_user.is_authenticated and current_user.is_officer
    if round_.state != RoundState.PUBLISHED.value and not is_officer:
        abort(404)
    body = export_round_pb(round_, current_app.config["SECRET_KEY"])
    filename = f"round-{round_.id}.pb"
    return Response(
        body,
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

