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


def test_start_up_objects_are_hidden_from_the_garbage_collector_outside_tests(app):
    """gc.freeze() after start-up (GC_FREEZE): on in production, off by default under
    APP_ENV=test, where one process builds many apps."""
    import gc

    from brokerage.config import from_environment

    production = {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "IDENTITY_HASH_KEY": "k" * 40,
                  "BASE_URL": "https://sv.brent.gov.uk"}
    assert from_environment(production, "/tmp")["GC_FREEZE"] is True
    assert from_environment({**production, "GC_FREEZE": "false"}, "/tmp")["GC_FREEZE"] is False
    assert app.config["GC_FREEZE"] is False and gc.get_freeze_count() == 0
    try:
        create_app({**app.config, "GC_FREEZE": True})
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
