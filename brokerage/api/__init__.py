"""The read-only JSON API, under /api/v1/ (its OpenAPI document at /api/v1/openapi.json)."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from brokerage.api import routes  # noqa: E402,F401
