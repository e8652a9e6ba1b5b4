from flask import Blueprint

bp = Blueprint("public", __name__)

from brokerage.public import ideas, language, ledger, needs, opendata, rounds, routes, stories, tenders, vote  # noqa: E402,F401
