"""Extensions, created here and bound to the app in create_app (nothing happens at import)."""

from __future__ import annotations

from flask import jsonify, redirect, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select

from brokerage.decorators import wants_json
from brokerage.jobs import RQ
from models import User, db

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to see this page"
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

csrf = CSRFProtect()
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
rq = RQ()


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    return db.session.scalar(select(User).where(User.session_id == session_id))


@login_manager.unauthorized_handler
def unauthorized():
    if wants_json():
        return jsonify(error="Sign in required"), 401
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
