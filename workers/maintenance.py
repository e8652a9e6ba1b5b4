"""Database upkeep. The query planners need table statistics to pick the
ordering indexes for the needs list: SQLite only has them after ANALYZE;
PostgreSQL's autovacuum gathers them too, and a nightly ANALYZE is a cheap
guarantee after bulk imports."""

from __future__ import annotations

from sqlalchemy import text

from models import db
from workers.registry import job


@job("low", timeout=1800)
def optimise_database() -> str:
    bind = db.session.get_bind()
    with bind.connect() as connection:
        if bind.dialect.name == "sqlite":
            # 0x10002: analyse every table whose statistics are missing or stale.
            connection.execute(text("PRAGMA optimize=0x10002"))
        else:
            connection.execute(text("ANALYZE"))
        connection.commit()
    return "optimised"
