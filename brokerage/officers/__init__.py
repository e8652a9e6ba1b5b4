from flask import Blueprint

bp = Blueprint("officers", __name__)

from brokerage.officers import (  # noqa: E402,F401
    board,
    case_studies,
    channels,
    contracts,
    deliveries,
    digests,
    ideas,
    escalation,
    fund,
    impact,
    kpis,
    planning,
    planning_links,
    jobs,
    needs,
    returns,
    return_splits,
    rounds,
    routes,
    stories,
    tenders,
)
