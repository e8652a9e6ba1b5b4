"""supplier returns: how a measure is delivered, returns with lines, evidence and wards

Each measure says how its delivery is evidenced (needs, returns or both) and whether it is
spend with suppliers; the seeded Brent measures get their defaults by name. Supplier
returns (one row per version of a contract's return for a period), their lines (one per
commitment), the lines' wards and evidence files; commitments keep the quantity accepted
returns delivered beside what confirmed pledges delivered.

Revision ID: e7a41c9d5b26
Revises: b3e9c4d2a817
Create Date: 2026-11-30 03:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a41c9d5b26'
down_revision = 'b3e9c4d2a817'
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
    # RETURNS-TABLES


def downgrade():
    # RETURNS-DOWN
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.drop_constraint('delivered_through_known', type_='check')
        batch_op.drop_column('is_spend')
        batch_op.drop_column('delivered_through')
