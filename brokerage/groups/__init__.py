from flask import Blueprint

bp = Blueprint("groups", __name__)

from brokerage.groups import pledges, routes  # noqa: E402,F401
