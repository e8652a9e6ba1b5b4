"""Residents shape the ballot: a round's ideas phase (ideas, supports, comments, reports, assessment) and reminders to vote."""
