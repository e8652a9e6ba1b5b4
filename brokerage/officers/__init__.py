from flask import Blueprint

bp = Blueprint("officers", __name__)

from brokerage.officers import (  # noqa: E402,F401
    board,
    case_studies,
    contracts,
    deliveries,
    digests,
    escalation,
    impact,
    kpis,
    jobs,
    needs,
    returns,
    rounds,
    routes,
    stories,
)
