"""The public ledger of confirmed deliveries: which supplier delivered what, for
which group, where, worth how much, and when an officer confirmed it.

Everything is done in SQL so the ledger stays fast at hundreds of thousands of
deliveries: filters, the newest-first order (walking ix_pledges_status_confirmed),
the totals (a small sum over the delivery totals kept as data:
models.reporting.delivery_totals) and the CSV rows (streamed in batches through a
server-side cursor on PostgreSQL). Only organisations are named, never the people
behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterator, NamedTuple, Sequence

from sqlalchemy import BigInteger, Row, Select, and_, case, cast, func, literal, select
from sqlalchemy.orm import aliased

from models import db
from models.needs.models import PUBLIC_STATUSES, Need
from models.people.organisations import Organisation, OrganisationStatus
from models.places.wards import Ward
from models.pledges.models import FUND_SOURCE, FUNDED_BY_THE_FUND, Pledge, PledgeStatus
from models.places.themes import NeedKind, Theme
from models.reporting.delivery_totals import ANY, ANY_KIND, BOROUGH_WIDE, PLEDGE_SOURCE, DeliveryTotal
from models.reporting.delivery_totals import financial_year_of as financial_year

CONFIRMED = PledgeStatus.CONFIRMED.value
CSV_HEADER = (
    "Confirmed on", "Supplier", "Need", "Need link", "Group", "Ward", "Theme", "Kind",
    "Quantity", "Unit", "Value (£)",
)


def financial_year_label(start: int) -> str:
    return f"April {start} to March {start + 1}"


@dataclass(frozen=True)
class LedgerFilters:
    ward: str | None = None  # GSS code, or "borough" for borough-wide needs
    theme: str | None = None  # theme slug
    supplier: int | None = None  # organisation id
    kind: str | None = None
    year: int | None = None  # financial year, by the year it starts

    @classmethod
    def parse(cls, args) -> "LedgerFilters":
        """From query-string values, keeping only what makes sense."""

        def number(name: str, low: int, high: int) -> int | None:
            try:
                value = int(args.get(name, ""))
            except ValueError:
                return None
            return value if low <= value <= high else None

        kind = args.get("kind", "")
        return cls(
            ward=args.get("ward", "")[:16] or None,
            theme=args.get("theme", "")[:80] or None,
            supplier=number("supplier", 1, 2**31 - 1),
            kind=kind if kind in {k.value for k in NeedKind} else None,
            year=number("year", 2000, 2100),
        )

    def as_args(self) -> dict[str, str | int]:
        return {key: value for key, value in vars(self).items() if value is not None}


def value_pence_column():
    """Each pledge's share of its need's value, as Pledge.value_pence works it out
    (whole pence, rounded down; stored when it was confirmed); in 64 bits, as
    value × quantity can pass 2³¹."""
    return func.coalesce(Pledge.confirmed_value_pence, cast(Need.value_pence, BigInteger) * Pledge.quantity // Need.quantity)


def _narrow(query: Select, filters: LedgerFilters, year, supplier, ward, borough, theme, kind) -> Select:
    """The filters applied to whichever columns hold a delivery's year condition, supplier,
    ward (and borough-wide condition), theme and kind."""
    conditions = [
        (filters.year is not None, lambda: year(filters.year)),
        (filters.supplier is not None, lambda: supplier == filters.supplier),
        (filters.ward == "borough", lambda: borough),
        (filters.ward not in (None, "borough"),
         lambda: ward == select(Ward.id).where(Ward.code == filters.ward).scalar_subquery()),
        (bool(filters.theme), lambda: theme == select(Theme.id).where(Theme.slug == filters.theme).scalar_subquery()),
        (bool(filters.kind), lambda: kind == filters.kind),
    ]
    return query.where(*(condition() for wanted, condition in conditions if wanted))


def filter_confirmed(query: Select, filters: LedgerFilters) -> Select:
    """Confirmed pledges only, narrowed by the filters: the ward, theme and kind each pledge
    was counted in, stored on it (Pledge.confirmed_ward_id and the rest), so no need is read."""
    return _narrow(
        query.where(Pledge.status == CONFIRMED), filters,
        lambda year: and_(Pledge.confirmed_at >= datetime(year, 4, 1), Pledge.confirmed_at < datetime(year + 1, 4, 1)),
        Pledge.supplier_id, Pledge.confirmed_ward_id, Pledge.confirmed_ward_id.is_(None), Pledge.confirmed_theme_id,
        Pledge.confirmed_kind,
    )


class LedgerRow(NamedTuple):
    """A confirmed delivery as the ledger, a ward's page and the API show it: plain values,
    read in one query (fifty ORM pledges, their needs and organisations cost thirty times
    what their rows do)."""

    id: int
    confirmed_at: datetime
    quantity: int
    source: str
    value_pence: int
    supplier_id: int
    supplier_name: str
    supplier_status: str
    need_id: int
    need_title: str
    need_status: str
    unit: str
    kind: str
    theme_slug: str
    theme_name: str
    group_id: int
    group_name: str
    ward_code: str | None
    ward_name: str | None

    @property
    def from_fund(self) -> bool:
        return self.source == FUND_SOURCE

    @property
    def supplier_is_verified(self) -> bool:
        return self.supplier_status == OrganisationStatus.VERIFIED.value

    @property
    def need_is_public(self) -> bool:
        return self.need_status in PUBLIC_STATUSES

    @property
    def kind_label(self) -> str:
        return NeedKind(self.kind).label


# The organisations a delivery row names: the group that posted the need, the supplier;
# and the ward the group is based in (Ward itself is the need's).
GROUP = aliased(Organisation, name="group_organisation")
SUPPLIER = aliased(Organisation, name="supplier_organisation")
GROUP_WARD = aliased(Ward, name="group_ward")


def ledger_query(filters: LedgerFilters) -> Select:
    """The confirmed deliveries' ids and times, newest first (walking
    ix_pledges_status_confirmed, or a ward's range of ix_pledges_confirmed_ward): a page of
    them is paged through an index alone (OFFSET passes pledges, not every join), then looked
    up whole by `ledger_rows`."""
    query = select(Pledge.id, Pledge.confirmed_at)
    return filter_confirmed(query, filters).order_by(Pledge.confirmed_at.desc(), Pledge.id.desc())


def ledger_rows(keys: Sequence) -> list[LedgerRow]:
    """The deliveries these ids name (rows of ledger_query, or anything with an `id`), as the
    ledger shows them, in one query, newest first."""
    ids = [key.id for key in keys]
    if not ids:
        return []
    query = (
        select(
            Pledge.id, Pledge.confirmed_at, Pledge.quantity, Pledge.source, value_pence_column().label("value_pence"),
            SUPPLIER.id, SUPPLIER.name, SUPPLIER.status, Need.id, Need.title, Need.status, Need.unit, Need.kind,
            Theme.slug, Theme.name, GROUP.id, GROUP.name, Ward.code, Ward.name,
        )
        .join(Need, Need.id == Pledge.need_id)
        .join(SUPPLIER, SUPPLIER.id == Pledge.supplier_id)
        .join(GROUP, GROUP.id == Need.organisation_id)
        .join(Theme, Theme.id == Need.theme_id)
        .outerjoin(Ward, Ward.id == Need.ward_id)
        .where(Pledge.id.in_(ids))
        .order_by(Pledge.confirmed_at.desc(), Pledge.id.desc())
    )
    return [LedgerRow(*row) for row in db.session.execute(query)]


def ledger_page(filters: LedgerFilters, page: int, per_page: int) -> list[LedgerRow]:
    return ledger_rows(db.session.execute(ledger_query(filters).limit(per_page).offset((page - 1) * per_page)).all())


@dataclass(frozen=True)
class LedgerTotals:
    count: int
    value_pence: int


def filter_totals(query: Select, filters: LedgerFilters, over: tuple[str, ...] = ()) -> Select:
    """The confirmed pledges' delivery-totals cell for the filters: one row, each dimension
    the filter's value or ANY; or, for the dimensions in `over`, every cell with a real value
    there (one row each)."""
    query = _narrow(
        query.where(DeliveryTotal.source == PLEDGE_SOURCE), filters,
        lambda year: DeliveryTotal.financial_year == year,
        DeliveryTotal.supplier_id, DeliveryTotal.ward_key, DeliveryTotal.ward_key == BOROUGH_WIDE, DeliveryTotal.theme_id,
        DeliveryTotal.kind,
    )
    given = {
        "ward_key": filters.ward, "theme_id": filters.theme, "kind": filters.kind,
        "financial_year": filters.year, "supplier_id": filters.supplier,
    }
    for name, value in given.items():
        column = getattr(DeliveryTotal, name)
        if name in over:
            query = query.where(column != (ANY_KIND if name == "kind" else ANY))
        elif value is None:
            query = query.where(column == (ANY_KIND if name == "kind" else ANY))
    return query


def ledger_totals(filters: LedgerFilters) -> LedgerTotals:
    """How many confirmed deliveries match, and what they are worth: one row of the delivery
    totals (models.reporting.delivery_totals), however many deliveries there are."""
    query = select(
        func.coalesce(func.sum(DeliveryTotal.deliveries), 0), func.coalesce(func.sum(DeliveryTotal.value_pence), 0)
    )
    count, value = db.session.execute(filter_totals(query, filters)).one()
    return LedgerTotals(int(count), int(value))


def ledger_years() -> list[int]:
    """Financial years from the first confirmed delivery to this one, newest first."""
    first = db.session.scalar(
        filter_totals(select(func.min(DeliveryTotal.financial_year)), LedgerFilters(), over=("financial_year",))
        .where(DeliveryTotal.deliveries > 0)
    )
    this_year = financial_year(date.today())
    if first is None:
        return [this_year]
    return list(range(this_year, min(first, this_year) - 1, -1))


def ledger_suppliers() -> list[tuple[int, str]]:
    """Suppliers for the filter: those with a confirmed delivery (from the delivery totals)."""
    has_delivered = filter_totals(
        select(DeliveryTotal.id).where(DeliveryTotal.supplier_id == Organisation.id, DeliveryTotal.deliveries > 0),
        LedgerFilters(), over=("supplier_id",),
    ).exists()
    return list(
        db.session.execute(
            select(Organisation.id, Organisation.name)
            .where(Organisation.kind == "supplier", has_delivered)
            .order_by(Organisation.name)
        ).tuples()
    )


def delivery_rows(columns: Sequence, filters: LedgerFilters, batch: int = 2000) -> Iterator[Row]:
    """The filtered confirmed deliveries, newest first, as plain rows of `columns` (from
    Pledge, Need, GROUP, SUPPLIER, Theme, Ward and GROUP_WARD), read in batches: no ORM objects."""
    query = (
        select(*columns)
        .join(Need, Need.id == Pledge.need_id)
        .join(SUPPLIER, SUPPLIER.id == Pledge.supplier_id)
        .join(GROUP, GROUP.id == Need.organisation_id)
        .join(Theme, Theme.id == Need.theme_id)
        .outerjoin(Ward, Ward.id == Need.ward_id)
        .outerjoin(GROUP_WARD, GROUP_WARD.id == GROUP.ward_id)
        .order_by(Pledge.confirmed_at.desc(), Pledge.id.desc())
    )
    # yield_per with stream_results: a server-side cursor on PostgreSQL, so the rows come
    # from the database in batches as the response is written, not all at once first.
    yield from db.session.execute(
        filter_confirmed(query, filters).execution_options(yield_per=batch, stream_results=True)
    )


def ledger_csv_rows(filters: LedgerFilters, batch: int = 2000) -> Iterator[tuple]:
    """The filtered rows for the CSV. Organisations only: no names or email addresses of people."""
    # A need funded from the Social Value Fund names the Fund, not the council's organisation.
    giver = case((Pledge.source == FUND_SOURCE, literal(FUNDED_BY_THE_FUND)), else_=SUPPLIER.name)
    columns = (
        Pledge.confirmed_at, giver, Need.id, Need.title, GROUP.name, Ward.name, Theme.name, Need.kind,
        Pledge.quantity, Need.unit, value_pence_column(),
    )
    for row in delivery_rows(columns, filters, batch):
        yield tuple(row)
