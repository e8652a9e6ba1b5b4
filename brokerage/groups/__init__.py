from flask import Blueprint

bp = Blueprint("groups", __name__)

from brokerage.groups import pledges, routes, stories  # noqa: E402,F401
