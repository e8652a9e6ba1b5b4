"""What accepted supplier returns delivered, for the reports that show delivery by source
beside the ledger of confirmed pledges (models/reporting/ledger.py counts pledges only, and
the 360Giving data stays pledges only). Kept apart from the ledger so each has one source.

The totals are kept as data in the delivery totals (models/reporting/delivery_totals.py),
so the ledger's line about returns is one row however many returns there are: source
'return' counts accepted returns and the value of their lines (quantity times the measure's
proxy value; lines of unpriced measures add nothing), source 'return_line' counts their
lines; by theme, supplier and the financial year the return's period ended in, and the
rollups where any of those three is ANY (returns have no ward or kind of need: those are
always ANY). A return is counted once in each theme its lines are in, and once in the cells
of every theme. `count_return` is called by the rules in the same transaction as a return
starts or stops counting; `rebuild_return_totals` recounts from the rows (after a measure's
proxy value or theme changes, and after bulk loads)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from sqlalchemy import BigInteger, case, cast, delete, func, insert, literal, select

from models import db
from models.contracts.models import Commitment, Contract
from models.places.themes import Measure, Theme
from models.reporting.delivery_totals import ANY, ANY_KIND, CELL, DeliveryTotal, add_to_cells, financial_year_of
from models.reporting.delivery_totals import financial_year_sql
from models.returns.models import ReturnLine, SupplierReturn

RETURN_SOURCE = "return"
LINE_SOURCE = "return_line"


@dataclass(frozen=True)
class ReturnsTotals:
    returns: int
    lines: int
    value_pence: int  # through the measures' proxy values (lines of unpriced measures add nothing)


def _line_value():
    return cast(ReturnLine.quantity, BigInteger) * func.coalesce(Measure.proxy_value_pence, 0)


def _cells(source: str, theme_id: int, supplier_id: int, year: int) -> list[dict]:
    return [
        {"source": source, "ward_key": ANY, "theme_id": theme_id, "kind": ANY_KIND, "financial_year": fy,
         "supplier_id": supplier}
        for supplier, fy in product((supplier_id, ANY), (year, ANY))
    ]


def count_return(supplier_return: SupplierReturn, sign: int) -> None:
    """The return starts (sign=1) or stops (sign=-1) counting as delivered."""
    by_theme = db.session.execute(
        select(Measure.theme_id, func.count(ReturnLine.id), func.coalesce(func.sum(_line_value()), 0))
        .select_from(ReturnLine)
        .join(Commitment, Commitment.id == ReturnLine.commitment_id)
        .join(Measure, Measure.id == Commitment.measure_id)
        .where(ReturnLine.return_id == supplier_return.id)
        .group_by(Measure.theme_id)
        .order_by(Measure.theme_id)
    ).all()
    if not by_theme:
        return
    supplier_id = db.session.scalar(select(Contract.supplier_id).where(Contract.id == supplier_return.contract_id))
    year = financial_year_of(supplier_return.period_end)
    parts = [(int(theme_id), int(lines), int(value)) for theme_id, lines, value in by_theme]
    parts.append((ANY, sum(lines for _, lines, _ in parts), sum(value for _, _, value in parts)))
    for theme_id, lines, value in sorted(parts):  # the same order everywhere: shared rows lock in order
        add_to_cells(_cells(RETURN_SOURCE, theme_id, supplier_id, year), sign, sign * value)
        add_to_cells(_cells(LINE_SOURCE, theme_id, supplier_id, year), sign * lines, 0)


def rebuild_return_totals() -> None:
    """Recount the returns' totals from the accepted returns, in the caller's transaction."""
    db.session.execute(delete(DeliveryTotal).where(DeliveryTotal.source.in_((RETURN_SOURCE, LINE_SOURCE))))
    dimensions = {
        "theme_id": Measure.theme_id,
        "financial_year": financial_year_sql(SupplierReturn.period_end),
        "supplier_id": Contract.supplier_id,
    }
    for mask in range(2 ** len(dimensions)):
        chosen = {name: (literal(ANY) if mask & (1 << bit) else column) for bit, (name, column) in enumerate(dimensions.items())}
        grouped = [column for name, column in chosen.items() if column is dimensions[name]]
        for source, counted, value in (
            (RETURN_SOURCE, func.count(func.distinct(SupplierReturn.id)), func.coalesce(func.sum(_line_value()), 0)),
            (LINE_SOURCE, func.count(ReturnLine.id), literal(0)),
        ):
            recount = (
                select(literal(source), literal(ANY), chosen["theme_id"], literal(ANY_KIND), chosen["financial_year"],
                       chosen["supplier_id"], counted, value)
                .select_from(ReturnLine)
                .join(SupplierReturn, SupplierReturn.id == ReturnLine.return_id)
                .join(Contract, Contract.id == SupplierReturn.contract_id)
                .join(Commitment, Commitment.id == ReturnLine.commitment_id)
                .join(Measure, Measure.id == Commitment.measure_id)
                .where(SupplierReturn.state == "accepted")
                .group_by(*grouped)
                .having(func.count(ReturnLine.id) > 0)
            )
            db.session.execute(insert(DeliveryTotal).from_select(list(CELL) + ["deliveries", "value_pence"], recount))


def returns_totals(theme_slug: str | None = None, supplier_id: int | None = None, year: int | None = None) -> ReturnsTotals:
    """Accepted returns (the version that counts), optionally for one theme, one supplier, or
    the financial year (April to March, starting in `year`) their period ended in: one cell
    of the delivery totals."""
    theme = select(Theme.id).where(Theme.slug == theme_slug).scalar_subquery() if theme_slug else literal(ANY)
    returns, lines, value = db.session.execute(
        select(
            func.coalesce(func.sum(case((DeliveryTotal.source == RETURN_SOURCE, DeliveryTotal.deliveries), else_=0)), 0),
            func.coalesce(func.sum(case((DeliveryTotal.source == LINE_SOURCE, DeliveryTotal.deliveries), else_=0)), 0),
            func.coalesce(func.sum(DeliveryTotal.value_pence), 0),
        ).where(
            DeliveryTotal.source.in_((RETURN_SOURCE, LINE_SOURCE)), DeliveryTotal.ward_key == ANY,
            DeliveryTotal.kind == ANY_KIND, DeliveryTotal.theme_id == theme,
            DeliveryTotal.supplier_id == (supplier_id or ANY), DeliveryTotal.financial_year == (year or ANY),
        )
    ).one()
    return ReturnsTotals(int(returns), int(lines), int(value))
