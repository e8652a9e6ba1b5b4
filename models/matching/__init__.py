"""Matching commitments to needs: the pure score and the stored suggestions."""
