from flask import Blueprint

bp = Blueprint("auth", __name__)

from brokerage.auth import email_updates, routes  # noqa: E402,F401
