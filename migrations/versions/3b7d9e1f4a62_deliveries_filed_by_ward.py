"""each confirmed delivery's ward, theme and kind stored on it; a ward's deliveries from one index (issue 15)

- pledges.confirmed_ward_id, confirmed_theme_id, confirmed_kind: the delivery totals' cell a
  confirmed pledge counts in (its need's ward, theme and kind), stored when it is confirmed
  (backfilled here for every confirmed pledge), so the ledger filters deliveries without
  looking each one's need up: a page of one ward's deliveries at 1,000,000 read about 1,500
  needs for its 50 rows.
- ix_pledges_confirmed_ward (status, confirmed_ward_id, confirmed_at, id): a ward's
  deliveries newest first (the ledger by ward, by ward and year, a ward's page) as one range.
- ix_pledges_status_confirmed includes the stored theme, kind and ward on PostgreSQL, so a
  filter by theme or kind is checked from the index alone.
- ix_needs_ledger_filters (PostgreSQL, from 9e2c4a7b5d13) is dropped: nothing reads a
  delivery's need to filter it any more.

Revision ID: 3b7d9e1f4a62
Revises: 9e2c4a7b5d13
Create Date: 2026-11-30 23:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b7d9e1f4a62'
down_revision = '9e2c4a7b5d13'
branch_labels = None
depends_on = None

STORED = {"confirmed_ward_id": "ward_id", "confirmed_theme_id": "theme_id", "confirmed_kind": "kind"}


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_ward_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_theme_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_kind', sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_pledges_confirmed_ward_id_wards'), 'wards', ['confirmed_ward_id'],
                                    ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_pledges_confirmed_theme_id_themes'), 'themes', ['confirmed_theme_id'],
                                    ['id'], ondelete='RESTRICT')
    op.execute(
        "UPDATE pledges SET "
        + ", ".join(f"{stored} = (SELECT needs.{column} FROM needs WHERE needs.id = pledges.need_id)"
                    for stored, column in STORED.items())
        + " WHERE status = 'confirmed'"
    )
    op.drop_index("ix_pledges_status_confirmed", table_name="pledges")
    op.create_index("ix_pledges_status_confirmed", "pledges", ["status", "confirmed_at", "id"], unique=False,
                    postgresql_include=["need_id", *STORED])
    op.create_index("ix_pledges_confirmed_ward", "pledges", ["status", "confirmed_ward_id", "confirmed_at", "id"],
                    unique=False)
    if postgresql:
        op.drop_index("ix_needs_ledger_filters", table_name="needs")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_needs_ledger_filters", "needs", ["id"], unique=False,
                        postgresql_include=["ward_id", "theme_id", "kind"])
    op.drop_index("ix_pledges_confirmed_ward", table_name="pledges")
    op.drop_index("ix_pledges_status_confirmed", table_name="pledges")
    op.create_index("ix_pledges_status_confirmed", "pledges", ["status", "confirmed_at", "id"], unique=False,
                    postgresql_include=["need_id"])
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pledges_confirmed_theme_id_themes'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_pledges_confirmed_ward_id_wards'), type_='foreignkey')
        batch_op.drop_column('confirmed_kind')
        batch_op.drop_column('confirmed_theme_id')
        batch_op.drop_column('confirmed_ward_id')
