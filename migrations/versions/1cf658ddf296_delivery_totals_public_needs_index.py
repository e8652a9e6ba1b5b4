"""delivery totals kept as data; each confirmed pledge's value stored; a partial index over public needs

- pledges.confirmed_value_pence: the pledge's share of its need's value, stored when it is
  confirmed (backfilled here for every confirmed pledge, as the ledger worked it out).
- delivery_totals: deliveries and their value by source, ward, theme, kind, financial year
  and supplier, and the rollup cells where any of those is ANY (-1, or '*' for the kind),
  kept by the rules in the same transaction (backfilled here from the confirmed pledges,
  source 'pledge').
- ix_needs_public_newest and ix_needs_public_ward_newest: needs (and a ward's needs) newest
  first, over public needs only (published_at IS NOT NULL), so the newest-first list never
  walks past drafts, nor sorts a ward's needs.

Revision ID: 1cf658ddf296
Revises: d7f41a9c25e6
Create Date: 2026-11-30 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1cf658ddf296'
down_revision = "d7f41a9c25e6"
branch_labels = None
depends_on = None

PUBLIC = sa.text("published_at IS NOT NULL")


def _financial_year(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        year, month = f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)", f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"
    else:
        year, month = f"CAST(strftime('%Y', {column}) AS INTEGER)", f"CAST(strftime('%m', {column}) AS INTEGER)"
    return f"({year} - CASE WHEN {month} < 4 THEN 1 ELSE 0 END)"


def upgrade():
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_value_pence', sa.BigInteger(), nullable=True))
    op.create_table(
        'delivery_totals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('ward_key', sa.Integer(), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('financial_year', sa.Integer(), nullable=False),
        sa.Column('supplier_id', sa.Integer(), nullable=False),
        sa.Column('deliveries', sa.BigInteger(), nullable=False),
        sa.Column('value_pence', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_totals')),
        sa.UniqueConstraint('source', 'ward_key', 'theme_id', 'kind', 'financial_year', 'supplier_id', name='uq_delivery_totals_cell'),
    )
    with op.batch_alter_table('delivery_totals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_totals_supplier_id'), ['supplier_id'], unique=False)
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index('ix_needs_public_newest', ['published_at', 'id'], unique=False,
                              sqlite_where=PUBLIC, postgresql_where=PUBLIC)
        batch_op.create_index('ix_needs_public_ward_newest', ['ward_id', 'published_at', 'id'], unique=False,
                              sqlite_where=PUBLIC, postgresql_where=PUBLIC)

    op.execute(
        "UPDATE pledges SET confirmed_value_pence = (SELECT CAST(needs.value_pence AS BIGINT) * pledges.quantity / needs.quantity"
        " FROM needs WHERE needs.id = pledges.need_id) WHERE status = 'confirmed'"
    )
    dimensions = {
        "ward_key": "COALESCE(needs.ward_id, 0)", "theme_id": "needs.theme_id", "kind": "needs.kind",
        "financial_year": _financial_year("pledges.confirmed_at", dialect), "supplier_id": "pledges.supplier_id",
    }
    for mask in range(2 ** len(dimensions)):  # each cell, and each rollup with some dimensions ANY
        values, grouped = [], []
        for bit, (name, expression) in enumerate(dimensions.items()):
            if mask & (1 << bit):
                values.append("'*'" if name == "kind" else "-1")
            else:
                values.append(expression)
                grouped.append(expression)
        op.execute(
            "INSERT INTO delivery_totals (source, ward_key, theme_id, kind, financial_year, supplier_id, deliveries, value_pence)"
            f" SELECT 'pledge', {', '.join(values)}, COUNT(pledges.id), SUM(pledges.confirmed_value_pence)"
            " FROM pledges JOIN needs ON needs.id = pledges.need_id WHERE pledges.status = 'confirmed'"
            + (f" GROUP BY {', '.join(grouped)}" if grouped else "") + " HAVING COUNT(pledges.id) > 0"
        )


def downgrade():
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index('ix_needs_public_ward_newest')
        batch_op.drop_index('ix_needs_public_newest')
    with op.batch_alter_table('delivery_totals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_totals_supplier_id'))
    op.drop_table('delivery_totals')
    with op.batch_alter_table('pledges', schema=None) as batch_op:
        batch_op.drop_column('confirmed_value_pence')
