"""What accepted supplier returns delivered, for the reports that show delivery by source
beside the ledger of confirmed pledges (models/reporting/ledger.py counts pledges only, and
the 360Giving data stays pledges only). Kept apart from the ledger so each has one source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import BigInteger, cast, func, select

from models import db
from models.contracts.models import Commitment, Contract
from models.places.themes import Measure, Theme
from models.returns.models import ReturnLine, SupplierReturn


@dataclass(frozen=True)
class ReturnsTotals:
    returns: int
    lines: int
    value_pence: int  # through the measures' proxy values (lines of unpriced measures add nothing)


def returns_totals(theme_slug: str | None = None, supplier_id: int | None = None, year: int | None = None) -> ReturnsTotals:
    """Accepted returns (the version that counts), optionally for one theme, one supplier, or
    the financial year (April to March, starting in `year`) their period ended in."""
    query = (
        select(
            func.count(func.distinct(SupplierReturn.id)), func.count(ReturnLine.id),
            func.coalesce(func.sum(cast(ReturnLine.quantity, BigInteger) * func.coalesce(Measure.proxy_value_pence, 0)), 0),
        )
        .select_from(ReturnLine)
        .join(SupplierReturn, SupplierReturn.id == ReturnLine.return_id)
        .join(Commitment, Commitment.id == ReturnLine.commitment_id)
        .join(Measure, Measure.id == Commitment.measure_id)
        .where(SupplierReturn.state == "accepted")
    )
    if theme_slug:
        query = query.join(Theme, Theme.id == Measure.theme_id).where(Theme.slug == theme_slug)
    if supplier_id:
        query = query.join(Contract, Contract.id == SupplierReturn.contract_id).where(Contract.supplier_id == supplier_id)
    if year:
        query = query.where(SupplierReturn.period_end >= date(year, 4, 1), SupplierReturn.period_end <= date(year + 1, 3, 31))
    returns, lines, value = db.session.execute(query).one()
    return ReturnsTotals(int(returns), int(lines), int(value))
