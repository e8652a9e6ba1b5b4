"""Contract tiers by value, from Brent's draft Social Value Policy. Pure: no Flask, no session.

Under £215k: no formal requirement; £215k–£1m: a basic contribution in 1–2 priority
themes; £1m–£5m: clear commitments with KPIs; over £5m: strategic, at least 3 KPIs
across several themes. The thresholds are configurable."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Tier(str, enum.Enum):
    NONE = "none"
    BASIC = "basic"
    KPI = "kpi"
    STRATEGIC = "strategic"

    @property
    def label(self) -> str:
        return {
            "none": "Under threshold: no formal social value requirement",
            "basic": "Basic: a contribution in 1 to 2 priority themes",
            "kpi": "Clear commitments with agreed KPIs",
            "strategic": "Strategic: at least 3 KPIs across several themes",
        }[self.value]


@dataclass(frozen=True)
class TierThresholds:
    basic_from_pence: int = 215_000_00
    kpi_from_pence: int = 1_000_000_00
    strategic_over_pence: int = 5_000_000_00

    def __post_init__(self):
        if not 0 <= self.basic_from_pence <= self.kpi_from_pence <= self.strategic_over_pence:
            raise ValueError("tier thresholds must rise: basic ≤ KPI ≤ strategic")


def tier_for_value(value_pence: int, thresholds: TierThresholds = TierThresholds()) -> Tier:
    if value_pence < thresholds.basic_from_pence:
        return Tier.NONE
    if value_pence < thresholds.kpi_from_pence:
        return Tier.BASIC
    if value_pence <= thresholds.strategic_over_pence:
        return Tier.KPI
    return Tier.STRATEGIC


def tier_shortfalls(tier: Tier, commitment_theme_ids: list[int]) -> list[str]:
    """What a contract's commitments lack for its tier, in words (empty when enough)."""
    count = len(commitment_theme_ids)
    themes = len(set(commitment_theme_ids))
    if tier == Tier.NONE:
        return []
    if tier == Tier.BASIC:
        if count == 0:
            return ["Contracts in this tier need a social value contribution in 1 to 2 priority themes."]
        if themes > 2:
            return []  # more than asked is not a shortfall
        return []
    if tier == Tier.KPI:
        return [] if count >= 1 else ["Contracts in this tier need clear commitments with agreed KPIs."]
    problems = []
    if count < 3:
        problems.append(f"Contracts over the strategic threshold need at least 3 KPIs; this one has {count}.")
    if themes < 2:
        problems.append("Contracts over the strategic threshold need commitments across several priority themes.")
    return problems
