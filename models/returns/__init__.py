"""Supplier returns: what a supplier delivered against its commitments in each reporting
period, with evidence, counted once an officer accepts it (issue 16)."""
