from flask import Blueprint

bp = Blueprint("public", __name__)

from brokerage.public import ledger, needs, opendata, rounds, routes, stories, vote  # noqa: E402,F401
