"""Bulk loading for the benchmarks: rows go in as plain dicts, never an ORM object per row.

`bulk_insert` fills in the columns' Python-side defaults (as the ORM would), and then:
on PostgreSQL with psycopg 3, COPY ... FROM STDIN; on SQLite, SQLAlchemy Core `insert()`
executed with many dicts at once, in large batches. For the big tables (`rebuild_indexes`),
the table's secondary indexes (and SQLite's full-text triggers) are dropped first and
built once afterwards, which is several times faster than keeping them up to date row by
row. Derived data (the stored delivery totals) is then built with INSERT ... SELECT by
`rebuild_delivery_totals`, not through the rules one row at a time."""

from __future__ import annotations

from itertools import islice
from typing import Iterable, Iterator

from sqlalchemy import Table, insert, text

BATCH = 20_000


def _table(model_or_table) -> Table:
    return getattr(model_or_table, "__table__", model_or_table)


def secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(DROP target, CREATE statement) of the table's non-unique indexes and (SQLite) triggers."""
    from models import db

    if db.session.get_bind().dialect.name == "postgresql":
        rows = db.session.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :table AND indexdef NOT LIKE '%UNIQUE%'"),
            {"table": table},
        ).all()
        return [(f"INDEX {name}", definition) for name, definition in rows]
    rows = db.session.execute(
        text("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = :table AND type IN ('index', 'trigger')"
             " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"),
        {"table": table},
    ).all()
    return [(f"{kind.upper()} {name}", sql) for kind, name, sql in rows]


def _with_defaults(table: Table, rows: Iterator[dict]) -> tuple[list[str], Iterator[dict]]:
    """The columns to load (the first row's keys plus every column with a Python-side
    default), and the rows with those defaults filled in."""
    first = next(rows, None)
    if first is None:
        return [], iter(())
    defaults = {}
    for column in table.columns:
        if column.key in first or column.default is None or not column.default.is_scalar and not column.default.is_callable:
            continue
        defaults[column.key] = column.default
    columns = list(first) + list(defaults)

    def filled() -> Iterator[dict]:
        for row in _chain(first, rows):
            for key, default in defaults.items():
                if key not in row:
                    row[key] = default.arg if default.is_scalar else default.arg(None)
            yield row

    return columns, filled()


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


def bulk_insert(model_or_table, rows: Iterable[dict], *, rebuild_indexes: bool = False) -> int:
    """Insert the rows (dicts, each with the same keys) in the session's transaction;
    returns how many. With `rebuild_indexes`, secondary indexes are built once afterwards
    (and, for needs on SQLite, the full-text index is rebuilt)."""
    from models import db

    table = _table(model_or_table)
    connection = db.session.connection()
    dialect = connection.dialect.name
    columns, filled = _with_defaults(table, iter(rows))
    if not columns:
        return 0
    kept = secondary_indexes(table.name) if rebuild_indexes else []
    for target, _ in kept:
        db.session.execute(text(f"DROP {target}"))
    count = 0
    if dialect == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in filled:
                copy.write_row(tuple(row[column] for column in columns))
                count += 1
        if "id" in columns:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT MAX(id) FROM {table.name}))"
            ))
    else:
        statement = insert(table)
        while batch := list(islice(filled, BATCH)):
            connection.execute(statement, batch)
            count += len(batch)
    for _, definition in kept:
        db.session.execute(text(definition))
    if rebuild_indexes and table.name == "needs" and dialect == "sqlite":
        from models.needs.search_index import rebuild_needs_search_index

        rebuild_needs_search_index(lambda statement: db.session.execute(text(statement)))
    return count
