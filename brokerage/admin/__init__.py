from flask import Blueprint

bp = Blueprint("admin", __name__)

from brokerage.admin import census, indicators, routes  # noqa: E402,F401
