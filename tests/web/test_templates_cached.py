"""Compiled templates are kept outside debug: Jinja never re-checks their files on each
render, and their bytecode is shared (in tests by the session's cache; in production in the
instance folder)."""

from __future__ import annotations

from brokerage import create_app


def test_templates_are_not_checked_again_outside_debug(app):
    assert app.debug is False
    assert app.jinja_env.auto_reload is False
    assert app.jinja_env.bytecode_cache is not None


def test_debug_still_reloads_edited_templates(app):
    debugging = create_app({**app.config, "DEBUG": True})
    assert debugging.jinja_env.auto_reload is True
