"""Suppliers: their dashboard, their commitments and their pledges."""

from flask import Blueprint

bp = Blueprint("suppliers", __name__)
