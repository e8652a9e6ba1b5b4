"""Role checks in one place. HTML requests are redirected to sign in or get a
403 page; JSON requests get a 401/403 body."""

from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required


def wants_json() -> bool:
    """Whether this request wants a JSON answer (the API, or a client that asks for JSON)
    rather than a page; the error pages and the sign-in redirect ask it too."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


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
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
