"""Ward priority rounds (participatory budgeting): setup, ballots, the count, and Pabulib files."""
