"""The web app: create_app() builds it from the environment (or a test config)."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from werkzeug.routing import IntegerConverter


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: a number too big for an id column is simply not found
    (a 404), never a database overflow error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or os.path.join(root, "instance"),
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.url_map.converters["int"] = RowIdConverter

    from brokerage.config import from_environment

    app.config.from_mapping(from_environment(os.environ, app.instance_path))
    if test_config:
        app.config.update(test_config)

    from models.people.passwords import use_fast_hashing_for_tests

    use_fast_hashing_for_tests(app.config["APP_ENV"] == "test")
    init_proxies(app)
    init_redis(app)
    init_extensions(app)
    init_i18n(app)
    init_templates(app)
    init_security(app)
    register_blueprints(app)
    init_page_cache(app)
    register_cli(app)
    if app.config["GC_FREEZE"]:
        import gc

        gc.collect()
        gc.freeze()
    return app


def init_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT proxies (the router the Procfile implies), a visitor's address and
    scheme are the ones the proxies forwarded, so rate limits are per visitor, not per router.
    Only X-Forwarded-For and X-Forwarded-Proto are trusted, and only from that many proxies."""
    count = app.config.get("PROXY_COUNT") or 0
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]


def init_redis(app: Flask) -> None:
    if not app.config.get("REDIS_URL"):
        from brokerage.embedded_redis import start_embedded_redis

        app.config["REDIS_URL"] = start_embedded_redis(app.instance_path)
    url = app.config["REDIS_URL"]
    storage = "redis+unix://" + url[len("unix://") :] if url.startswith("unix://") else url
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "brokerage-limits")


def init_extensions(app: Flask) -> None:
    from brokerage.extensions import csrf, limiter, login_manager, migrate, rq
    from brokerage.mail import init_mail
    from models import db

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    # Its warnings (Redis unreachable: limits kept in memory) go to the app's log.
    limiter.logger = AppLog()
    rq.init_app(app)
    init_mail(app)


class AppLog:
    """The current app's logger, looked up when a line is written (as late as Flask itself
    creates it, so a logging set-up that runs first, like Alembic's, leaves it enabled)."""

    def __getattr__(self, name: str):
        from flask import current_app

        return getattr(current_app.logger, name)


def init_i18n(app: Flask) -> None:
    from brokerage.i18n import init_i18n as init_languages

    init_languages(app)


def init_templates(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from brokerage.templating import init_template_helpers

    app.jinja_loader = ChoiceLoader(
        [
            app.jinja_loader,
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    # Compiled templates are kept: outside debug, never checked against their files again
    # (no stat of every template and macro file on each render), and in production their
    # bytecode is kept in the instance folder, so a new worker loads them instead of compiling.
    if not app.debug and not app.config.get("TEMPLATES_AUTO_RELOAD"):
        app.jinja_env.auto_reload = False
        if app.config["APP_ENV"] == "production" and app.jinja_env.bytecode_cache is None:
            from jinja2 import FileSystemBytecodeCache

            folder = os.path.join(app.instance_path, "jinja-bytecode")
            os.makedirs(folder, exist_ok=True)
            app.jinja_env.bytecode_cache = FileSystemBytecodeCache(folder)
    WTFormsHelpers(app)
    init_template_helpers(app)


def init_security(app: Flask) -> None:
    from brokerage.input_checks import init_input_checks
    from brokerage.security import init_security_headers

    init_security_headers(app)
    init_input_checks(app)


def register_blueprints(app: Flask) -> None:
    from brokerage.admin import bp as admin_bp
    from brokerage.api import bp as api_bp
    from brokerage.auth import bp as auth_bp
    from brokerage.errors import init_error_handlers
    from brokerage.groups import bp as groups_bp
    from brokerage.suppliers import bp as suppliers_bp
    from brokerage.officers import bp as officers_bp
    from brokerage.organisations import bp as organisations_bp
    from brokerage.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(organisations_bp, url_prefix="/organisations")
    app.register_blueprint(groups_bp)
    app.register_blueprint(suppliers_bp)
    app.register_blueprint(officers_bp, url_prefix="/officers")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    init_error_handlers(app)


def init_page_cache(app: Flask) -> None:
    from brokerage.page_cache import init_page_cache as keep_public_pages

    keep_public_pages(app)


def register_cli(app: Flask) -> None:
    from brokerage.cli import init_cli

    init_cli(app)
