"""ward indicators; return line splits; planning contribution links

Ward-level indicators an administrator imports (ward, indicator, year, value, source), one
row per ward, indicator and year; the splits of a supplier return line between commitments
of several agreements; the links of social planning contributions to the commitments and
needs they carry.

Revision ID: b3c81f7d2e45
Revises: a91d5e3c7f48
Create Date: 2026-11-30 07:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c81f7d2e45'
down_revision = 'a91d5e3c7f48'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ward_indicators',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ward_id', sa.Integer(), nullable=False),
        sa.Column('indicator', sa.String(length=120), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_ward_indicators_ward_id_wards'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ward_indicators')),
        sa.UniqueConstraint('ward_id', 'indicator', 'year', name='uq_ward_indicators_ward_indicator_year'),
    )
    with op.batch_alter_table('ward_indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ward_indicators_indicator'), ['indicator'], unique=False)
        batch_op.create_index(batch_op.f('ix_ward_indicators_ward_id'), ['ward_id'], unique=False)
    op.create_table(
        'return_line_splits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('line_id', sa.Integer(), nullable=False),
        sa.Column('commitment_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('quantity > 0', name=op.f('ck_return_line_splits_quantity_positive')),
        sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_return_line_splits_commitment_id_commitments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_return_line_splits_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['line_id'], ['return_lines.id'], name=op.f('fk_return_line_splits_line_id_return_lines'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_return_line_splits')),
        sa.UniqueConstraint('line_id', 'commitment_id', name='uq_return_line_splits_line_commitment'),
    )
    with op.batch_alter_table('return_line_splits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_line_splits_commitment_id'), ['commitment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_line_splits_line_id'), ['line_id'], unique=False)
    op.create_table(
        'contribution_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contribution_id', sa.Integer(), nullable=False),
        sa.Column('commitment_id', sa.Integer(), nullable=True),
        sa.Column('need_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('(commitment_id IS NULL) <> (need_id IS NULL)', name=op.f('ck_contribution_links_one_target')),
        sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_contribution_links_commitment_id_commitments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['contribution_id'], ['developer_contributions.id'], name=op.f('fk_contribution_links_contribution_id_developer_contributions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contribution_links_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_contribution_links_need_id_needs'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_links')),
        sa.UniqueConstraint('commitment_id', name=op.f('uq_contribution_links_commitment_id')),
        sa.UniqueConstraint('need_id', name=op.f('uq_contribution_links_need_id')),
    )
    with op.batch_alter_table('contribution_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_links_contribution_id'), ['contribution_id'], unique=False)


def downgrade():
    op.drop_table('contribution_links')
    op.drop_table('return_line_splits')
    op.drop_table('ward_indicators')
