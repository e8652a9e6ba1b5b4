"""Reporting periods (models/returns/periods.py, pure) at their boundaries, and the schedule
per contract tier (settings, Brent's defaults)."""

from __future__ import annotations

from datetime import date

import pytest

from models import db
from models.contracts.tiers import Tier
from models.core.settings import set_setting
from models.returns.periods import add_months, reporting_periods, twelve_month_years
from models.returns.schedule import DEFAULT_MONTHS, months_for_tier


def test_quarters_from_the_start_date_with_due_dates():
    periods = reporting_periods(date(2025, 4, 1), date(2026, 3, 31), 3, until=date(2030, 1, 1))
    assert [(p.start, p.end) for p in periods] == [
        (date(2025, 4, 1), date(2025, 6, 30)),
        (date(2025, 7, 1), date(2025, 9, 30)),
        (date(2025, 10, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 3, 31)),
    ]
    assert periods[0].due == date(2025, 7, 30)  # 30 days after the period ends


def test_a_start_on_the_31st_stays_on_month_ends_and_does_not_drift():
    periods = reporting_periods(date(2025, 1, 31), None, 3, until=date(2025, 12, 31))
    assert [p.start for p in periods] == [date(2025, 1, 31), date(2025, 4, 30), date(2025, 7, 31), date(2025, 10, 31)]
    assert periods[0].end == date(2025, 4, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_the_last_period_is_cut_at_the_contract_end_and_none_start_after_it():
    periods = reporting_periods(date(2025, 4, 1), date(2025, 11, 15), 6, until=date(2030, 1, 1))
    assert [(p.start, p.end) for p in periods] == [(date(2025, 4, 1), date(2025, 9, 30)), (date(2025, 10, 1), date(2025, 11, 15))]
    # A contract ending the day before a period would start has no such period.
    assert len(reporting_periods(date(2025, 4, 1), date(2025, 9, 30), 6, until=date(2030, 1, 1))) == 1


def test_periods_are_listed_once_started_and_ended_the_day_after_their_last_day():
    periods = reporting_periods(date(2025, 4, 1), None, 12, until=date(2026, 4, 1))
    assert [p.start for p in periods] == [date(2025, 4, 1), date(2026, 4, 1)]
    assert len(reporting_periods(date(2025, 4, 1), None, 12, until=date(2026, 3, 31))) == 1
    first = periods[0]
    assert not first.ended(date(2026, 3, 31)) and first.ended(date(2026, 4, 1))
    assert not first.overdue(first.due) and first.overdue(date(2026, 5, 1))


def test_twelve_month_years_and_unknown_schedules():
    assert twelve_month_years(date(2025, 4, 1), None, date(2026, 4, 1)) == [
        (date(2025, 4, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2027, 3, 31))
    ]
    with pytest.raises(ValueError):
        reporting_periods(date(2025, 4, 1), None, 4, until=date(2026, 1, 1))


def test_schedule_per_tier_defaults_and_settings(app):
    with app.app_context():
        assert {tier: months_for_tier(tier) for tier in Tier} == DEFAULT_MONTHS
        assert DEFAULT_MONTHS == {Tier.NONE: 12, Tier.BASIC: 12, Tier.KPI: 6, Tier.STRATEGIC: 3}
        set_setting("return_months_kpi", "3")
        set_setting("return_months_basic", "7")  # not a schedule: the default holds
        db.session.commit()
        assert months_for_tier(Tier.KPI) == 3
        assert months_for_tier(Tier.BASIC) == 12
