"""Requests no form or page can use are refused before any view runs.

A NUL character (``%00``) in the path, a query-string or form name or value, or an
uploaded file's name is never something a person typed: it only breaks things further
in (PostgreSQL refuses it in any text, so a page that searches with it fails, and a
streamed download that meets it halfway has already answered 200). It is answered with
a 400 here, before any view, stream or database query starts."""

from __future__ import annotations

from flask import Flask, request

NUL = "\x00"
MESSAGE = (
    "The web address or the form contained a character that cannot be used (a null character). "
    "Check the address, or go back and check what you entered."
)


def has_nul(values) -> bool:
    """True when any key or value of a MultiDict holds a NUL character."""
    return any(NUL in key or NUL in value for key, value in values.items(multi=True))


def request_has_nul() -> bool:
    if NUL in request.path:
        return True
    if has_nul(request.args):
        return True
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if has_nul(request.form):
            return True
        for key, upload in request.files.items(multi=True):
            if NUL in key or NUL in (upload.filename or ""):
                return True
    return False


def init_input_checks(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        if request_has_nul():
            from brokerage.errors import render_error

            return render_error(400, MESSAGE)
        return None
