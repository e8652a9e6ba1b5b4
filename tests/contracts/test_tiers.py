"""Contract tiers at each boundary, what commitments lack for a tier, and the
commitment status rule (on track, at risk, met, unmet). Pure rules: no app."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.contracts.models import AT_RISK_DAYS, CommitmentStatus, commitment_status
from models.contracts.tiers import Tier, TierThresholds, tier_for_value, tier_shortfalls


@pytest.mark.parametrize(
    ("pence", "tier"),
    [
        (0, Tier.NONE),
        (214_999_99, Tier.NONE),
        (215_000_00, Tier.BASIC),
        (999_999_99, Tier.BASIC),
        (1_000_000_00, Tier.KPI),
        (5_000_000_00, Tier.KPI),
        (5_000_000_01, Tier.STRATEGIC),
        (40_000_000_00, Tier.STRATEGIC),
    ],
)
def test_tier_at_each_boundary(pence, tier):
    assert tier_for_value(pence) == tier


def test_thresholds_are_configurable_and_must_rise():
    lower = TierThresholds(basic_from_pence=100_000_00, kpi_from_pence=500_000_00, strategic_over_pence=2_000_000_00)
    assert tier_for_value(100_000_00, lower) == Tier.BASIC
    assert tier_for_value(99_999_99, lower) == Tier.NONE
    assert tier_for_value(2_000_000_01, lower) == Tier.STRATEGIC
    with pytest.raises(ValueError):
        TierThresholds(basic_from_pence=2_000_000_00, kpi_from_pence=1_000_000_00)


def test_under_threshold_never_falls_short():
    assert tier_shortfalls(Tier.NONE, []) == []


def test_basic_tier_needs_at_least_one_commitment():
    assert tier_shortfalls(Tier.BASIC, []) == [
        "Contracts in this tier need a social value contribution in 1 to 2 priority themes."
    ]
    assert tier_shortfalls(Tier.BASIC, [1]) == []
    assert tier_shortfalls(Tier.BASIC, [1, 2, 3]) == []  # more than asked is not a shortfall


def test_kpi_tier_needs_a_commitment():
    assert len(tier_shortfalls(Tier.KPI, [])) == 1
    assert tier_shortfalls(Tier.KPI, [4]) == []


def test_strategic_tier_needs_three_kpis_across_several_themes():
    assert tier_shortfalls(Tier.STRATEGIC, []) == [
        "Contracts over the strategic threshold need at least 3 KPIs; this one has 0.",
        "Contracts over the strategic threshold need commitments across several priority themes.",
    ]
    assert tier_shortfalls(Tier.STRATEGIC, [1, 1, 1]) == [
        "Contracts over the strategic threshold need commitments across several priority themes."
    ]
    assert tier_shortfalls(Tier.STRATEGIC, [1, 2]) == [
        "Contracts over the strategic threshold need at least 3 KPIs; this one has 2."
    ]
    assert tier_shortfalls(Tier.STRATEGIC, [1, 2, 2]) == []


TODAY = date(2026, 3, 1)


def test_met_when_delivered_reaches_target_even_past_due():
    assert commitment_status(100, 100, TODAY - timedelta(days=30), TODAY) == CommitmentStatus.MET
    assert commitment_status(100, 120, TODAY + timedelta(days=5), TODAY) == CommitmentStatus.MET


def test_unmet_only_once_the_due_date_has_passed():
    assert commitment_status(100, 99, TODAY - timedelta(days=1), TODAY) == CommitmentStatus.UNMET
    # Due today is not yet past due: still at risk.
    assert commitment_status(100, 10, TODAY, TODAY) == CommitmentStatus.AT_RISK


def test_at_risk_boundary_at_60_days():
    assert AT_RISK_DAYS == 60
    assert commitment_status(100, 0, TODAY + timedelta(days=60), TODAY) == CommitmentStatus.AT_RISK
    assert commitment_status(100, 0, TODAY + timedelta(days=61), TODAY) == CommitmentStatus.ON_TRACK


def test_at_risk_boundary_at_75_percent():
    due = TODAY + timedelta(days=30)
    assert commitment_status(100, 74, due, TODAY) == CommitmentStatus.AT_RISK
    assert commitment_status(100, 75, due, TODAY) == CommitmentStatus.ON_TRACK
    # 75% of 3 is 2.25: 2 delivered is under it.
    assert commitment_status(3, 2, due, TODAY) == CommitmentStatus.AT_RISK


def test_status_labels():
    assert [status.label for status in CommitmentStatus] == ["On track", "At risk", "Met", "Unmet"]
