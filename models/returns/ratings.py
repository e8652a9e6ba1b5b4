"""KPI ratings (Procurement Act 2023, section 52): for each 12-month year of a contract, a
rating proposed from what was delivered by the year's end against the pro-rata target.
Pure: no Flask, no session.

The pro-rata target at a day is the commitment's target times the share of the time from
the contract's start to the commitment's due date that has passed (all of it once due). The
rating: Good at or above the `good` share, Approaching target at or above `approaching`,
Requires improvement at or above `requires_improvement`, else Inadequate; Other when nothing
was due yet (a pro-rata target of zero)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class Rating(str, enum.Enum):
    GOOD = "good"
    APPROACHING = "approaching_target"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "good": "Good", "approaching_target": "Approaching target", "requires_improvement": "Requires improvement",
            "inadequate": "Inadequate", "other": "Other",
        }[self.value]


@dataclass(frozen=True)
class Thresholds:
    good: int = 100  # per cent of the pro-rata target
    approaching: int = 85
    requires_improvement: int = 60

    def __post_init__(self):
        if not 0 <= self.requires_improvement <= self.approaching <= self.good:
            raise ValueError("rating thresholds must rise: requires improvement ≤ approaching ≤ good")


def pro_rata_target(target: int, start: date, due: date, at: date) -> int:
    """The share of the target due by `at` (rounded down), from the contract's start."""
    if at >= due:
        return target
    if at < start or due <= start:
        return 0
    return target * (at - start).days // (due - start).days


def propose(delivered: int, pro_rata: int, thresholds: Thresholds = Thresholds()) -> Rating:
    if pro_rata <= 0:
        return Rating.OTHER
    percent = 100 * delivered / pro_rata
    if percent >= thresholds.good:
        return Rating.GOOD
    if percent >= thresholds.approaching:
        return Rating.APPROACHING
    if percent >= thresholds.requires_improvement:
        return Rating.REQUIRES_IMPROVEMENT
    return Rating.INADEQUATE
