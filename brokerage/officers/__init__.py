from flask import Blueprint

bp = Blueprint("officers", __name__)

from brokerage.officers import contracts, deliveries, digests, jobs, needs, routes, stories  # noqa: E402,F401
