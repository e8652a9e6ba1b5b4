"""Pagination for every list: a page costs what it shows, not what the table holds.

- The count is capped: rows are counted up to COUNT_CAP (or just past the page asked
  for), and beyond that a list says "more than 10,000". Where the caller says the planner's
  estimate can be trusted (a full-text search alone, on PostgreSQL), an estimate of several
  times the cap says "more than 10,000" without counting: a GIN index hands over every
  match of a common word at once, so counting even to the cap costs what the table holds.
- GOV.UK pagination draws only the window of page numbers around the current page.
- Keyset ("after this one") pagination: a list ordered by a keyset (columns that
  together identify a row, like published_at and id, newest first) gives its Next link
  an `after` cursor naming the last row shown, and the next page starts from there
  through the index, however deep it is, instead of counting past every earlier row
  (OFFSET). The page number still travels along, for the heading and the Previous link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Sequence

from flask import request, url_for
from sqlalchemy import Select, func, literal, select, tuple_

from models import db

MAX_PAGE = 100_000
COUNT_CAP = 10_000
WINDOW = 2  # page numbers drawn either side of the current page
EPOCH = datetime(1970, 1, 1)  # cursors count times from here (naive UTC, as the columns are)


@dataclass(frozen=True)
class Keyset:
    """Columns a query is ordered by, all descending (or all ascending), the last unique
    (such as an id)."""

    columns: tuple
    ascending: bool = False

    def cursor(self, item: Any) -> str:
        """The `after` value naming this row: each column's value, joined by '_'. Times are
        whole microseconds since 1970 (UTC) and days whole days since 1970, so every cursor
        is digits and underscores and every such string of the API's pattern names a real time."""
        values = []
        for column in self.columns:
            value = getattr(item, column.key)
            if isinstance(value, datetime):
                if value.tzinfo is not None:
                    value = value.astimezone(timezone.utc).replace(tzinfo=None)
                value = (value - EPOCH) // timedelta(microseconds=1)
            elif isinstance(value, date):
                value = (value - EPOCH.date()).days
            values.append(str(value))
        return "_".join(values)

    def parse(self, cursor: str | None) -> tuple | None:
        """The values an `after` cursor names, or None when it names nothing sensible."""
        if not cursor:
            return None
        parts = cursor.split("_")
        if len(parts) != len(self.columns):
            return None
        values = []
        try:
            for column, part in zip(self.columns, parts):
                python_type = column.type.python_type
                if python_type is datetime:
                    values.append(EPOCH + timedelta(microseconds=int(part)))
                elif python_type is date:
                    values.append(EPOCH.date() + timedelta(days=int(part)))
                else:
                    values.append(python_type(part))
        except (ValueError, OverflowError):
            return None
        return tuple(values)

    def after(self, query: Select, values: tuple) -> Select:
        """The rows after these values in the order: a row-value comparison, which PostgreSQL
        and SQLite answer from the index on the same columns."""
        row, given = tuple_(*self.columns), tuple_(*(literal(value) for value in values))
        return query.where(row > given if self.ascending else row < given)


def _keysets():
    from models import Need, Pledge

    return (
        Keyset((Need.published_at, Need.id)),
        Keyset((Need.deadline, Need.id), ascending=True),
        Keyset((Need.remaining_value_pence, Need.id)),
        Keyset((Pledge.confirmed_at, Pledge.id)),
    )


# Needs newest first (public needs: ix_needs_public_newest), deadline soonest (ix_needs_deadline),
# most still needed (ix_needs_remaining), and the ledger newest first: each the order of the
# sort of the same name in models.needs.search (public_needs_query).
NEEDS_NEWEST, NEEDS_DEADLINE, NEEDS_MOST_NEEDED, LEDGER_NEWEST = _keysets()
NEEDS_BY_SORT = {"newest": NEEDS_NEWEST, "deadline": NEEDS_DEADLINE, "most_needed": NEEDS_MOST_NEEDED}


@dataclass
class Page:
    items: Sequence[Any]
    page: int
    per_page: int
    total: int  # exact unless capped; when capped, a lower bound
    capped: bool = False
    next_after: str | None = None  # the keyset cursor for the next page, when the list has one
    cap: int | None = None  # where the count stopped, when not COUNT_CAP

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.capped and len(self.items) == self.per_page)

    @property
    def total_label(self) -> str:
        """'1,234', or 'more than 10,000' when the count stopped there."""
        from flask_babel import gettext

        cap = self.cap or COUNT_CAP
        return gettext("more than %(count)s", count="{:,}".format(cap)) if self.capped else f"{self.total:,}"

    def next_cursor(self) -> dict[str, str]:
        """What the Next link carries besides the page number: the cursor, when the list has one."""
        return {"after": self.next_after} if self.next_after else {}

    def govuk_params(self, endpoint: str, **values: Any) -> dict[str, Any] | None:
        if self.pages <= 1 and not self.has_next:
            return None
        args = {key: value for key, value in {**request.args.to_dict(), **values}.items() if key not in ("page", "after")}

        def link(number: int, **extra: Any) -> str:
            return url_for(endpoint, **{**args, "page": number, **extra})

        from flask_babel import gettext

        # The Jinja port writes its words in English; they are passed in the page's language.
        params: dict[str, Any] = {"items": [], "landmarkLabel": gettext("Pagination")}
        if self.page > 1:
            params["previous"] = {"href": link(self.page - 1),
                                  "html": gettext('Previous<span class="govuk-visually-hidden"> page</span>')}
        if self.has_next:
            params["next"] = {"href": link(self.page + 1, **self.next_cursor()),
                              "html": gettext('Next<span class="govuk-visually-hidden"> page</span>')}
        last = None if self.capped else self.pages
        numbers = sorted({1, *range(max(1, self.page - WINDOW), self.page + WINDOW + 1)} | ({last} if last else set()))
        for number in numbers:
            if last is not None and number > last:
                continue
            if params["items"] and params["items"][-1].get("number", 0) < number - 1:
                params["items"].append({"ellipsis": True})
            params["items"].append({"number": number, "href": link(number), "current": number == self.page,
                                    "visuallyHiddenText": gettext("Page %(num)s", num=number)})
        if last is None:
            params["items"].append({"ellipsis": True})
        return params


def requested_page() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), MAX_PAGE))
    except ValueError:
        return 1


def paginate(
    query: Select, per_page: int = 50, keyset: Keyset | None = None, count_query: Select | None = None,
    estimate: bool = False, narrow: Callable[[tuple | None, int], Select | None] | None = None,
    load: Callable[[list], list] | None = None, cap: int | None = None,
) -> Page:
    after = request.args.get("after", "")[:80] if keyset else None
    return page_of(query, requested_page(), per_page, keyset=keyset, after=after, count_query=count_query,
                   estimate=estimate, narrow=narrow, load=load, cap=cap)


ESTIMATE_MARGIN = 5  # an estimate this many times the cap is taken as "more than the cap"


def capped_count(query: Select, at_least: int = 0, estimate: bool = False, cap: int | None = None) -> tuple[int, bool]:
    """How many rows the query has, counting no further than `cap` (COUNT_CAP unless a page
    that only links to the whole list asks for less) or `at_least` (the rows up to the page
    asked for): (count, whether it stopped counting). With
    `estimate`, on PostgreSQL, the planner's estimate is asked first: one of ESTIMATE_MARGIN
    times the cap or more is answered without counting (the caller vouches for the estimate:
    a full-text search alone, whose words' frequencies ANALYZE keeps); a smaller one, or no
    statistics, is counted."""
    limit = max(cap or COUNT_CAP, at_least)
    rows = query.with_only_columns(literal(1), maintain_column_froms=True).order_by(None)
    if estimate and planned_rows(rows) >= ESTIMATE_MARGIN * limit:
        return limit, True
    total = db.session.scalar(select(func.count()).select_from(rows.limit(limit + 1).subquery())) or 0
    return min(total, limit), total > limit


def planned_rows(query: Select) -> float:
    """The rows PostgreSQL's planner expects the query to return (0 elsewhere)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return 0
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    [[plan]] = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).all()
    return float(plan[0]["Plan"]["Plan Rows"])


def page_of(
    query: Select, page: int, per_page: int, keyset: Keyset | None = None, after: str | None = None,
    total: int | None = None, count_query: Select | None = None, load: Callable[[list], list] | None = None,
    estimate: bool = False, narrow: Callable[[tuple | None, int], Select | None] | None = None,
    cap: int | None = None,
) -> Page:
    """One page of a query and its (capped) count (see capped_count for `estimate` and `cap`); from the `after` cursor when the query has
    a keyset and one is given. `total`, when the caller knows it (from totals kept as data),
    saves the count; `count_query`, the same rows written as they are best counted. The items
    are the query's first column (an ORM entity), or what `load` makes of the page's rows (a
    query of keys paged through an index, then the page looked up whole). `estimate`: see
    capped_count. `narrow(cursor values, rows needed)` may give a cheaper first try: a query
    whose rows are the query's first rows (from the cursor), in the same order, or None; a
    full page from it is the page, and the query itself runs only when it falls short."""
    capped = False
    values = keyset.parse(after) if keyset else None
    if total is None:
        # Through OFFSET, count at least up to the page (the database passes those rows
        # anyway); from a cursor, no further than the cap.
        counted = query if count_query is None else count_query
        total, capped = capped_count(counted, 0 if values is not None else page * per_page, estimate, cap)

    def rows(of: Select) -> list:
        paged = keyset.after(of, values).limit(per_page) if values is not None else (
            of.limit(per_page).offset((page - 1) * per_page)
        )
        return load(db.session.execute(paged).all()) if load else db.session.scalars(paged).all()

    first = narrow(values, per_page if values is not None else page * per_page) if narrow else None
    items = rows(first) if first is not None else []
    if len(items) < per_page:
        items = rows(query)
    found = Page(items=items, page=page, per_page=per_page, total=total, capped=capped, cap=cap)
    if keyset and len(items) == per_page and found.has_next:
        found.next_after = keyset.cursor(items[-1])
    return found
