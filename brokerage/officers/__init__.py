from flask import Blueprint

bp = Blueprint("officers", __name__)

from brokerage.officers import board, contracts, deliveries, needs, routes  # noqa: E402,F401
