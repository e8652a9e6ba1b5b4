"""Finding needs: filters, full-text search and sorts, all in SQL.

Full-text search uses PostgreSQL's tsvector index when the database is
PostgreSQL and an FTS5 index (kept in step by triggers) on SQLite; both are
created by the migration that adds needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Callable

from sqlalchemy import Select, func, literal, literal_column, select, table, text, tuple_
from sqlalchemy.orm import selectinload

from models import db
from models.needs.models import PUBLIC_STATUSES, Need, NeedStatus
from models.places.wards import Ward
from models.places.themes import NeedKind, Theme

SORTS = {
    "newest": "Newest first",
    "deadline": "Deadline soonest",
    "most_needed": "Most still needed",
}
STATUS_FILTERS = {
    "open": "Open for pledges",
    "fully_pledged": "Fully pledged",
    "delivered": "Delivered",
    "closed": "Closed or expired",
}
MAX_QUERY_LENGTH = 200
COMMON_MATCHES = 1_000  # a search matching this many needs walks the list's index (SQLite)


@dataclass
class NeedFilters:
    ward: str | None = None  # GSS code, or "borough" for borough-wide needs
    theme: str | None = None  # theme slug
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    still_open: bool = False
    q: str = ""
    sort: str = "newest"

    def cleaned(self) -> "NeedFilters":
        return NeedFilters(
            ward=self.ward or None,
            theme=self.theme or None,
            kinds=tuple(kind for kind in self.kinds if kind in {k.value for k in NeedKind}),
            statuses=tuple(status for status in self.statuses if status in STATUS_FILTERS),
            still_open=self.still_open,
            q=(self.q or "").strip()[:MAX_QUERY_LENGTH],
            sort=self.sort if self.sort in SORTS else "newest",
        )


def _fts5_query(q: str) -> str | None:
    """Each word quoted (so FTS5 syntax in the input is just text), every one to be found, as
    PostgreSQL's websearch_to_tsquery asks: whole (stemmed) words, no prefixes. A prefix made
    FTS5 merge every matching word's entries before it could look at any, so a common word
    cost what the table holds however few needs the page shows."""
    words = re.findall(r"\w+", q, flags=re.UNICODE)
    if not words:
        return None
    return " ".join('"' + word.replace('"', '""') + '"' for word in words[:20])


_MATCHES = "SELECT rowid FROM needs_fts WHERE needs_fts MATCH :match"


def _common(match: str) -> bool:
    """Whether a search (SQLite) matches COMMON_MATCHES needs or more: read from the full-text
    index alone, no further than that."""
    found = db.session.scalar(
        text(f"SELECT count(*) FROM ({_MATCHES} LIMIT :most)"), {"match": match, "most": COMMON_MATCHES}
    )
    return found >= COMMON_MATCHES


def _text_condition(q: str, counting: bool = False, from_id: int | None = None):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        # Written out as the index's own expression (models/needs/search_index.py), constants
        # and all: with bound values instead, PostgreSQL's generic plan for a statement
        # prepared after a few runs cannot use the index, and every search reads every need.
        document = literal_column("to_tsvector('english', needs.title || ' ' || needs.summary)")
        return document.op("@@")(func.websearch_to_tsquery("english", q))
    match = _fts5_query(q)
    if match is None:
        return None
    if counting:  # a count reads the matches by rowid, however many (up to the cap)
        return Need.id.in_(text(_MATCHES).bindparams(match=match))
    if from_id is not None:  # a window of the newest needs (newest_window): its matches only
        return (Need.id + 0).in_(text(_MATCHES + " AND rowid >= :from_id").bindparams(match=match, from_id=from_id))
    # SQLite cannot tell how many needs a search matches. Left to itself it fetches every
    # match by its rowid and sorts them all: right for a rare word, but a common one
    # ("laptops": one need in eight) then costs what the table holds. So count up to
    # COMMON_MATCHES first (the full-text index alone), and for a common word walk the list's
    # own index in its order, looking each need up among the matches ("id + 0" keeps SQLite
    # from fetching the matches by rowid), stopping once the page is full.
    column = Need.id + 0 if _common(match) else Need.id
    return column.in_(text(_MATCHES).bindparams(match=match))


_SHOWN_WITH = (selectinload(Need.organisation), selectinload(Need.ward))


def load_needs(rows: list) -> list[Need]:
    """The needs a page of `keys` rows names, in its order, each with its group and ward.
    Paging through the ids first, an OFFSET passes only index entries: a whole need was read
    for every need passed (page 100 of the list: 2,000 rows copied to be dropped)."""
    ids = [row[0] for row in rows]
    found = {need.id: need for need in db.session.scalars(select(Need).where(Need.id.in_(ids)).options(*_SHOWN_WITH))}
    return [found[need_id] for need_id in ids if need_id in found]


NEWEST_REACH = 2_000  # the newest public needs a common word's page looks among first (SQLite)
REACH_PER_ROW = 16  # or this many for each row the page needs, if more (a deep page)


def newest_window(
    filters: NeedFilters, today: date, keys: bool = False
) -> Callable[[tuple | None, int], Select | None] | None:
    """For a common word, newest first, on SQLite: a cheaper first try at a page (pagination's
    page_of `narrow`). Walking the list in order, a common word's needs are looked up among
    all of its matches, which SQLite gathers first (125,000 for one need in eight of a
    million: 20 ms, whatever the page shows). The first try looks among the newest few
    thousand public needs only (from the cursor, when there is one): the lowest id among them
    bounds the matches gathered (rowid >= it, read from the index's own order), and the query
    keeps to that window. Its rows are the list's first rows, in order, so a full page from it
    is the page; a window with fewer than a page's matches is tried no further (page_of runs
    the whole query). `keys` as public_needs_query's. None where it does not apply."""
    filters = filters.cleaned()
    if not filters.q or filters.sort != "newest" or db.session.get_bind().dialect.name != "sqlite":
        return None
    match = _fts5_query(filters.q)
    if match is None or not _common(match):
        return None

    def narrowed(after: tuple | None, needed: int) -> Select | None:
        reach = max(NEWEST_REACH, REACH_PER_ROW * needed)
        newest = (
            select(Need.published_at, Need.id)
            .where(Need.published_at.is_not(None))
            .order_by(Need.published_at.desc(), Need.id.desc())
        )
        if after is not None:
            newest = newest.where(tuple_(Need.published_at, Need.id) < tuple_(*(literal(value) for value in after)))
        window = newest.limit(reach).subquery()
        from_id = db.session.scalar(select(func.min(window.c.id)))
        if from_id is None:
            return None
        query = public_needs_query(filters, today, from_id=from_id, keys=keys)
        last = db.session.execute(newest.offset(reach - 1).limit(1)).first()
        if last is not None:  # else the window holds every need left
            query = query.where(tuple_(Need.published_at, Need.id) >= tuple_(literal(last[0]), literal(last[1])))
        return query

    return narrowed


def counted_by_estimate(filters: NeedFilters) -> bool:
    """Whether the planner's estimate may say a list has more needs than its cap (pagination's
    capped_count): a full-text search alone. Its words' frequencies are what ANALYZE keeps of
    full-text index keeps, several words are estimated as if independent (words that go
    together make that too few, and then the needs are simply counted), and the caller asks
    for several times the cap before it believes it. Other filters together could be
    estimated far too many (a ward with few needs of a kind), so they are always counted."""
    filters = filters.cleaned()
    return bool(filters.q) and not (
        filters.statuses or filters.still_open or filters.ward or filters.theme or filters.kinds
    )


def public_needs_count_query(filters: NeedFilters, today: date) -> Select:
    """The rows of public_needs_query written as they are best counted. A search alone on
    SQLite: its matches in the full-text index, which holds public needs only (no need read);
    narrowed by status or still open: the matches read by rowid; by ward, theme or kind:
    that filter's count index walked, each need looked up among the matches."""
    filters = filters.cleaned()
    if filters.q and db.session.get_bind().dialect.name == "sqlite":
        match = _fts5_query(filters.q)
        alone = not (filters.statuses or filters.still_open or filters.ward or filters.theme or filters.kinds)
        if match is not None and alone:
            return select(literal_column("rowid")).select_from(table("needs_fts")).where(
                text("needs_fts MATCH :match").bindparams(match=match)
            )
    return public_needs_query(filters, today, counting=True)


def public_needs_query(
    filters: NeedFilters, today: date, counting: bool = False, from_id: int | None = None, keys: bool = False
) -> Select:
    """Public needs matching the filters, in the sort's order (`counting`: see
    public_needs_count_query; `from_id`: newest_window). `keys`: their ids alone, for a page
    to be walked through an index and then read whole (load_needs)."""
    filters = filters.cleaned()
    # Lists show each need's group and ward: load them in one query each, not one per row.
    query = select(Need.id) if keys else select(Need).options(*_SHOWN_WITH)
    statuses: list[str] = []
    for status in filters.statuses or ():
        statuses.extend({"open": ["published"], "closed": ["closed", "expired"]}.get(status, [status]))
    # Public needs only, and said so twice: published_at IS NOT NULL lets newest first walk
    # the partial index over public needs (ix_needs_public_newest) without passing drafts.
    query = query.where(Need.status.in_(statuses or PUBLIC_STATUSES), Need.published_at.is_not(None))
    if filters.still_open:
        query = query.where(
            Need.status == NeedStatus.PUBLISHED.value, Need.deadline >= today, Need.pledged_quantity < Need.quantity
        )
    if filters.ward == "borough":
        query = query.where(Need.ward_id.is_(None))
    elif filters.ward:
        query = query.where(Need.ward_id == select(Ward.id).where(Ward.code == filters.ward).scalar_subquery())
    if filters.theme:
        query = query.where(Need.theme_id == select(Theme.id).where(Theme.slug == filters.theme).scalar_subquery())
    if filters.kinds:
        query = query.where(Need.kind.in_(filters.kinds))
    if filters.q:
        # Counting a search narrowed by ward, theme or kind walks that filter's count index.
        condition = _text_condition(filters.q, counting and not (filters.ward or filters.theme or filters.kinds), from_id)
        if condition is not None:
            query = query.where(condition)
    if filters.sort == "deadline":
        query = query.order_by(Need.deadline, Need.id)
    elif filters.sort == "most_needed":
        query = query.order_by(Need.remaining_value_pence.desc(), Need.id.desc())
    else:
        query = query.order_by(Need.published_at.desc(), Need.id.desc())
    return query


def open_need_counts_by_ward(today: date) -> dict[int, int]:
    rows = db.session.execute(
        select(Need.ward_id, func.count())
        .where(Need.status == NeedStatus.PUBLISHED.value, Need.deadline >= today, Need.ward_id.is_not(None))
        .group_by(Need.ward_id)
    ).all()
    return {ward_id: count for ward_id, count in rows}
