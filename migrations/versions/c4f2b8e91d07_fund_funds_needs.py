"""the Social Value Fund funds needs directly: a pledge from the Fund

A pledge has a source: a supplier's offer, or the council funding the need from its Social
Value Fund (given by the council's own organisation, towards no commitment); a Fund
out-entry of source 'need' names the pledge it paid for; an entry keeps the token of the
officer's form that made it, so the same form sent twice spends once.

Revision ID: c4f2b8e91d07
Revises: c4e7b19d2a63
Create Date: 2026-11-30 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f2b8e91d07'
down_revision = 'c4e7b19d2a63'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=8), server_default='supplier', nullable=False))
        batch_op.create_check_constraint('source_known', "source IN ('supplier', 'fund')")
        batch_op.create_check_constraint('fund_counts_towards_no_commitment', "source = 'supplier' OR commitment_id IS NULL")
    with op.batch_alter_table('fund_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pledge_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('client_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_fund_entries_pledge_id'), ['pledge_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_fund_entries_client_token'), ['client_token'])
        batch_op.create_foreign_key(batch_op.f('fk_fund_entries_pledge_id_pledges'), 'pledges', ['pledge_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.drop_constraint(op.f('ck_fund_entries_source_known'), type_='check')
        batch_op.create_check_constraint('source_known', "source IN ('payment_in_lieu', 'section_106', 'ward_vote', 'need')")


def downgrade():
    # The needs' funding stays as confirmed pledges from the council's organisation; the Fund
    # forgets that it paid for them (it had no way to say so before).
    op.execute("UPDATE fund_balance SET balance_pence = balance_pence + "
               "(SELECT COALESCE(SUM(amount_pence), 0) FROM fund_entries WHERE source = 'need')")
    op.execute("DELETE FROM fund_entries WHERE source = 'need'")
    with op.batch_alter_table('fund_entries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_fund_entries_source_known'), type_='check')
        batch_op.create_check_constraint('source_known', "source IN ('payment_in_lieu', 'section_106', 'ward_vote')")
        batch_op.drop_constraint(batch_op.f('fk_fund_entries_pledge_id_pledges'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_fund_entries_client_token'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_fund_entries_pledge_id'), type_='unique')
        batch_op.drop_column('client_token')
        batch_op.drop_column('pledge_id')
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_pledges_fund_counts_towards_no_commitment'), type_='check')
        batch_op.drop_constraint(op.f('ck_pledges_source_known'), type_='check')
        batch_op.drop_column('source')
