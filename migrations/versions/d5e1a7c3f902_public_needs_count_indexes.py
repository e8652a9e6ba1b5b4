"""indexes that count public needs and list a ward's open needs (issue 15)

- ix_needs_public_{ward,theme,kind,status}_counts: partial indexes over public needs
  (published_at IS NOT NULL) holding every column a filter of the public needs list reads
  (ward, theme, kind, status, and for "still open" deadline, pledged_quantity and quantity),
  led by the ward, the theme, the kind or the status: a list's capped count reads the
  index alone (SQLite's covering index, PostgreSQL's index-only scan), never the rows.
- ix_needs_public_ward_status_newest: a ward's needs of one status newest first, so a ward's
  page walks its open needs in order instead of sorting every one of them.

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


def upgrade():
    # Plain CREATE INDEX (not a batch copy of the table, which would drop SQLite's full-text
    # triggers).
    for name, columns in INDEXES.items():
        op.create_index(name, "needs", columns, unique=False, sqlite_where=PUBLIC, postgresql_where=PUBLIC)


def downgrade():
    for name in reversed(list(INDEXES)):
        op.drop_index(name, table_name="needs")
