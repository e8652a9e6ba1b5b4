"""a need's, a round option's and an idea's text in a second language

Each of needs, round_options and ideas says which language its own text is in (empty: the
council's default language) and gets a translations table, one row per (parent, locale).

Revision ID: c4e7b19d2a63
Revises: b3c81f7d2e45
Create Date: 2026-11-30 07:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e7b19d2a63'
down_revision = 'b3c81f7d2e45'
branch_labels = None
depends_on = None

PARENTS = (("needs", "need_translations", "need_id"),
           ("round_options", "round_option_translations", "option_id"),
           ("ideas", "idea_translations", "idea_id"))


def upgrade():
    for parent, table, key in PARENTS:
        with op.batch_alter_table(parent, schema=None) as batch_op:
            batch_op.add_column(sa.Column('language', sa.String(length=16), server_default='', nullable=False))
        op.create_table(
            table,
            sa.Column(key, sa.Integer(), nullable=False),
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('locale', sa.String(length=16), nullable=False),
            sa.Column('title', sa.String(length=200), nullable=False),
            sa.Column('summary', sa.String(length=300), nullable=False),
            sa.Column('description', sa.Text(), nullable=False),
            sa.Column('updated_at', sa.DateTime(), nullable=False),
            sa.ForeignKeyConstraint([key], [f'{parent}.id'], name=op.f(f'fk_{table}_{key}_{parent}'), ondelete='CASCADE'),
            sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
            sa.UniqueConstraint(key, 'locale', name=f'uq_{table}_locale'),
        )


def downgrade():
    for parent, table, _key in reversed(PARENTS):
        op.drop_table(table)
        with op.batch_alter_table(parent, schema=None) as batch_op:
            batch_op.drop_column('language')
