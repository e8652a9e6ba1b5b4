"""The proposed KPI rating (models/returns/ratings.py, pure) at its boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from models.returns.ratings import Rating, Thresholds, pro_rata_target, propose


def test_pro_rata_target_grows_with_time_and_is_whole_once_due():
    start, due = date(2025, 4, 1), date(2027, 4, 1)  # 730 days
    assert pro_rata_target(520, start, due, date(2025, 4, 1)) == 0
    assert pro_rata_target(520, start, due, date(2026, 4, 1)) == 260  # 365 of 730 days
    assert pro_rata_target(520, start, due, date(2027, 4, 1)) == 520
    assert pro_rata_target(520, start, due, date(2030, 1, 1)) == 520
    assert pro_rata_target(520, start, due, date(2024, 1, 1)) == 0


@pytest.mark.parametrize("delivered, expected", [
    (100, Rating.GOOD), (150, Rating.GOOD), (99, Rating.APPROACHING), (85, Rating.APPROACHING),
    (84, Rating.REQUIRES_IMPROVEMENT), (60, Rating.REQUIRES_IMPROVEMENT), (59, Rating.INADEQUATE), (0, Rating.INADEQUATE),
])
def test_ratings_at_the_default_thresholds(delivered, expected):
    assert propose(delivered, 100) == expected


def test_nothing_due_yet_is_other_and_thresholds_must_rise():
    assert propose(5, 0) == Rating.OTHER
    assert propose(90, 100, Thresholds(good=90, approaching=80, requires_improvement=50)) == Rating.GOOD
    with pytest.raises(ValueError):
        Thresholds(good=50, approaching=80)
