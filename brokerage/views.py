"""How views run a domain rule: one transaction per state change.

`apply_rule` runs the rule and commits. A DomainError rolls everything back and
is shown to the person: beside its field when the form has that field, else as
a banner. PermissionDenied rolls back and becomes a 403 page."""

from __future__ import annotations

from typing import Callable

from flask import flash
from markupsafe import Markup

from brokerage.rule_messages import translate_rule_message
from models import DomainError, PermissionDenied, db


def show_domain_error(form, error: DomainError) -> None:
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    # In the page's language: rules in models/ raise in English, listed and translated in
    # brokerage/rule_messages.py; Markup is ours, already worded.
    messages = [message if isinstance(message, Markup) else translate_rule_message(message)
                for message in getattr(error, "messages", [error.message])]
    if field is not None:
        # GOV.UK shows one message per field (beside it and in the summary): several
        # problems at once (every bad line of a batch) become one message, a line each.
        message = messages[0] if len(messages) == 1 else Markup("<br>").join(messages)
        field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
    else:
        for message in messages:
            flash(message, "error")


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
