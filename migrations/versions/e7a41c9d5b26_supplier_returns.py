"""supplier returns: how a measure is delivered, returns with lines, evidence and wards

Each measure says how its delivery is evidenced (needs, returns or both) and whether it is
spend with suppliers; the seeded Brent measures get their defaults by name. Supplier
returns (one row per version of a contract's return for a period), their lines (one per
commitment), the lines' wards and evidence files; commitments keep the quantity accepted
returns delivered beside what confirmed pledges delivered.

Revision ID: e7a41c9d5b26
Revises: e7a41c9d05b3
Create Date: 2026-11-30 03:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a41c9d5b26'
down_revision = "e7a41c9d05b3"
branch_labels = None
depends_on = None

# As models/places/themes.py BRENT_DELIVERY and BRENT_SPEND, when this migration was written.
DELIVERY = {
    "Apprenticeship weeks for local people": "returns",
    "Local people hired": "returns",
    "Work placement hours": "returns",
    "Spend with local SMEs and VCSEs": "returns",
    "Employee volunteering hours": "both",
    "Volunteer hours on environmental projects": "both",
}
SPEND = ("Spend with local SMEs and VCSEs",)


def upgrade():
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered_through', sa.String(length=8), server_default='needs', nullable=False))
        batch_op.add_column(sa.Column('is_spend', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(
            'delivered_through_known', "delivered_through IN ('needs', 'returns', 'both')"
        )
    measures = sa.table('measures', sa.column('name', sa.String), sa.column('delivered_through', sa.String),
                        sa.column('is_spend', sa.Boolean))
    for name, how in DELIVERY.items():
        op.execute(measures.update().where(measures.c.name == name).values(delivered_through=how))
    op.execute(measures.update().where(measures.c.name.in_(SPEND)).values(is_spend=True))
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returned_quantity', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.create_check_constraint('returned_not_negative', 'returned_quantity >= 0')
        batch_op.add_column(sa.Column('is_kpi', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table(
        'supplier_returns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contract_id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('question', sa.Text(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('reject_reason', sa.Text(), nullable=True),
        sa.CheckConstraint("state IN ('draft', 'submitted', 'queried', 'accepted', 'rejected', 'superseded')",
                           name=op.f('ck_supplier_returns_state_known')),
        sa.CheckConstraint('period_end >= period_start', name=op.f('ck_supplier_returns_period_in_order')),
        sa.CheckConstraint('version >= 1', name=op.f('ck_supplier_returns_version_positive')),
        sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_supplier_returns_contract_id_contracts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_supplier_returns_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_supplier_returns_submitted_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_supplier_returns_decided_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_returns')),
        sa.UniqueConstraint('contract_id', 'period_start', 'version', name='uq_supplier_returns_version'),
    )
    op.create_index(op.f('ix_supplier_returns_contract_id'), 'supplier_returns', ['contract_id'])
    op.create_index('ix_supplier_returns_state_due', 'supplier_returns', ['state', 'due_date'])
    open_states = sa.text("state IN ('draft', 'submitted', 'queried')")
    op.create_index('uq_supplier_returns_one_open', 'supplier_returns', ['contract_id', 'period_start'], unique=True,
                    sqlite_where=open_states, postgresql_where=open_states)
    accepted = sa.text("state = 'accepted'")
    op.create_index('uq_supplier_returns_one_accepted', 'supplier_returns', ['contract_id', 'period_start'], unique=True,
                    sqlite_where=accepted, postgresql_where=accepted)

    op.create_table(
        'return_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('return_id', sa.Integer(), nullable=False),
        sa.Column('commitment_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.BigInteger(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('beneficiaries', sa.Integer(), nullable=False),
        sa.Column('beneficiaries_in_borough', sa.Integer(), nullable=False),
        sa.Column('pledged_in_period', sa.BigInteger(), nullable=False),
        *(sa.Column(f'spend_{part}', sa.BigInteger(), nullable=True)
          for part in ('micro', 'small', 'medium', 'large', 'vcse', 'in_borough')),
        sa.CheckConstraint('quantity >= 0', name=op.f('ck_return_lines_quantity_not_negative')),
        sa.CheckConstraint('beneficiaries >= 0', name=op.f('ck_return_lines_beneficiaries_not_negative')),
        sa.CheckConstraint('beneficiaries_in_borough >= 0 AND beneficiaries_in_borough <= beneficiaries',
                           name=op.f('ck_return_lines_in_borough_within_beneficiaries')),
        sa.CheckConstraint('pledged_in_period >= 0', name=op.f('ck_return_lines_pledged_not_negative')),
        sa.ForeignKeyConstraint(['return_id'], ['supplier_returns.id'], name=op.f('fk_return_lines_return_id_supplier_returns'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_return_lines_commitment_id_commitments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_return_lines')),
        sa.UniqueConstraint('return_id', 'commitment_id', name='uq_return_lines_commitment'),
    )
    op.create_index(op.f('ix_return_lines_return_id'), 'return_lines', ['return_id'])
    op.create_index(op.f('ix_return_lines_commitment_id'), 'return_lines', ['commitment_id'])

    op.create_table(
        'return_line_wards',
        sa.Column('line_id', sa.Integer(), nullable=False),
        sa.Column('ward_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['line_id'], ['return_lines.id'], name=op.f('fk_return_line_wards_line_id_return_lines'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_return_line_wards_ward_id_wards'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('line_id', 'ward_id', name=op.f('pk_return_line_wards')),
    )
    op.create_table(
        'return_evidence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('line_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=80), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['line_id'], ['return_lines.id'], name=op.f('fk_return_evidence_line_id_return_lines'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_return_evidence_uploaded_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_return_evidence')),
    )
    op.create_index(op.f('ix_return_evidence_line_id'), 'return_evidence', ['line_id'])

    op.create_table(
        'return_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contract_id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('due_soon', 'overdue')", name=op.f('ck_return_reminders_kind_known')),
        sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_return_reminders_contract_id_contracts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_return_reminders')),
        sa.UniqueConstraint('contract_id', 'period_start', 'kind', name='uq_return_reminders_period_kind'),
    )
    op.create_index(op.f('ix_return_reminders_contract_id'), 'return_reminders', ['contract_id'])

    op.create_table(
        'kpi_ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('commitment_id', sa.Integer(), nullable=False),
        sa.Column('year_start', sa.Date(), nullable=False),
        sa.Column('year_end', sa.Date(), nullable=False),
        sa.Column('delivered', sa.BigInteger(), nullable=False),
        sa.Column('pro_rata_target', sa.BigInteger(), nullable=False),
        sa.Column('proposed', sa.String(length=24), nullable=False),
        sa.Column('rating', sa.String(length=24), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('rated_at', sa.DateTime(), nullable=False),
        sa.Column('rated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("rating IN ('good', 'approaching_target', 'requires_improvement', 'inadequate', 'other')",
                           name=op.f('ck_kpi_ratings_rating_known')),
        sa.CheckConstraint('rating = proposed OR length(reason) > 0', name=op.f('ck_kpi_ratings_override_has_reason')),
        sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_kpi_ratings_commitment_id_commitments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rated_by_id'], ['users.id'], name=op.f('fk_kpi_ratings_rated_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_ratings')),
        sa.UniqueConstraint('commitment_id', 'year_start', name='uq_kpi_ratings_commitment_year'),
    )
    op.create_index(op.f('ix_kpi_ratings_commitment_id'), 'kpi_ratings', ['commitment_id'])

    op.create_table(
        'commitment_escalations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('commitment_id', sa.Integer(), nullable=False),
        sa.Column('board', sa.String(length=200), nullable=False),
        sa.Column('escalated_on', sa.Date(), nullable=False),
        sa.Column('escalated_at', sa.DateTime(), nullable=False),
        sa.Column('escalated_by_id', sa.Integer(), nullable=True),
        sa.Column('resolution', sa.String(length=16), nullable=True),
        sa.Column('fund_payment_pence', sa.BigInteger(), nullable=True),
        sa.Column('credit_return_id', sa.Integer(), nullable=True),
        sa.Column('credit_pledge_id', sa.Integer(), nullable=True),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("resolution IS NULL OR resolution IN ('delivered', 'fund_payment', 'credit')",
                           name=op.f('ck_commitment_escalations_resolution_known')),
        sa.CheckConstraint("resolution != 'credit' OR (credit_return_id IS NOT NULL) != (credit_pledge_id IS NOT NULL)",
                           name=op.f('ck_commitment_escalations_credit_names_one_substitute')),
        sa.CheckConstraint("resolution != 'fund_payment' OR fund_payment_pence > 0",
                           name=op.f('ck_commitment_escalations_fund_payment_positive')),
        sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_escalations_commitment_id_commitments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['escalated_by_id'], ['users.id'], name=op.f('fk_commitment_escalations_escalated_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_commitment_escalations_resolved_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['credit_return_id'], ['supplier_returns.id'], name=op.f('fk_commitment_escalations_credit_return_id_supplier_returns'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['credit_pledge_id'], ['pledges.id'], name=op.f('fk_commitment_escalations_credit_pledge_id_pledges'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_escalations')),
        sa.UniqueConstraint('commitment_id', name=op.f('uq_commitment_escalations_commitment_id')),
    )


def downgrade():
    op.drop_table('commitment_escalations')
    op.drop_table('kpi_ratings')
    op.drop_table('return_reminders')
    op.drop_table('return_evidence')
    op.drop_table('return_line_wards')
    op.drop_table('return_lines')
    op.drop_table('supplier_returns')
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_constraint('returned_not_negative', type_='check')
        batch_op.drop_column('is_kpi')
        batch_op.drop_column('returned_quantity')
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.drop_constraint('delivered_through_known', type_='check')
        batch_op.drop_column('is_spend')
        batch_op.drop_column('delivered_through')
