from flask import Blueprint

bp = Blueprint("officers", __name__)

from brokerage.officers import case_studies, contracts, deliveries, impact, needs, rounds, routes  # noqa: E402,F401
