"""Suppliers: their dashboard, their commitments and their pledges."""

from flask import Blueprint

bp = Blueprint("suppliers", __name__)

from brokerage.suppliers import commitments  # noqa: E402,F401
from brokerage.suppliers import dashboard, pledges, recommendations, returns, tenders  # noqa: E402,F401
