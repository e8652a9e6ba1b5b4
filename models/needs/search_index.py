"""Full-text search over needs' titles and summaries: the SQL that builds the
index, shared by the migrations. On SQLite it is an FTS5 table kept in step by
triggers; any migration that rebuilds the needs table with batch_alter_table
drops those triggers and must call create_needs_search_index again."""

from __future__ import annotations

SQLITE_TRIGGERS = {
    "needs_fts_insert": "AFTER INSERT ON needs BEGIN "
    "INSERT INTO needs_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary); END",
    "needs_fts_delete": "AFTER DELETE ON needs BEGIN "
    "INSERT INTO needs_fts(needs_fts, rowid, title, summary) VALUES ('delete', old.id, old.title, old.summary); END",
    "needs_fts_update": "AFTER UPDATE OF title, summary ON needs BEGIN "
    "INSERT INTO needs_fts(needs_fts, rowid, title, summary) VALUES ('delete', old.id, old.title, old.summary); "
    "INSERT INTO needs_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary); END",
}


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
        execute("INSERT INTO needs_fts(needs_fts) VALUES ('rebuild')")


def drop_needs_search_index(execute, dialect: str) -> None:
    if dialect == "postgresql":
        execute("DROP INDEX IF EXISTS ix_needs_search")
    elif dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            execute(f"DROP TRIGGER IF EXISTS {name}")
        execute("DROP TABLE IF EXISTS needs_fts")
