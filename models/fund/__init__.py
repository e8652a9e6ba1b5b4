"""The Social Value Fund as a balance, with a ledger of what came in and where it went."""
