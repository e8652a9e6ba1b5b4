from flask import Blueprint

bp = Blueprint("public", __name__)

from brokerage.public import needs, routes  # noqa: E402,F401
