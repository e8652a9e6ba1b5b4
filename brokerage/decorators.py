"""Role checks in one place. HTML requests are redirected to sign in or get a
403 page; JSON requests get a 401/403 body. Officer and administrator pages also
ask for the password again when the sign-in is not recent (REAUTH_AFTER_HOURS)."""

from __future__ import annotations

import time
from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import abort, current_app, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_fresh, login_required, login_user

SIGNED_IN_AT = "signed_in_at"


def wants_json() -> bool:
    """Whether this request wants a JSON answer (the API, or a client that asks for JSON)
    rather than a page; the error pages and the sign-in redirect ask it too."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: never send someone to another host after signing in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def start_session(user, remember: bool = False) -> None:
    """Sign the person in on this device, noting when (a password confirmed just now)."""
    login_user(user, remember=remember)
    session[SIGNED_IN_AT] = int(time.time())


def sign_in_is_recent() -> bool:
    """Whether the person typed their password on this device within REAUTH_AFTER_HOURS.
    A session brought back by the "keep me signed in" cookie is not (Flask-Login: not fresh)."""
    signed_in_at = session.get(SIGNED_IN_AT)
    if not login_fresh() or not isinstance(signed_in_at, int):
        return False
    return time.time() - signed_in_at < current_app.config["REAUTH_AFTER_HOURS"] * 3600


def _back_here() -> str:
    """Where to return after confirming the password: this page, or for a form that was
    posted, the page the form was on (a POST cannot be replayed)."""
    if request.method == "GET":
        return request.full_path if request.query_string else request.path
    referrer = urlsplit(request.referrer or "")
    back = referrer.path + ("?" + referrer.query if referrer.query else "") if referrer.netloc == request.host else ""
    return safe_next(back) or url_for("officers.dashboard")


def recent_sign_in_required(view: Callable) -> Callable:
    """Officer and administrator pages and actions: a sign-in older than REAUTH_AFTER_HOURS,
    or one restored from the remember-me cookie, confirms the password first."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not sign_in_is_recent():
            if wants_json():
                return jsonify(error="Confirm your password to continue"), 401
            return redirect(url_for("auth.confirm_password", next=_back_here()))
        return view(*args, **kwargs)

    return wrapped


def verified_email_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.email_verified:
            if wants_json():
                abort(403)
            flash("Confirm your email address first: we sent you a link.", "info")
            return redirect(url_for("auth.account"))
        return view(*args, **kwargs)

    return wrapped


def officer_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_officer:
            abort(403)
        return recent_sign_in_required(view)(*args, **kwargs)

    return wrapped


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return recent_sign_in_required(view)(*args, **kwargs)

    return wrapped
