"""Email digests: preferences, periods, and what goes in each."""
