"""Delivery totals kept as data, so a filtered total is a small sum however long the
council's history grows.

One row per (source, ward, theme, kind, financial year, supplier organisation) holds
how many deliveries fall in it and what they are worth; and so that every filtered total
is one row (not a sum over thousands of cells), each delivery is also counted in the rollup
cells where any of the five dimensions is ANY (-1; '*' for the kind): 32 cells a delivery,
the one with all five ANY the grand total. The rule that makes something
count as delivered, or stop counting, calls `count_delivery` in the same transaction
(for pledges: `count_pledge`, called by the pledge rules whenever a pledge enters or
leaves the confirmed status), so the totals are never a moment behind the rows.
`source` says what was delivered: 'pledge' for confirmed pledges; another kind of
delivery (a supplier's accepted return, say) adds its own rows with its own source and
calls the same function.

Each row is changed by one atomic INSERT ... ON CONFLICT DO UPDATE (PostgreSQL and
SQLite alike), so concurrent confirmations into the same cell add up rather than
overwrite each other. `rebuild_delivery_totals` recounts a source from the rows (the
migration's backfill, bulk loads and a repair after direct edits)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint, case, cast, delete, func, insert, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from models import db

PLEDGE_SOURCE = "pledge"
BOROUGH_WIDE = 0  # ward_key of deliveries to needs that are not in one ward
ANY = -1  # a rollup cell's value for a dimension it adds up over ('*' for the kind)
ANY_KIND = "*"
DIMENSIONS = ("ward_key", "theme_id", "kind", "financial_year", "supplier_id")


class DeliveryTotal(db.Model):
    __tablename__ = "delivery_totals"
    __table_args__ = (
        UniqueConstraint("source", "ward_key", "theme_id", "kind", "financial_year", "supplier_id", name="uq_delivery_totals_cell"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    # The need's ward id, or BOROUGH_WIDE (0): a key, so no NULL in the unique cell.
    ward_key: Mapped[int] = mapped_column(Integer)
    theme_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    financial_year: Mapped[int] = mapped_column(Integer)  # named by the year it starts (April)
    supplier_id: Mapped[int] = mapped_column(Integer, index=True)  # ANY in rollup cells, so no foreign key
    deliveries: Mapped[int] = mapped_column(BigInteger, default=0)
    value_pence: Mapped[int] = mapped_column(BigInteger, default=0)


CELL = ("source", "ward_key", "theme_id", "kind", "financial_year", "supplier_id")


def financial_year_of(day: date | datetime) -> int:
    """The UK financial year (April to March) a day falls in, named by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_sql(column):
    """financial_year_of in SQL, on PostgreSQL and SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        year, month = cast(func.extract("year", column), Integer), cast(func.extract("month", column), Integer)
    else:
        year, month = cast(func.strftime("%Y", column), Integer), cast(func.strftime("%m", column), Integer)
    return year - case((month < 4, 1), else_=0)


def rollups(cell: dict) -> list[dict]:
    """The 32 cells a delivery counts in: its own, and each with some dimensions ANY; always
    in the same order (so concurrent transactions lock shared rows in the same order)."""
    found = []
    for mask in range(2 ** len(DIMENSIONS)):
        rolled = dict(cell)
        for bit, name in enumerate(DIMENSIONS):
            if mask & (1 << bit):
                rolled[name] = ANY_KIND if name == "kind" else ANY
        found.append(rolled)
    return found


def count_delivery(
    source: str, *, ward_id: int | None, theme_id: int, kind: str, day: date | datetime, supplier_id: int,
    value_pence: int, deliveries: int = 1,
) -> None:
    """Add a delivery to its cells (or, with deliveries=-1 and a negative value, take it away),
    in the caller's transaction: one atomic upsert per cell."""
    cell = {
        "source": source, "ward_key": ward_id or BOROUGH_WIDE, "theme_id": theme_id, "kind": kind or "",
        "financial_year": financial_year_of(day), "supplier_id": supplier_id,
    }
    add_to_cells(rollups(cell), deliveries, value_pence)


def add_to_cells(cells: list[dict], deliveries: int, value_pence: int) -> None:
    """Add to each of these cells (each names all of CELL), in the caller's transaction: one
    atomic upsert per cell, in the order given."""
    dialect = db.session.get_bind().dialect.name
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for rolled in cells:
        statement = make_insert(DeliveryTotal).values(**rolled, deliveries=deliveries, value_pence=value_pence)
        statement = statement.on_conflict_do_update(
            index_elements=list(CELL),
            set_={
                "deliveries": DeliveryTotal.deliveries + statement.excluded.deliveries,
                "value_pence": DeliveryTotal.value_pence + statement.excluded.value_pence,
            },
        )
        db.session.execute(statement)


def count_pledge(pledge, sign: int) -> None:
    """A pledge starts (sign=1) or stops (sign=-1) counting as delivered: at its stored value,
    in the cell of its need's ward, theme and kind and the year it was confirmed. Starting,
    the cell is stored on the pledge (what the ledger filters by); stopping, it leaves the
    cell it was counted in."""
    if sign > 0:
        need = pledge.need
        pledge.confirmed_ward_id, pledge.confirmed_theme_id, pledge.confirmed_kind = need.ward_id, need.theme_id, need.kind
    count_delivery(
        PLEDGE_SOURCE, ward_id=pledge.confirmed_ward_id, theme_id=pledge.confirmed_theme_id, kind=pledge.confirmed_kind,
        day=pledge.confirmed_at, supplier_id=pledge.supplier_id, value_pence=sign * pledge.confirmed_value_pence,
        deliveries=sign,
    )


def rebuild_delivery_totals() -> None:
    """Recount the pledges' totals from the confirmed pledges, in the caller's transaction:
    first any confirmed pledge's missing stored value is filled in, and its cell (its need's
    ward, theme and kind) stored afresh where it is missing or differs from its need's."""
    from models.needs.models import Need
    from models.pledges.models import Pledge, PledgeStatus

    confirmed = PledgeStatus.CONFIRMED.value
    share = select(cast(Need.value_pence, BigInteger) * Pledge.quantity // Need.quantity).where(
        Need.id == Pledge.need_id
    ).scalar_subquery()
    db.session.execute(
        Pledge.__table__.update()
        .where(Pledge.status == confirmed, Pledge.confirmed_value_pence.is_(None))
        .values(confirmed_value_pence=share)
    )
    stored = {Pledge.confirmed_ward_id: Need.ward_id, Pledge.confirmed_theme_id: Need.theme_id, Pledge.confirmed_kind: Need.kind}
    db.session.execute(
        Pledge.__table__.update()
        .where(Pledge.need_id == Need.id, Pledge.status == confirmed,
               or_(*(column.is_distinct_from(source) for column, source in stored.items())))
        .values({column.key: source for column, source in stored.items()})
    )
    db.session.execute(delete(DeliveryTotal).where(DeliveryTotal.source == PLEDGE_SOURCE))
    columns = {
        "ward_key": func.coalesce(Pledge.confirmed_ward_id, BOROUGH_WIDE), "theme_id": Pledge.confirmed_theme_id,
        "kind": Pledge.confirmed_kind, "financial_year": financial_year_sql(Pledge.confirmed_at),
        "supplier_id": Pledge.supplier_id,
    }
    # The finest cells from the pledges (one pass over them), then each rollup from those
    # cells, which are far fewer than the pledges.
    finest = (
        select(literal(PLEDGE_SOURCE), *columns.values(), func.count(Pledge.id), func.sum(Pledge.confirmed_value_pence))
        .where(Pledge.status == confirmed)
        .group_by(*columns.values())
    )
    db.session.execute(insert(DeliveryTotal).from_select(list(CELL) + ["deliveries", "value_pence"], finest))
    cells = {name: getattr(DeliveryTotal, name) for name in DIMENSIONS}
    finest_only = [DeliveryTotal.source == PLEDGE_SOURCE, DeliveryTotal.kind != ANY_KIND,
                   *(cells[name] != ANY for name in DIMENSIONS if name != "kind")]
    for rolled in rollups(cells)[1:]:
        grouped = [rolled[name] for name in DIMENSIONS if rolled[name] is cells[name]]
        recount = (
            select(
                literal(PLEDGE_SOURCE),
                *(value if value is cells[name] else literal(value) for name, value in rolled.items()),
                func.sum(DeliveryTotal.deliveries), func.sum(DeliveryTotal.value_pence),
            )
            .where(*finest_only)
            .group_by(*grouped)
            .having(func.count() > 0)
        )
        db.session.execute(insert(DeliveryTotal).from_select(list(CELL) + ["deliveries", "value_pence"], recount))
