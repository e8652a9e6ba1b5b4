"""How often a contract reports: a setting per contract tier (an administrator changes it at
Council settings; by default under £1m yearly, £1m to £5m half-yearly, over £5m quarterly),
unless an officer gave the contract a schedule of its own, with a reason. The periods a
supplier files for, the drafts the daily job opens (and so the reminders and the overdue
list) all follow `contract_periods`.

A change of schedule never orphans a return already filed: it is refused while a return
that was submitted (or has lines) covers a period the new schedule does not have. Empty
drafts of such periods (opened by the daily job, or started and left empty) are removed.
That holds for a contract's own schedule (`set_reporting_schedule`) and for a change of the
council's settings that gives contracts following their tier another schedule (a tier's
schedule, or a threshold that moves a contract to another tier: `follow_tier_changes`)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from models import DomainError, db
from models.contracts.models import Contract
from models.contracts.tiers import Tier
from models.core.events import record_event
from models.core.settings import get_int_setting
from models.people.permissions import require_officer
from models.returns.periods import DUE_DAYS, EVERY_MONTHS, LABELS, Period, reporting_periods

if TYPE_CHECKING:
    from models.people.accounts import User

DEFAULT_MONTHS = {Tier.NONE: 12, Tier.BASIC: 12, Tier.KPI: 6, Tier.STRATEGIC: 3}
MAX_REASON = 2000


def setting_key(tier: Tier) -> str:
    return f"return_months_{tier.value}"


def months_for_tier(tier: Tier) -> int:
    months = get_int_setting(setting_key(tier), DEFAULT_MONTHS[tier])
    return months if months in EVERY_MONTHS else DEFAULT_MONTHS[tier]


def months_for_contract(contract: Contract) -> int:
    """The contract's own schedule, else its tier's."""
    if contract.return_months in EVERY_MONTHS:
        return contract.return_months
    return months_for_tier(contract.tier())


def schedule_label(contract: Contract) -> str:
    """"Quarterly (set for this contract)" or "Half-yearly (its tier's schedule)"."""
    label = LABELS[months_for_contract(contract)]
    return f"{label} (set for this contract)" if contract.return_months else f"{label} (the schedule for its tier)"


def due_days() -> int:
    return get_int_setting("return_due_days", DUE_DAYS)


def periods_every(contract: Contract, months: int, today: date) -> list[Period]:
    if contract.start_date is None:
        return []
    return reporting_periods(contract.start_date, contract.end_date, months, today, due_days())


def contract_periods(contract: Contract, today: date) -> list[Period]:
    """The contract's reporting periods so far (none until it has a start date)."""
    return periods_every(contract, months_for_contract(contract), today)


def set_reporting_schedule(contract: Contract, officer: "User", months: int | None, reason: str, today: date) -> list[int]:
    """Give the contract its own schedule (3, 6 or 12 months), or None to follow its tier
    again, with a reason. Refused when a filed return's period would not be a period of the
    new schedule; empty drafts of such periods are removed (their ids are returned)."""
    from models.returns.models import SupplierReturn

    require_officer(officer)
    if months is not None and months not in EVERY_MONTHS:
        raise DomainError("Choose yearly, half-yearly or quarterly", field="months")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why this contract reports on this schedule", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError("Keep the reason to 2,000 characters or fewer", field="reason")
    before, before_months = contract.return_months, months_for_contract(contract)
    if months == before:
        raise DomainError("That is already this contract's schedule: nothing was changed", field="months")
    new_months = months if months is not None else months_for_tier(contract.tier())
    returns = db.session.scalars(
        select(SupplierReturn).where(SupplierReturn.contract_id == contract.id)
        .order_by(SupplierReturn.period_start, SupplierReturn.version)
    ).all()
    empty_drafts, orphaned = _outside(contract, new_months, returns, today)
    if orphaned:
        first = orphaned[0]
        raise DomainError(
            f"The return for {_day(first.period_start)} to {_day(first.period_end)} ({first.state_label.lower()}) is not "
            f"a period of a {LABELS[new_months].lower()} schedule. A schedule can change only where the returns already "
            "filed fit it.",
            field="months",
        )
    removed = _remove(empty_drafts, officer, "the contract's reporting schedule changed")
    contract.return_months, contract.return_months_reason = months, reason
    db.session.flush()
    record_event(
        "contract.schedule_changed", contract, actor=officer,
        from_state=LABELS[before_months].lower(), to_state=LABELS[new_months].lower(),
        detail={"own_schedule": months, "was_own_schedule": before, "reason": reason, "removed_drafts": removed},
    )
    return removed


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _outside(contract: Contract, months: int, returns, today: date) -> tuple[list, list]:
    """The contract's returns (in period order) whose period a `months` schedule does not
    have: (empty drafts, which may go; the others, which a change must not orphan)."""
    fits = {(period.start, period.end) for period in periods_every(contract, months, today)}
    outside = [found for found in returns if (found.period_start, found.period_end) not in fits]
    empty = [found for found in outside if found.state == "draft" and not found.lines]
    return empty, [found for found in outside if found not in empty]


def _remove(drafts: list, actor: "User", why: str) -> list[int]:
    """Delete these empty drafts, each with its audit event; their ids."""
    removed = [draft.id for draft in drafts]
    for draft in drafts:
        record_event("return.removed", draft, actor=actor, from_state="draft", to_state="removed", detail={"why": why})
        db.session.delete(draft)
    return removed


def tier_schedules() -> dict[int, int]:
    """Each contract with returns that follows its tier's schedule, and how many months that
    is now: read before the council's settings change, for `follow_tier_changes`."""
    from models.returns.models import SupplierReturn

    following = db.session.scalars(
        select(Contract)
        .where(Contract.return_months.is_(None), exists().where(SupplierReturn.contract_id == Contract.id))
        .order_by(Contract.id)
    ).all()
    return {contract.id: months_for_contract(contract) for contract in following}


def follow_tier_changes(before: dict[int, int], actor: "User", today: date) -> list[int]:
    """After the council's settings changed in this transaction: each contract of `before`
    (tier_schedules) whose tier now reports on another schedule. Refused (a DomainError beside
    that tier's schedule) when one has a filed return whose period the new schedule does not
    have; otherwise their empty drafts of such periods are removed (their ids are returned)."""
    from models.returns.models import SupplierReturn

    moved = [contract for contract in db.session.scalars(select(Contract).where(Contract.id.in_(before)).order_by(Contract.id))
             if months_for_contract(contract) != before[contract.id]]
    returns: dict[int, list] = {contract.id: [] for contract in moved}
    for found in db.session.scalars(
        select(SupplierReturn).options(selectinload(SupplierReturn.lines))
        .where(SupplierReturn.contract_id.in_(returns)).order_by(SupplierReturn.period_start, SupplierReturn.version)
    ):
        returns[found.contract_id].append(found)
    removed: list[int] = []
    for contract in moved:
        months = months_for_contract(contract)
        empty_drafts, orphaned = _outside(contract, months, returns[contract.id], today)
        if orphaned:
            first = orphaned[0]
            raise DomainError(
                f"Contract {contract.reference}: the return for {_day(first.period_start)} to {_day(first.period_end)} "
                f"({first.state_label.lower()}) is not a period of the {LABELS[months].lower()} schedule its tier would "
                "have. A tier's schedule can change only where the returns its contracts filed fit it.",
                field=setting_key(contract.tier()),
            )
        removed += _remove(empty_drafts, actor, "its tier's reporting schedule changed")
    return removed
