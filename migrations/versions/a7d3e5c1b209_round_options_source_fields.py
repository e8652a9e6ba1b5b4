"""round options: source_fields, an imported Pabulib project's own columns as published

Revision ID: a7d3e5c1b209
Revises: f1cceedddad2
Create Date: 2026-11-30 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3e5c1b209'
down_revision = 'f1cceedddad2'
branch_labels = None
depends_on = None


def upgrade():
    # Adding a nullable column needs no table rebuild, in SQLite or PostgreSQL.
    op.add_column('round_options', sa.Column('source_fields', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('round_options') as batch_op:
        batch_op.drop_column('source_fields')
