"""Pledges against needs and their allocation to commitments."""
