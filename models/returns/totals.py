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
of every theme. A line an officer split (models/returns/splits.py) counts as split: each part
is valued at its own commitment's measure and counted in that measure's theme (a line split
between two themes counts once in each, and once in the cells of every theme), so what the
totals say a line delivered is what it delivered, once; `split_line` recounts the return in
the same transaction as it changes the split. `count_return` is called by the rules in the same transaction as a return
starts or stops counting; `rebuild_return_totals` recounts from the rows (after a measure's
proxy value or theme changes, and after bulk loads)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from sqlalchemy import BigInteger, case, cast, delete, func, insert, literal, select, union_all

from models import db
from models.contracts.models import Commitment, Contract
from models.places.themes import Measure, Theme
from models.reporting.delivery_totals import ANY, ANY_KIND, CELL, DeliveryTotal, add_to_cells, financial_year_of
from models.reporting.delivery_totals import financial_year_sql
from models.returns.models import ReturnLine, SupplierReturn
from models.returns.splits import ReturnLineSplit

RETURN_SOURCE = "return"
LINE_SOURCE = "return_line"


@dataclass(frozen=True)
class ReturnsTotals:
    returns: int
    lines: int
    value_pence: int  # through the measures' proxy values (lines of unpriced measures add nothing)


def counted_lines():
    """(line_id, return_id, commitment_id, quantity): what every return line counts towards,
    in SQL: a split line's parts, any other line whole towards its own commitment."""
    split = (
        select(ReturnLineSplit.line_id.label("line_id"), ReturnLine.return_id.label("return_id"),
               ReturnLineSplit.commitment_id.label("commitment_id"), ReturnLineSplit.quantity.label("quantity"))
        .join(ReturnLine, ReturnLine.id == ReturnLineSplit.line_id)
    )
    whole = (
        select(ReturnLine.id, ReturnLine.return_id, ReturnLine.commitment_id, ReturnLine.quantity)
        .where(~select(ReturnLineSplit.id).where(ReturnLineSplit.line_id == ReturnLine.id).exists())
    )
    return union_all(split, whole).subquery("counted_lines")


def _part_value(parts):
    return cast(parts.c.quantity, BigInteger) * func.coalesce(Measure.proxy_value_pence, 0)


def _cells(source: str, theme_id: int, supplier_id: int, year: int) -> list[dict]:
    return [
        {"source": source, "ward_key": ANY, "theme_id": theme_id, "kind": ANY_KIND, "financial_year": fy,
         "supplier_id": supplier}
        for supplier, fy in product((supplier_id, ANY), (year, ANY))
    ]


def count_return(supplier_return: SupplierReturn, sign: int) -> None:
    """The return starts (sign=1) or stops (sign=-1) counting as delivered, its lines as they
    are split now."""
    parts = counted_lines()
    of_return = (
        select(parts.c.line_id, Measure.theme_id, _part_value(parts).label("value"))
        .select_from(parts)
        .join(Commitment, Commitment.id == parts.c.commitment_id)
        .join(Measure, Measure.id == Commitment.measure_id)
        .where(parts.c.return_id == supplier_return.id)
    ).subquery("of_return")
    lines, value = func.count(func.distinct(of_return.c.line_id)), func.coalesce(func.sum(of_return.c.value), 0)
    totals = {int(theme_id): (int(n), int(v)) for theme_id, n, v in db.session.execute(
        select(of_return.c.theme_id, lines, value).group_by(of_return.c.theme_id))}
    if totals:
        n, v = db.session.execute(select(lines, value)).one()
        totals[ANY] = (int(n), int(v))
    if not totals:
        return
    supplier_id = db.session.scalar(select(Contract.supplier_id).where(Contract.id == supplier_return.contract_id))
    year = financial_year_of(supplier_return.period_end)
    for theme_id, (counted, worth) in sorted(totals.items()):  # the same order everywhere: shared rows lock in order
        add_to_cells(_cells(RETURN_SOURCE, theme_id, supplier_id, year), sign, sign * worth)
        add_to_cells(_cells(LINE_SOURCE, theme_id, supplier_id, year), sign * counted, 0)


def rebuild_return_totals() -> None:
    """Recount the returns' totals from the accepted returns, in the caller's transaction."""
    db.session.execute(delete(DeliveryTotal).where(DeliveryTotal.source.in_((RETURN_SOURCE, LINE_SOURCE))))
    parts = counted_lines()
    dimensions = {
        "theme_id": Measure.theme_id,
        "financial_year": financial_year_sql(SupplierReturn.period_end),
        "supplier_id": Contract.supplier_id,
    }
    for mask in range(2 ** len(dimensions)):
        chosen = {name: (literal(ANY) if mask & (1 << bit) else column) for bit, (name, column) in enumerate(dimensions.items())}
        grouped = [column for name, column in chosen.items() if column is dimensions[name]]
        for source, counted, value in (
            (RETURN_SOURCE, func.count(func.distinct(SupplierReturn.id)), func.coalesce(func.sum(_part_value(parts)), 0)),
            (LINE_SOURCE, func.count(func.distinct(parts.c.line_id)), literal(0)),
        ):
            recount = (
                select(literal(source), literal(ANY), chosen["theme_id"], literal(ANY_KIND), chosen["financial_year"],
                       chosen["supplier_id"], counted, value)
                .select_from(parts)
                .join(SupplierReturn, SupplierReturn.id == parts.c.return_id)
                .join(Contract, Contract.id == SupplierReturn.contract_id)
                .join(Commitment, Commitment.id == parts.c.commitment_id)
                .join(Measure, Measure.id == Commitment.measure_id)
                .where(SupplierReturn.state == "accepted")
                .group_by(*grouped)
                .having(func.count(parts.c.line_id) > 0)
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
