"""The language switcher (brokerage/i18n.py): a link per language, back to the same page."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import ValidationError, validate_csrf

from brokerage.decorators import safe_next
from brokerage.i18n import COOKIE, COOKIE_MAX_AGE, offered
from brokerage.public import bp
from models import db, record_event


@bp.route("/language/<code>")
def choose_language(code: str):
    """Everyone gets the cookie. A signed-in person's choice is also saved on their account
    (pages and emails), but only with their session's token in the link: a link from another
    site can set the cookie, which changes nothing that matters, never the account."""
    if not offered(code):
        abort(404)
    response = redirect(safe_next(request.args.get("next")) or url_for("public.home"))
    response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax", secure=request.is_secure, httponly=True)
    if current_user.is_authenticated and current_user.locale != code:
        try:
            validate_csrf(request.args.get("token"))
        except ValidationError:
            return response
        current_user.locale = code
        record_event("user.language_chosen", current_user, actor=current_user, detail={"locale": code})
        db.session.commit()
    return response
