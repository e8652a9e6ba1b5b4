"""GOV.UK-pattern error pages (and JSON for the API). Every handler answers through
render_error, which rolls the database session back first (as microblog's handlers do):
after a database error the session refuses all work until it is rolled back, and the page
itself reads the database (the signed-in person, the council's name). Nothing a failed
request wrote is kept."""

from __future__ import annotations

from flask import Flask, jsonify, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from brokerage.decorators import wants_json
from brokerage.rule_messages import translate_rule_message
from models import DomainError, PermissionDenied, db

TITLES = {
    400: _l("Sorry, there is a problem with the request"),
    403: _l("You do not have permission to see this page"),
    404: _l("Page not found"),
    405: _l("Sorry, that action is not allowed here"),
    413: _l("The file is too large"),
    429: _l("Too many attempts"),
    500: _l("Sorry, there is a problem with the service"),
    503: _l("Sorry, the service is unavailable"),
}


def render_error(code: int, message: str | None = None):
    db.session.rollback()
    if wants_json():
        return jsonify(error=str(TITLES.get(code, "Error")), detail=message and str(message)), code
    return render_template("errors/error.html", code=code, title=TITLES.get(code, "Error"), message=message), code


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400, _("The form had expired or was sent from somewhere else. Go back, reload the page and try again.")
        )

    @app.errorhandler(PermissionDenied)
    def permission_denied(error: PermissionDenied):
        return render_error(403, translate_rule_message(error.message))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 429 and getattr(error, "response", None) is not None:
            return error.response  # a page of the view's own (sign-in offers a link by email)
        message = getattr(error, "message_for_people", None)
        if error.code == 413:
            message = _("Files must be smaller than %(size)s MB.", size=app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))
        elif error.code == 429:
            message = _("You have tried too many times. Wait a minute and try again.")
        body, code = render_error(error.code or 500, message)
        response = app.make_response((body, code))
        # Keep what the exception says about itself (Allow on a 405, Retry-After on a 429).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return render_error(400, translate_rule_message(error.message))
