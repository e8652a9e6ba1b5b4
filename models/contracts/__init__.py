"""Contracts and the social value commitments in them: tiers, the rules that change them, OCDS import."""
