"""Accounts: register, verify email, sign in and out, reset and change password,
change email, delete account."""

from __future__ import annotations

import time
from datetime import date

from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import confirm_login, current_user, login_required, logout_user
from sqlalchemy.exc import IntegrityError

from brokerage.auth import bp
from brokerage.forms.people import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmPasswordForm,
    DeleteAccountForm,
    DetailsForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResendForm,
    ResetPasswordForm,
    SignInLinkForm,
    SignInLinkRequestForm,
)
from brokerage.decorators import SIGNED_IN_AT, safe_next, start_session
from brokerage.extensions import limiter
from brokerage.notify import (
    send_account_exists,
    send_password_reset,
    send_sign_in_link,
    send_verification_email,
)
from brokerage.tokens import TokenError, read_token
from brokerage.views import show_domain_error
from brokerage.i18n import current_language
from models import DomainError, User, db, record_event, utcnow
from models.people.accounts import (
    change_email,
    delete_account,
    find_user_by_email,
    register_user,
    set_password,
    sign_out_everywhere,
    verify_email,
)
from models.people.landing import landing_for
from models.digests.periods import LABELS
from models.digests.preferences import preferences_for
from models.people.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _ip_limit() -> str:
    return current_app.config["LOGIN_IP_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def _typed_email() -> str:
    return (request.form.get("email") or "").strip().lower()[:254]


def _email_key() -> str:
    return "email:" + _typed_email()


def _pair_key() -> str:
    """One address from one IP address: guessing from elsewhere does not lock the owner out."""
    return f"pair:{request.remote_addr}:{_typed_email()}"


def _throttled(_limit):
    """Too many sign-ins: offer a link by email instead, whether or not the address has an account."""
    form = SignInLinkRequestForm(formdata=None, email=_typed_email())
    return make_response(render_template("auth/throttled.html", form=form), 429)


def _landing() -> str:
    """A safe `next` page first; otherwise where work waits for this person."""
    found = safe_next(request.args.get("next"))
    if found:
        return found
    landing = landing_for(current_user, utcnow(), date.today())
    return url_for(landing.endpoint, **landing.arguments)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
# Each try with an address that has an account emails its owner: not too often.
@limiter.limit("5 per hour", methods=["POST"], key_func=_email_key)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = RegisterForm()
    if form.validate_on_submit():
        existing = find_user_by_email(form.email.data)
        try:
            if existing is not None:
                # The same page as for a new account, so the form does not reveal who has one;
                # the owner is told by email. Hash anyway: the answer takes as long either way.
                hash_password(form.password.data)
                send_account_exists(existing)
            else:
                user = register_user(form.name.data, form.email.data, form.password.data)
                row = getattr(form.postcode, "postcode_row", None)
                if row is not None:
                    user.postcode, user.ward_id = row.postcode, row.ward_id
                # The language the page was in: emails (this first one too) follow it.
                user.locale = current_language()
                send_verification_email(user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        except IntegrityError:
            # Two registrations for one address at once: the unique index decides, and the
            # first one's owner has the account.
            db.session.rollback()
            return render_template("auth/registered.html", email=form.email.data.strip())
        else:
            return render_template("auth/registered.html", email=form.email.data.strip())
    return render_template("auth/register.html", form=form)


@bp.route("/verify-email/<token>", endpoint="verify_email")
def verify_email_link(token: str):
    try:
        payload = read_token("verify-email", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    except TokenError as error:
        return render_template("auth/link_problem.html", expired=error.expired, purpose="verify"), 400
    user = db.session.get(User, payload.get("user"))
    if user is None or not verify_email(user, payload.get("email", "")):
        return render_template("auth/link_problem.html", expired=False, purpose="verify"), 400
    db.session.commit()
    if current_user.is_authenticated:
        flash(_("Your email address is confirmed."), "success")
        return redirect(url_for("auth.account"))
    flash(_("Your email address is confirmed. Sign in to continue."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/verify-email/resend", methods=["POST"])
@login_required
@limiter.limit("5 per hour")
def resend_verification():
    form = ResendForm()
    if form.validate_on_submit() and not current_user.email_verified:
        send_verification_email(current_user)
        db.session.commit()
        flash(_("We have sent a new link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("auth.account"))


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"], on_breach=_throttled)
@limiter.limit(_login_limit, methods=["POST"], key_func=_pair_key, on_breach=_throttled)
@limiter.limit(_address_limit, methods=["POST"], key_func=_email_key, on_breach=_throttled)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user is None:
            # Spend the same time as for a real account, so timing does not reveal who has one.
            verify_password(DUMMY_HASH, form.password.data)
        elif user.check_password(form.password.data):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            user.last_login_at = utcnow()
            db.session.commit()
            start_session(user, remember=form.remember.data)
            return redirect(_landing())
        form.password.errors = [_("Enter a correct email address and password")]
    return render_template("auth/login.html", form=form)


@bp.route("/sign-in/link", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=_email_key)
def request_sign_in_link():
    """Offered by the "too many attempts" page: a single-use link to sign in, by email.
    The same answer whether or not the address has an account."""
    form = SignInLinkRequestForm()
    if not form.validate_on_submit():
        return render_template("auth/sign_in_link_request.html", form=form)
    user = find_user_by_email(form.email.data)
    if user is not None:
        send_sign_in_link(user)
        db.session.commit()
    return render_template("auth/sign_in_link_sent.html", email=form.email.data.strip())


@bp.route("/sign-in/link/<token>", methods=["GET", "POST"], endpoint="sign_in_by_link")
@limiter.limit("20 per hour", methods=["POST"])
def sign_in_by_link(token: str):
    """The emailed link opens a page with a button (a mail scanner that opens links does not
    use it up); pressing it signs in once."""
    try:
        payload = read_token("sign-in", token, current_app.config["SIGN_IN_LINK_MAX_AGE"])
    except TokenError as error:
        return render_template("auth/link_problem.html", expired=error.expired, purpose="sign-in"), 400
    user = db.session.get(User, payload.get("user"))
    last = user.last_login_at.isoformat() if user is not None and user.last_login_at else ""
    if user is None or payload.get("email") != user.email or payload.get("last") != last:
        return render_template("auth/link_problem.html", expired=False, purpose="sign-in"), 400
    form = SignInLinkForm()
    if form.validate_on_submit():
        user.last_login_at = utcnow()
        # The link came to the account's address: that confirms it.
        verify_email(user, payload["email"])
        record_event("user.signed_in_by_link", user, actor=user)
        db.session.commit()
        start_session(user)
        return redirect(_landing())
    return render_template("auth/sign_in_link.html", form=form)


@bp.route("/sign-in/confirm", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"], key_func=lambda: f"confirm:{current_user.get_id()}")
def confirm_password():
    """"Confirm your password to continue": for officer and administrator pages when the
    sign-in is old or came from the remember-me cookie (brokerage/decorators.py)."""
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        if current_user.check_password(form.password.data):
            confirm_login()
            session[SIGNED_IN_AT] = int(time.time())
            return redirect(safe_next(request.args.get("next")) or url_for("auth.account"))
        form.password.errors = [_("Your password is not correct")]
    return render_template("auth/confirm_password.html", form=form)


@bp.route("/sign-out", methods=["POST"])
def logout():
    # POST with CSRF only: a link or image cannot sign someone out. The session id rotates,
    # so a copy of this session's cookie (or the remember-me cookie) stops working too.
    if current_user.is_authenticated:
        sign_out_everywhere(current_user._get_current_object())
        db.session.commit()
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("public.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user is not None:
            send_password_reset(user)
            db.session.commit()
        # The same answer either way, so the form does not reveal who has an account.
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        payload = read_token("reset-password", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    except TokenError as error:
        return render_template("auth/link_problem.html", expired=error.expired, purpose="reset"), 400
    user = db.session.get(User, payload.get("user"))
    if user is None or user.password_hash[-16:] != payload.get("h"):
        return render_template("auth/link_problem.html", expired=False, purpose="reset"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            set_password(user, form.new_password.data)
            # Following the emailed link proves the address it was sent to (if the
            # account still uses it: not an address changed to since).
            verify_email(user, payload.get("email", ""))
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            logout_user()
            flash(_("Your password has been changed. Sign in with your new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account")
@login_required
def account():
    return render_template(
        "auth/account.html",
        resend_form=ResendForm(),
        organisations=current_user.organisations(),
        email_updates=LABELS[preferences_for(current_user).frequency],
    )


@bp.route("/account/details", methods=["GET", "POST"])
@login_required
def account_details():
    form = DetailsForm(obj=current_user)
    if form.validate_on_submit():
        row = getattr(form.postcode, "postcode_row", None)
        current_user.name = form.name.data.strip()
        current_user.postcode = row.postcode if row else None
        current_user.ward_id = row.ward_id if row else None
        record_event("user.details_changed", current_user, actor=current_user)
        db.session.commit()
        flash(_("Your details have been saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/details.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def account_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors = [_("Your password is not correct")]
        else:
            try:
                change_email(current_user, form.email.data)
                send_verification_email(current_user)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                show_domain_error(form, error)
            except IntegrityError:
                # Someone took the address at the same moment: the unique index decides.
                db.session.rollback()
                show_domain_error(form, DomainError("An account with this email address already exists", "email"))
            else:
                flash(_("We have sent a link to %(email)s. Open it to confirm your new address.", email=current_user.email), "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/change_email.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def account_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors = [_("Your current password is not correct")]
        else:
            try:
                set_password(current_user, form.new_password.data)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                show_domain_error(form, error)
            else:
                # The session id rotated: sign in again here, other devices are signed out.
                start_session(current_user._get_current_object())
                flash(_("Your password has been changed. You have been signed out on other devices."), "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def account_delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors = [_("Your password is not correct")]
        else:
            user = current_user._get_current_object()
            try:
                delete_account(user)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                show_domain_error(None, error)
            else:
                logout_user()
                flash(_("Your account has been deleted."), "success")
                return redirect(url_for("public.home"))
    return render_template("auth/delete_account.html", form=form)
