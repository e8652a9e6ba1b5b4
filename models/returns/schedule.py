"""How often a contract reports: a setting per contract tier (an administrator changes it at
Council settings). By default, under £1m yearly, £1m to £5m half-yearly, over £5m quarterly."""

from __future__ import annotations

from datetime import date

from models.contracts.models import Contract
from models.contracts.tiers import Tier
from models.core.settings import get_int_setting
from models.returns.periods import DUE_DAYS, EVERY_MONTHS, Period, reporting_periods

DEFAULT_MONTHS = {Tier.NONE: 12, Tier.BASIC: 12, Tier.KPI: 6, Tier.STRATEGIC: 3}


def setting_key(tier: Tier) -> str:
    return f"return_months_{tier.value}"


def months_for_tier(tier: Tier) -> int:
    months = get_int_setting(setting_key(tier), DEFAULT_MONTHS[tier])
    return months if months in EVERY_MONTHS else DEFAULT_MONTHS[tier]


def due_days() -> int:
    return get_int_setting("return_due_days", DUE_DAYS)


def contract_periods(contract: Contract, today: date) -> list[Period]:
    """The contract's reporting periods so far (none until it has a start date)."""
    if contract.start_date is None:
        return []
    return reporting_periods(contract.start_date, contract.end_date, months_for_tier(contract.tier()), today, due_days())
