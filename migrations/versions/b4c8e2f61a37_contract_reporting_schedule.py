"""a contract's own reporting schedule; accepted returns in the delivery totals; indexes for the report

- ix_pledges_supplier_created and ix_needs_organisation_published: whether an organisation
  pledged or published a need in a year is one index probe (the annual report's diversity).
- contracts.return_months (3, 6 or 12; NULL follows the tier's setting) and
  contracts.return_months_reason: an officer's schedule for a contract, with the reason.
- delivery_totals: accepted supplier returns are counted too, under the sources 'return'
  (returns, and the value of their lines through the measures' proxy values) and
  'return_line' (lines), by theme, supplier and the financial year their period ended in
  (ward and kind ANY); backfilled here from the accepted returns.

Revision ID: b4c8e2f61a37
Revises: c4f2b8e91d07
Create Date: 2026-11-30 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4c8e2f61a37'
down_revision = "c4f2b8e91d07"
branch_labels = None
depends_on = None

MONTHS = "return_months IS NULL OR return_months IN (3, 6, 12)"


def _financial_year(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        year, month = f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)", f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"
    else:
        year, month = f"CAST(strftime('%Y', {column}) AS INTEGER)", f"CAST(strftime('%m', {column}) AS INTEGER)"
    return f"({year} - CASE WHEN {month} < 4 THEN 1 ELSE 0 END)"


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # ADD COLUMN with its CHECK, not a batch copy of the table: copying drops the old
        # table, and with foreign keys on, dropping contracts deletes every commitment (and
        # what hangs from them) through ON DELETE CASCADE.
        op.execute("ALTER TABLE contracts ADD COLUMN return_months INTEGER"
                   f" CONSTRAINT ck_contracts_return_months_known CHECK ({MONTHS})")
        op.add_column('contracts', sa.Column('return_months_reason', sa.Text(), nullable=True))
    else:
        op.add_column('contracts', sa.Column('return_months', sa.Integer(), nullable=True))
        op.add_column('contracts', sa.Column('return_months_reason', sa.Text(), nullable=True))
        op.create_check_constraint('return_months_known', 'contracts', MONTHS)
    op.create_index('ix_pledges_supplier_created', 'pledges', ['supplier_id', 'created_at'], unique=False)
    op.create_index('ix_needs_organisation_published', 'needs', ['organisation_id', 'published_at'], unique=False)
    dimensions = {
        "theme_id": "measures.theme_id", "financial_year": _financial_year("supplier_returns.period_end", dialect),
        "supplier_id": "contracts.supplier_id",
    }
    for mask in range(2 ** len(dimensions)):  # each cell, and each rollup with some dimensions ANY
        values = ["-1" if mask & (1 << bit) else expression for bit, expression in enumerate(dimensions.values())]
        grouped = [expression for bit, expression in enumerate(dimensions.values()) if not mask & (1 << bit)]
        for source, counted, value in (
            ("return", "COUNT(DISTINCT supplier_returns.id)",
             "COALESCE(SUM(CAST(return_lines.quantity AS BIGINT) * COALESCE(measures.proxy_value_pence, 0)), 0)"),
            ("return_line", "COUNT(DISTINCT return_lines.id)", "0"),
        ):
            op.execute(
                "INSERT INTO delivery_totals (source, ward_key, theme_id, kind, financial_year, supplier_id, deliveries, value_pence)"
                f" SELECT '{source}', -1, {values[0]}, '*', {values[1]}, {values[2]}, {counted}, {value}"
                f" FROM {COUNTED_LINES} JOIN supplier_returns ON supplier_returns.id = return_lines.return_id"
                " JOIN contracts ON contracts.id = supplier_returns.contract_id"
                " JOIN commitments ON commitments.id = return_lines.commitment_id"
                " JOIN measures ON measures.id = commitments.measure_id WHERE supplier_returns.state = 'accepted'"
                + (f" GROUP BY {', '.join(grouped)}" if grouped else "") + " HAVING COUNT(return_lines.id) > 0"
            )


# What each line counts towards (models/returns/totals.py counted_lines): a line an officer
# split (return_line_splits, an earlier migration) as split, any other line whole.
COUNTED_LINES = (
    "(SELECT return_line_splits.line_id AS id, split_lines.return_id AS return_id,"
    " return_line_splits.commitment_id AS commitment_id, return_line_splits.quantity AS quantity"
    " FROM return_line_splits JOIN return_lines AS split_lines ON split_lines.id = return_line_splits.line_id"
    " UNION ALL SELECT whole.id, whole.return_id, whole.commitment_id, whole.quantity FROM return_lines AS whole"
    " WHERE NOT EXISTS (SELECT 1 FROM return_line_splits WHERE return_line_splits.line_id = whole.id)) AS return_lines"
)


def downgrade():
    op.execute("DELETE FROM delivery_totals WHERE source IN ('return', 'return_line')")
    op.drop_index('ix_needs_organisation_published', table_name='needs')
    op.drop_index('ix_pledges_supplier_created', table_name='pledges')
    if op.get_bind().dialect.name == "sqlite":
        # DROP COLUMN takes its column CHECK with it (no batch copy: see upgrade).
        op.execute("ALTER TABLE contracts DROP COLUMN return_months_reason")
        op.execute("ALTER TABLE contracts DROP COLUMN return_months")
        return
    op.drop_constraint('return_months_known', 'contracts', type_='check')
    op.drop_column('contracts', 'return_months_reason')
    op.drop_column('contracts', 'return_months')
