"""indexes that count public needs and list a ward's open needs (issue 15)

- ix_needs_public_{ward,theme,kind,status}_counts: partial indexes over public needs
  (published_at IS NOT NULL) holding every column a filter of the public needs list reads
  (ward, theme, kind, status, and for "still open" deadline, pledged_quantity and quantity),
  led by the ward, the theme, the kind or the status: a list's capped count reads the
  index alone (SQLite's covering index, PostgreSQL's index-only scan), never the rows.
- ix_needs_public_ward_status_newest: a ward's needs of one status newest first, so a ward's
  page walks its open needs in order instead of sorting every one of them.
- PostgreSQL: ix_needs_public_search, the full-text index over public needs only (beside
  ix_needs_search, which a generic plan still uses), so a search's count reads fewer rows.
- SQLite's full-text index (needs_fts) holds public needs only: its triggers add a need when
  it becomes public and remove it when it stops being public (or changes its text), and it
  is rebuilt from the public needs, so a search's count is read from the index alone.

Revision ID: d5e1a7c3f902
Revises: b4c8e2f61a37
Create Date: 2026-11-30 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e1a7c3f902'
down_revision = 'b4c8e2f61a37'
branch_labels = None
depends_on = None

PUBLIC = sa.text("published_at IS NOT NULL")
OPEN = ["status", "deadline", "pledged_quantity", "quantity"]
INDEXES = {
    "ix_needs_public_ward_status_newest": ["ward_id", "status", "published_at", "id"],
    "ix_needs_public_ward_counts": ["ward_id", *OPEN, "theme_id", "kind", "published_at"],
    "ix_needs_public_theme_counts": ["theme_id", *OPEN, "kind", "published_at"],
    "ix_needs_public_kind_counts": ["kind", *OPEN, "published_at"],
    "ix_needs_public_status_counts": [*OPEN, "published_at"],
}


PUBLIC_SEARCH = (
    "CREATE INDEX IF NOT EXISTS ix_needs_public_search ON needs USING gin (to_tsvector('english', title || ' ' || summary))"
    " WHERE status IN ('published', 'fully_pledged', 'delivered', 'closed', 'expired') AND published_at IS NOT NULL"
)
# The full-text triggers before this revision: every need, whatever its status.
EVERY_NEED_TRIGGERS = {
    "needs_fts_insert": "AFTER INSERT ON needs BEGIN "
    "INSERT INTO needs_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary); END",
    "needs_fts_delete": "AFTER DELETE ON needs BEGIN "
    "INSERT INTO needs_fts(needs_fts, rowid, title, summary) VALUES ('delete', old.id, old.title, old.summary); END",
    "needs_fts_update": "AFTER UPDATE OF title, summary ON needs BEGIN "
    "INSERT INTO needs_fts(needs_fts, rowid, title, summary) VALUES ('delete', old.id, old.title, old.summary); "
    "INSERT INTO needs_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary); END",
}


def upgrade():
    # Plain CREATE INDEX (not a batch copy of the table, which would drop SQLite's full-text
    # triggers).
    for name, columns in INDEXES.items():
        op.create_index(name, "needs", columns, unique=False, sqlite_where=PUBLIC, postgresql_where=PUBLIC)
    if op.get_bind().dialect.name == "sqlite":
        from models.needs.search_index import create_needs_search_index

        create_needs_search_index(op.execute, "sqlite")  # public-only triggers, rebuilt
    else:
        op.execute(PUBLIC_SEARCH)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name, body in EVERY_NEED_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(f"CREATE TRIGGER {name} {body}")
        op.execute("INSERT INTO needs_fts(needs_fts) VALUES ('rebuild')")
    else:
        op.execute("DROP INDEX IF EXISTS ix_needs_public_search")
    for name in reversed(list(INDEXES)):
        op.drop_index(name, table_name="needs")
