"""Voting with a letter code at /vote (no account), recording ballots at a polling station,
and the optional questions about who took part.

Guessing codes is limited per IP address (every attempt) and per postcode (wrong attempts);
neither ever locks a code: the right code with its postcode always works once the IP limit
allows a try. The rules are in models/voting/letters.py, identity.py and representation.py."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from limits import parse

from brokerage.extensions import limiter
from brokerage.forms.voting import CodeForm, IdentityForm, InPersonForm, RepresentationForm
from brokerage.public import bp
from brokerage.rule_messages import translate_label, translate_rule_message
from brokerage.views import show_domain_error
from models import DomainError, PermissionDenied, Round, db, utcnow
from models.places.postcodes import normalise_postcode
from models.voting.identity import BallotConflict, channels_of, check_identity, identity_hash, record_in_person, require_polling_station, rounds_granted
from models.voting.letters import LetterCode, cast_code_ballot, code_ballot, code_round, find_code
from models.voting.representation import QUESTIONS, record_answers

CODE_LIMIT = "10 per minute;50 per hour;200 per day"  # attempts per IP address
POSTCODE_FAILURES = parse("20 per hour")  # wrong codes tried with one postcode
MAX_FORM_OPTIONS = 500


def _postcode_failures_exceeded(postcode: str | None) -> bool:
    return bool(postcode) and not limiter.limiter.test(POSTCODE_FAILURES, "letter-code-postcode", postcode)


def _chosen() -> list[int]:
    values = request.form.getlist("options")[:MAX_FORM_OPTIONS]
    if any(not value.isdigit() or len(value) > 12 for value in values):
        raise DomainError(_("Choose options from this round's ballot"), "options")
    return [int(value) for value in values]


def _round_arg() -> int | None:
    raw = request.args.get("round", "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


class IdentityProblem(Exception):
    """The name or date of birth an account voter gave is missing or wrong (see the form)."""

    def __init__(self, form: IdentityForm):
        super().__init__("identity")
        self.form = form


def account_identity(round_: Round, now) -> str | None:
    """In a round that asks online voters who they are, the identity hash of the signed-in
    voter from the name and date of birth they gave and their account's postcode."""
    if not channels_of(round_).identity_online:
        return None
    form = IdentityForm(meta={"csrf": False})
    if not form.validate():
        raise IdentityProblem(form)
    try:
        check_identity(round_, form.name.data, form.born.data, current_user.postcode, now.date())
    except DomainError as error:
        show_domain_error(form, error)
        raise IdentityProblem(form) from None
    return identity_hash(current_app.config["IDENTITY_HASH_KEY"], form.name.data, form.born.data, current_user.postcode)


def may_answer(round_id: int) -> None:
    """After a ballot is recorded, the person (or the polling station's screen) may answer
    the questions about who took part, once."""
    allowed = set(session.get("may_answer", []))
    allowed.add(round_id)
    session["may_answer"] = sorted(allowed)[-20:]


@bp.route("/vote", methods=["GET", "POST"])
@limiter.limit(CODE_LIMIT, methods=["POST"])
def vote_by_code():
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        postcode = normalise_postcode(form.postcode.data)
        try:
            letter = find_code(current_app.config["SECRET_KEY"], form.code.data, form.postcode.data)
            code_round(letter, utcnow(), _round_arg())
        except PermissionDenied as error:
            show_domain_error(form, DomainError(error.message, "code"))
            status = 403
        except DomainError as error:
            if error.field == "code" and postcode:
                limiter.limiter.hit(POSTCODE_FAILURES, "letter-code-postcode", postcode)
            if _postcode_failures_exceeded(postcode):
                return render_template("public/vote_code.html", form=form, too_many=True), 429
            show_domain_error(form, error)
            status = 400
        else:
            session["letter_code"] = letter.id
            return redirect(url_for("public.code_ballot_page"))
    elif form.is_submitted():
        status = 400
    return render_template("public/vote_code.html", form=form, too_many=False), status


def _letter_or_restart() -> LetterCode | None:
    letter_id = session.get("letter_code")
    return db.session.get(LetterCode, letter_id) if isinstance(letter_id, int) else None


def _code_ballot_page(letter: LetterCode, form: IdentityForm, chosen: set[int], error: str | None = None, status: int = 200):
    round_ = db.session.get(Round, letter.round_id)
    return render_template(
        "public/vote_ballot.html", round=round_, form=form, chosen=chosen, error=error, ballot=code_ballot(letter),
        action=url_for("public.code_ballot_page"),
    ), status


@bp.route("/vote/ballot", methods=["GET", "POST"])
@limiter.limit("30 per minute;200 per hour", methods=["POST"])
def code_ballot_page():
    letter = _letter_or_restart()
    if letter is None:
        flash(_("Enter the code from your letter and your postcode to vote."), "info")
        return redirect(url_for("public.vote_by_code"))
    form = IdentityForm()
    try:
        code_round(letter, utcnow())
    except PermissionDenied as error:
        session.pop("letter_code", None)
        flash(translate_rule_message(error.message), "error")
        return redirect(url_for("public.vote_by_code"))
    if request.method == "GET":
        ballot = code_ballot(letter)
        return _code_ballot_page(letter, form, {choice.option_id for choice in ballot.choices} if ballot else set())
    try:
        chosen = _chosen()
    except DomainError as error:
        return _code_ballot_page(letter, form, set(), translate_rule_message(error.message), 400)
    if not form.validate_on_submit():
        return _code_ballot_page(letter, form, set(chosen), None, 400)
    identity = identity_hash(current_app.config["IDENTITY_HASH_KEY"], form.name.data, form.born.data, letter.postcode)
    try:
        round_ = db.session.get(Round, letter.round_id)
        check_identity(round_, form.name.data, form.born.data, letter.postcode, utcnow().date())
        result = cast_code_ballot(letter, chosen, utcnow(), identity)
        db.session.commit()
    except PermissionDenied as error:
        db.session.rollback()
        return _code_ballot_page(letter, form, set(chosen), translate_rule_message(error.message), 403)
    except DomainError as error:
        db.session.rollback()
        if error.field in ("name", "born"):
            show_domain_error(form, error)
            return _code_ballot_page(letter, form, set(chosen), None, 400)
        return _code_ballot_page(letter, form, set(chosen), translate_rule_message(error.message), 400)
    if isinstance(result, BallotConflict):
        return render_template("public/vote_refused.html", round=round_, conflict=result), 409
    may_answer(round_.id)
    # A library computer's next user must not find this code's ballot open: changing the
    # vote means typing the code again.
    session.pop("letter_code", None)
    session["letter_voted"] = letter.id
    return redirect(url_for("public.code_voted"))


@bp.route("/vote/done")
def code_voted():
    letter_id = session.get("letter_voted")
    letter = db.session.get(LetterCode, letter_id) if isinstance(letter_id, int) else None
    if letter is None or code_ballot(letter) is None:
        return redirect(url_for("public.vote_by_code"))
    round_ = db.session.get(Round, letter.round_id)
    ballot = code_ballot(letter)
    ids = {choice.option_id for choice in ballot.choices}
    return render_template("public/vote_done.html", round=round_, options=[o for o in round_.options if o.id in ids])


# ---------------------------------------------------------------- polling stations


@bp.route("/polling")
@login_required
def polling_rounds():
    return render_template("public/polling_rounds.html", rounds=rounds_granted(current_user), now=utcnow())


def _polling_page(round_: Round, form: InPersonForm, chosen: set[int], error: str | None = None, status: int = 200):
    return render_template(
        "public/polling_record.html", round=round_, form=form, chosen=chosen, error=error,
        action=url_for("public.polling_record", round_id=round_.id), min_age=channels_of(round_).min_age,
    ), status


@bp.route("/polling/<int:round_id>", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per minute", methods=["POST"])
def polling_record(round_id: int):
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    require_polling_station(round_, current_user, utcnow())  # 403 for a round not given, or closed
    form = InPersonForm()
    if request.method == "GET":
        return _polling_page(round_, form, set())
    try:
        chosen = _chosen()
    except DomainError as error:
        return _polling_page(round_, form, set(), translate_rule_message(error.message), 400)
    if not form.validate_on_submit():
        return _polling_page(round_, form, set(chosen), None, 400)
    try:
        result = record_in_person(
            round_, current_user, current_app.config["IDENTITY_HASH_KEY"], form.name.data, form.born.data,
            normalise_postcode(form.postcode.data), chosen, utcnow(),
        )
        db.session.commit()
    except PermissionDenied:
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        if error.field in ("name", "born", "postcode"):
            show_domain_error(form, error)
            return _polling_page(round_, form, set(chosen), None, 400)
        return _polling_page(round_, form, set(chosen), translate_rule_message(error.message), 400)
    if isinstance(result, BallotConflict):
        flash(
            _(
                "Not recorded: this person has already voted in this round (%(channel)s). "
                "It is listed for an officer to resolve.",
                channel=translate_label(result.counted_channel_label),
            ),
            "error",
        )
        return redirect(url_for("public.polling_record", round_id=round_.id))
    may_answer(round_.id)
    flash(_("Ballot recorded. The voter may answer the optional questions about who took part."), "success")
    return redirect(url_for("public.polling_record", round_id=round_.id, recorded=1))


# ---------------------------------------------------------------- who took part


@bp.route("/rounds/<int:round_id>/about-you", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def about_you(round_id: int):
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    if round_id not in session.get("may_answer", []):
        flash(_("These questions are for people who have just voted."), "info")
        return redirect(url_for("public.round", round_id=round_id))
    form = RepresentationForm()
    if form.validate_on_submit():
        if request.form.get("action") != "skip":
            record_answers(round_, {field: getattr(form, field).data for field in QUESTIONS}, utcnow().date())
            db.session.commit()
        session["may_answer"] = [other for other in session.get("may_answer", []) if other != round_id]
        flash(_("Thank you.") if request.form.get("action") != "skip" else _("No answers were kept."), "success")
        return redirect(url_for("public.round", round_id=round_id))
    return render_template("public/about_you.html", round=round_, form=form), 400 if form.errors else 200
