"""Requests no form or page can use are refused before any view uses them.

A NUL character (``%00``) in the path, a query-string or form name or value, or an
uploaded file's name is never something a person typed: it only breaks things further
in (PostgreSQL refuses it in any text, so a page that searches with it fails, and a
streamed download that meets it halfway has already answered 200). It is answered with
a 400: the path and query string are checked before any view runs, and a form's values
when the body is parsed (by the CSRF check, or by a view that first raises its own upload
limit), before anything reads them."""

from __future__ import annotations

from flask import Flask, Request, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest

NUL = "\x00"
MESSAGE = (
    "The web address or the form contained a character that cannot be used (a null character). "
    "Check the address, or go back and check what you entered."
)


class NulCharacter(BadRequest):
    description = MESSAGE
    message_for_people = MESSAGE


def has_nul(values) -> bool:
    """True when any key or value of a MultiDict holds a NUL character."""
    return any(NUL in key or NUL in value for key, value in values.items(multi=True))


class CheckedRequest(Request):
    """A request whose form, once parsed, has no NUL character in a name, a value or a file name."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        files = self.__dict__.get("files") or ImmutableMultiDict()
        form = self.__dict__.get("form") or ImmutableMultiDict()
        if has_nul(form) or any(NUL in key or NUL in (upload.filename or "") for key, upload in files.items(multi=True)):
            # Nothing of it reaches anyone who catches the error and reads on.
            self.__dict__["form"], self.__dict__["files"] = ImmutableMultiDict(), ImmutableMultiDict()
            raise NulCharacter()


def init_input_checks(app: Flask) -> None:
    app.request_class = CheckedRequest

    @app.before_request
    def refuse_nul_characters():
        if NUL in request.path or has_nul(request.args):
            raise NulCharacter()
        return None
