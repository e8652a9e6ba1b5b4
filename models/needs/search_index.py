"""Full-text search over public needs' titles and summaries: the SQL that builds the
index, shared by the migrations. On SQLite it is an FTS5 table kept in step by
triggers (a need enters it when it is published, leaves it when it is no longer public);
any migration that rebuilds the needs table with batch_alter_table
drops those triggers and must call create_needs_search_index again."""

from __future__ import annotations

# Public needs only (models.needs.models.PUBLIC_STATUSES, published): the index holds just
# what the public search can show, so a search's count is read from the index alone.
PUBLIC = "{row}.status IN ('published', 'fully_pledged', 'delivered', 'closed', 'expired') AND {row}.published_at IS NOT NULL"
_ADD = "INSERT INTO needs_fts(rowid, title, summary) SELECT new.id, new.title, new.summary WHERE " + PUBLIC.format(row="new")
_REMOVE = (
    "INSERT INTO needs_fts(needs_fts, rowid, title, summary) SELECT 'delete', old.id, old.title, old.summary WHERE "
    + PUBLIC.format(row="old")
)
SQLITE_TRIGGERS = {
    "needs_fts_insert": f"AFTER INSERT ON needs BEGIN {_ADD}; END",
    "needs_fts_delete": f"AFTER DELETE ON needs BEGIN {_REMOVE}; END",
    "needs_fts_update": f"AFTER UPDATE OF title, summary, status, published_at ON needs BEGIN {_REMOVE}; {_ADD}; END",
}


def rebuild_needs_search_index(execute) -> None:
    """SQLite: the full-text index emptied and filled again from the public needs."""
    execute("INSERT INTO needs_fts(needs_fts) VALUES ('delete-all')")
    execute("INSERT INTO needs_fts(rowid, title, summary) SELECT id, title, summary FROM needs WHERE "
            + PUBLIC.format(row="needs"))


def create_needs_search_index(execute, dialect: str) -> None:
    """`execute` runs one SQL statement (alembic's op.execute)."""
    if dialect == "postgresql":
        execute(
            "CREATE INDEX IF NOT EXISTS ix_needs_search ON needs USING gin "
            "(to_tsvector('english', title || ' ' || summary))"
        )
    elif dialect == "sqlite":
        execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS needs_fts USING fts5(title, summary, content='needs', "
            "content_rowid='id', tokenize='porter unicode61')"
        )
        for name, body in SQLITE_TRIGGERS.items():
            execute(f"DROP TRIGGER IF EXISTS {name}")
            execute(f"CREATE TRIGGER {name} {body}")
        rebuild_needs_search_index(execute)


def drop_needs_search_index(execute, dialect: str) -> None:
    if dialect == "postgresql":
        execute("DROP INDEX IF EXISTS ix_needs_search")
    elif dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            execute(f"DROP TRIGGER IF EXISTS {name}")
        execute("DROP TABLE IF EXISTS needs_fts")
