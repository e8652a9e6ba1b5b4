"""What the council publishes: the ledger, the impact dashboard and report, scorecards, open data."""
