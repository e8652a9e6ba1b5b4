"""agreements of several kinds; the planning obligations register

Contracts become agreements of a kind (contract, planning obligation, grant, community asset
transfer, council employment, investment) with a responsible officer and each kind's own
fields; developer agreements, their contributions and transactions (the planning data
standard's developer contributions files); the Social Value Fund's balance and ledger
(earlier payments in lieu become its opening entries).

Revision ID: a91d5e3c7f48
Revises: 5d2f8a61c3e9
Create Date: 2026-11-30 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a91d5e3c7f48'
down_revision = "5d2f8a61c3e9"
branch_labels = None
depends_on = None

KINDS = "kind IN ('contract', 'planning_obligation', 'grant', 'asset_transfer', 'employment', 'investment')"


def upgrade():
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=24), server_default='contract', nullable=False))
        batch_op.add_column(sa.Column('responsible_officer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('planning_reference', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('site', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('ward_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('trigger', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('programme', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('asset', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('lease_terms', sa.Text(), nullable=True))
        batch_op.create_check_constraint('kind_known', KINDS)
        batch_op.create_index(batch_op.f('ix_contracts_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_planning_reference'), ['planning_reference'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_contracts_responsible_officer_id_users'), 'users',
                                    ['responsible_officer_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_contracts_ward_id_wards'), 'wards', ['ward_id'], ['id'], ondelete='SET NULL')

    op.create_table(
        'developer_agreements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=160), nullable=False),
        sa.Column('organisation', sa.String(length=120), nullable=False),
        sa.Column('agreement_type', sa.String(length=40), nullable=False),
        sa.Column('planning_application', sa.String(length=120), nullable=True),
        sa.Column('document_url', sa.String(length=500), nullable=True),
        sa.Column('entry_date', sa.Date(), nullable=True),
        sa.Column('start_date', sa.Date(), nullable=True),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.Column('agreement_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['agreement_id'], ['contracts.id'], name=op.f('fk_developer_agreements_agreement_id_contracts'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_developer_agreements')),
        sa.UniqueConstraint('reference', name=op.f('uq_developer_agreements_reference')),
    )
    with op.batch_alter_table('developer_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_developer_agreements_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_developer_agreements_planning_application'), ['planning_application'], unique=False)

    op.create_table(
        'developer_contributions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('developer_agreement_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=160), nullable=False),
        sa.Column('purpose', sa.String(length=60), nullable=False),
        sa.Column('purpose_text', sa.String(length=200), nullable=False),
        sa.Column('amount_pence', sa.BigInteger(), nullable=True),
        sa.Column('units', sa.BigInteger(), nullable=True),
        sa.Column('entry_date', sa.Date(), nullable=True),
        sa.Column('start_date', sa.Date(), nullable=True),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.CheckConstraint('amount_pence IS NULL OR amount_pence >= 0', name=op.f('ck_developer_contributions_amount_not_negative')),
        sa.CheckConstraint('units IS NULL OR units >= 0', name=op.f('ck_developer_contributions_units_not_negative')),
        sa.ForeignKeyConstraint(['developer_agreement_id'], ['developer_agreements.id'], name=op.f('fk_developer_contributions_developer_agreement_id_developer_agreements'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_developer_contributions')),
        sa.UniqueConstraint('developer_agreement_id', 'reference', 'purpose_text', 'amount_pence', 'units', name=op.f('uq_developer_contributions_one_line')),
    )
    with op.batch_alter_table('developer_contributions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_developer_contributions_developer_agreement_id'), ['developer_agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_developer_contributions_reference'), ['reference'], unique=False)

    op.create_table(
        'developer_transactions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contribution_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=60), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('amount_pence', sa.BigInteger(), nullable=True),
        sa.Column('units', sa.BigInteger(), nullable=True),
        sa.Column('transaction_date', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('secured', 'received', 'allocated', 'transferred', 'spent')", name=op.f('ck_developer_transactions_status_known')),
        sa.CheckConstraint('amount_pence IS NULL OR amount_pence >= 0', name=op.f('ck_developer_transactions_amount_not_negative')),
        sa.ForeignKeyConstraint(['contribution_id'], ['developer_contributions.id'], name=op.f('fk_developer_transactions_contribution_id_developer_contributions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_developer_transactions')),
        sa.UniqueConstraint('contribution_id', 'status', 'amount_pence', 'units', 'transaction_date', name=op.f('uq_developer_transactions_one_transaction')),
    )
    with op.batch_alter_table('developer_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_developer_transactions_contribution_id'), ['contribution_id'], unique=False)


    op.create_table(
        'fund_balance',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('balance_pence', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('balance_pence >= 0', name=op.f('ck_fund_balance_not_negative')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_balance')),
    )
    op.create_table(
        'fund_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('direction', sa.String(length=3), nullable=False),
        sa.Column('source', sa.String(length=24), nullable=False),
        sa.Column('amount_pence', sa.BigInteger(), nullable=False),
        sa.Column('commitment_id', sa.Integer(), nullable=True),
        sa.Column('developer_transaction_id', sa.Integer(), nullable=True),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('amount_pence > 0', name=op.f('ck_fund_entries_amount_positive')),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f('ck_fund_entries_direction_known')),
        sa.CheckConstraint("source IN ('payment_in_lieu', 'section_106', 'ward_vote')", name=op.f('ck_fund_entries_source_known')),
        sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_fund_entries_commitment_id_commitments'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['developer_transaction_id'], ['developer_transactions.id'], name=op.f('fk_fund_entries_developer_transaction_id_developer_transactions'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_fund_entries_round_id_rounds'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_fund_entries_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_entries')),
        sa.UniqueConstraint('commitment_id', name=op.f('uq_fund_entries_commitment_id')),
        sa.UniqueConstraint('developer_transaction_id', name=op.f('uq_fund_entries_developer_transaction_id')),
    )
    with op.batch_alter_table('fund_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_entries_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_entries_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_entries_created_at'), ['created_at'], unique=False)
    # Payments in lieu made before the Fund kept a ledger come in as its opening entries.
    op.execute(
        "INSERT INTO fund_entries (direction, source, amount_pence, commitment_id, description, created_by_id, created_at) "
        "SELECT 'in', 'payment_in_lieu', fund_payment_pence, id, 'Payment in lieu', settled_by_id, "
        "COALESCE(settled_at, created_at) FROM commitments WHERE settlement = 'fund_payment' AND fund_payment_pence > 0"
    )
    op.execute(
        "INSERT INTO fund_balance (id, balance_pence) "
        "SELECT 1, COALESCE(SUM(amount_pence), 0) FROM fund_entries"
    )


def downgrade():
    op.drop_table('fund_entries')
    op.drop_table('fund_balance')
    op.drop_table('developer_transactions')
    op.drop_table('developer_contributions')
    op.drop_table('developer_agreements')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contracts_ward_id_wards'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_contracts_responsible_officer_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contracts_planning_reference'))
        batch_op.drop_index(batch_op.f('ix_contracts_kind'))
        batch_op.drop_constraint('kind_known', type_='check')
        for column in ('lease_terms', 'asset', 'programme', 'trigger', 'ward_id', 'site', 'planning_reference',
                       'responsible_officer_id', 'kind'):
            batch_op.drop_column(column)
