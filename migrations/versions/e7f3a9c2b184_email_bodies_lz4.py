"""email bodies compressed with lz4 on PostgreSQL (issue 15: digests)

A run of digests writes every person's email, text and HTML, into email_messages: 10 to 20 KB
a person, which PostgreSQL compresses as it stores them, by default with pglz. Measured on
the digests bench (5,000 sent in one process), pglz cost 0.7 ms of the server's CPU a digest,
a third of the whole send; lz4 costs next to nothing and still compresses. Values written
from now on use lz4; those already stored keep pglz, and read as before.

Needs PostgreSQL 14 or newer built with lz4 (Debian's and the official images are); where it
is not, the columns keep the server's default, and nothing else changes. SQLite: nothing.

Revision ID: e7f3a9c2b184
Revises: d5e1a7c3f902
Create Date: 2026-11-30 17:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e7f3a9c2b184'
down_revision = 'd5e1a7c3f902'
branch_labels = None
depends_on = None


def _set_compression(method: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # EXECUTE, so that a server without lz4 (or older than 14) raises at run time, where the
    # block can catch it and leave the columns as they are.
    op.execute(
        "DO $$ BEGIN "
        "EXECUTE 'ALTER TABLE email_messages ALTER COLUMN text_body SET COMPRESSION " + method + ", "
        "ALTER COLUMN html_body SET COMPRESSION " + method + "'; "
        "EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'email bodies keep the default compression: %', SQLERRM; "
        "END $$"
    )


def upgrade():
    _set_compression("lz4")


def downgrade():
    _set_compression("default")
