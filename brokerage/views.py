"""How views run a domain rule: one transaction per state change.

`apply_rule` runs the rule and commits. A DomainError rolls everything back and
is shown to the person: beside its field when the form has that field, else as
a banner. PermissionDenied rolls back and becomes a 403 page."""

from __future__ import annotations

from typing import Callable

from flask import flash

from models import DomainError, PermissionDenied, db


def show_domain_error(form, error: DomainError) -> None:
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        flash(error.message, "error")


def apply_rule(rule: Callable[[], object], form=None) -> bool:
    """Run `rule` and commit; True when it worked."""
    try:
        rule()
        db.session.commit()
    except PermissionDenied:
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return False
    return True
