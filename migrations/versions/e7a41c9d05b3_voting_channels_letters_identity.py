"""voting channels: letter codes, polling stations, identity de-duplication, representation

Ballots gain two kinds (`code`, `in_person`), the letter code they were cast with (one
ballot per code and round) and the voter's keyed identity hash (one counted ballot per
person and round). New tables: letter_batches, letter_codes (hashed codes only),
round_channels, polling_grants, ballot_conflicts, representation_answers (no link to any
ballot) and census_populations.

Revision ID: e7a41c9d05b3
Revises: 7e4c2a9d51f3
Create Date: 2026-11-30 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'e7a41c9d05b3'
down_revision = "7e4c2a9d51f3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('letter_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('ward_id', sa.Integer(), nullable=True),
    sa.Column('postcodes', sa.JSON(), nullable=False),
    sa.Column('letters', sa.Integer(), nullable=False),
    sa.Column('in_person', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('printed_at', sa.DateTime(), nullable=True),
    sa.Column('task_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_letter_batches_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_letter_batches_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_letter_batches_ward_id_wards'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_batches'))
    )
    op.create_index(op.f('ix_letter_batches_round_id'), 'letter_batches', ['round_id'], unique=False)
    op.create_table('letter_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('postcode', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['letter_batches.id'], name=op.f('fk_letter_codes_batch_id_letter_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_letter_codes_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_letter_codes_code_hash'))
    )
    op.create_index(op.f('ix_letter_codes_round_id'), 'letter_codes', ['round_id'], unique=False)
    op.create_index(op.f('ix_letter_codes_batch_id'), 'letter_codes', ['batch_id'], unique=False)
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('letter_code_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('identity_hash', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_ballots_letter_code_id_letter_codes'), 'letter_codes', ['letter_code_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint('uq_ballots_one_per_code', ['round_id', 'letter_code_id'])
        batch_op.create_unique_constraint('uq_ballots_one_per_identity', ['round_id', 'identity_hash'])
        batch_op.drop_constraint(op.f('ck_ballots_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', "kind IN ('digital', 'paper', 'imported', 'code', 'in_person')")
        batch_op.create_check_constraint('code_has_letter', "(kind = 'code') = (letter_code_id IS NOT NULL)")
    op.create_table('round_channels',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('conflict_rule', sa.String(length=16), nullable=False),
    sa.Column('min_age', sa.Integer(), nullable=True),
    sa.Column('identity_online', sa.Boolean(), nullable=False),
    sa.CheckConstraint("conflict_rule IN ('first', 'in_person')", name=op.f('ck_round_channels_conflict_rule_known')),
    sa.CheckConstraint('min_age IS NULL OR (min_age >= 0 AND min_age <= 130)', name=op.f('ck_round_channels_min_age_range')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_round_channels_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', name=op.f('pk_round_channels'))
    )
    op.create_table('polling_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_polling_grants_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_polling_grants_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_polling_grants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polling_grants')),
    sa.UniqueConstraint('round_id', 'user_id', name='uq_polling_grants_person')
    )
    op.create_index(op.f('ix_polling_grants_round_id'), 'polling_grants', ['round_id'], unique=False)
    op.create_index(op.f('ix_polling_grants_user_id'), 'polling_grants', ['user_id'], unique=False)
    op.create_table('ballot_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('identity_hash', sa.String(length=64), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=True),
    sa.Column('counted_channel', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=True),
    sa.Column('letter_code_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("channel IN ('digital', 'code', 'in_person', 'paper')", name=op.f('ck_ballot_conflicts_channel_known')),
    sa.CheckConstraint("state IN ('open', 'resolved')", name=op.f('ck_ballot_conflicts_state_known')),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_ballot_conflicts_ballot_id_ballots'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['letter_code_id'], ['letter_codes.id'], name=op.f('fk_ballot_conflicts_letter_code_id_letter_codes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_ballot_conflicts_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_ballot_conflicts_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_ballot_conflicts_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['users.id'], name=op.f('fk_ballot_conflicts_voter_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_conflicts'))
    )
    op.create_index(op.f('ix_ballot_conflicts_round_id'), 'ballot_conflicts', ['round_id'], unique=False)
    op.create_table('representation_answers',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('age_band', sa.String(length=40), nullable=True),
    sa.Column('sex', sa.String(length=40), nullable=True),
    sa.Column('ethnic_group', sa.String(length=120), nullable=True),
    sa.Column('disability', sa.String(length=40), nullable=True),
    sa.Column('first_language', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_representation_answers_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_representation_answers'))
    )
    op.create_index(op.f('ix_representation_answers_round_id'), 'representation_answers', ['round_id'], unique=False)
    op.create_table('census_populations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ward_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ward_id'], ['wards.id'], name=op.f('fk_census_populations_ward_id_wards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_census_populations')),
    sa.UniqueConstraint('ward_id', 'dimension', 'category', name='uq_census_populations_category')
    )
    op.create_index(op.f('ix_census_populations_ward_id'), 'census_populations', ['ward_id'], unique=False)


def downgrade():
    op.drop_table('census_populations')
    op.drop_table('representation_answers')
    op.drop_table('ballot_conflicts')
    op.drop_table('polling_grants')
    op.drop_table('round_channels')
    op.execute("DELETE FROM ballots WHERE kind IN ('code', 'in_person')")
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ballots_code_has_letter'), type_='check')
        batch_op.drop_constraint(op.f('ck_ballots_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', "kind IN ('digital', 'paper', 'imported')")
        batch_op.drop_constraint('uq_ballots_one_per_identity', type_='unique')
        batch_op.drop_constraint('uq_ballots_one_per_code', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_ballots_letter_code_id_letter_codes'), type_='foreignkey')
        batch_op.drop_column('identity_hash')
        batch_op.drop_column('letter_code_id')
    op.drop_table('letter_codes')
    op.drop_table('letter_batches')
