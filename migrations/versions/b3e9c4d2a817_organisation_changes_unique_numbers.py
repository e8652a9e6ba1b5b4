"""organisations: identity changes wait for re-verification; one organisation per registration number

Changes of a verified organisation's name, legal form or registration number wait in
organisation_changes. A registration number is unique per register (charity numbers and
company numbers), by a partial unique index on each.

Two organisations that already share a number stop the upgrade, before it changes
anything, with a message naming them: which one the number belongs to is for an officer
to decide (the Charity Commission or Companies House says), not for a migration to guess.
Take the number off the other one (the message gives the SQL, which also sends it back to
be verified) and run the upgrade again.

Revision ID: b3e9c4d2a817
Revises: 69c5dd4e92ee
Create Date: 2026-11-30 02:00:00.000000

"""
from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3e9c4d2a817'
down_revision = '69c5dd4e92ee'
branch_labels = None
depends_on = None

# The legal forms whose numbers come from each register (models/people/organisations.py, as it is now).
REGISTERS = {
    'charity': ('charity', 'cio'),
    'company': ('cic', 'company', 'llp', 'plc'),
}


def _where(register):
    forms = ", ".join(f"'{form}'" for form in REGISTERS[register])
    return f"registration_number IS NOT NULL AND legal_form IN ({forms})"


def shared_numbers(connection):
    """(register, number, [(id, kind, name, status), ...]) for every number held twice."""
    found = []
    for register in REGISTERS:
        rows = connection.execute(sa.text(
            f"SELECT registration_number, id, kind, name, status FROM organisations WHERE {_where(register)} "
            f"AND registration_number IN (SELECT registration_number FROM organisations WHERE {_where(register)} "
            "GROUP BY registration_number HAVING COUNT(*) > 1) ORDER BY registration_number, id"
        )).all()
        by_number = {}
        for number, organisation_id, kind, name, status in rows:
            by_number.setdefault(number, []).append((organisation_id, kind, name, status))
        found += [(register, number, holders) for number, holders in by_number.items()]
    return found


def clash_message(clashes):
    lines = [
        "Cannot make registration numbers unique: these organisations share one.",
        "Check which organisation each number belongs to (Charity Commission, Companies House), take it off",
        "the others, and run `flask db upgrade` again. Nothing has been changed.",
        "",
    ]
    for register, number, holders in clashes:
        lines.append(f"{register} number {number}:")
        for organisation_id, kind, name, status in holders:
            lines.append(f"  organisation {organisation_id} ({kind}, {status}): {name}")
    keep = clashes[0][2][0][0]
    other = clashes[0][2][1][0]
    lines += [
        "",
        "For example, if the number is organisation %d's, this takes it off organisation %d and sends that one"
        % (keep, other),
        "back to be verified (its owners enter the right number when they next change its details):",
        f"  UPDATE organisations SET registration_number = NULL, status = 'pending' WHERE id = {other};",
    ]
    return "\n".join(lines)


def upgrade():
    if not context.is_offline_mode():
        clashes = shared_numbers(op.get_bind())
        if clashes:
            raise RuntimeError(clash_message(clashes))

    op.create_table('organisation_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('legal_form', sa.String(length=32), nullable=False),
    sa.Column('registration_number', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'rejected')", name=op.f('ck_organisation_changes_status_known')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_organisation_changes_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_changes_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_organisation_changes_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_changes')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_organisation_changes_organisation_id'))
    )
    with op.batch_alter_table('organisation_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_changes_requested_at'), ['requested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_changes_status'), ['status'], unique=False)

    # Partial unique indexes: SQLite and PostgreSQL both have them, and creating one needs no table rebuild.
    for register in REGISTERS:
        where = sa.text(_where(register))
        op.create_index(
            f'uq_organisations_{register}_number', 'organisations', ['registration_number'], unique=True,
            sqlite_where=where, postgresql_where=where,
        )


def downgrade():
    for register in REGISTERS:
        op.drop_index(f'uq_organisations_{register}_number', table_name='organisations')
    with op.batch_alter_table('organisation_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_changes_status'))
        batch_op.drop_index(batch_op.f('ix_organisation_changes_requested_at'))
    op.drop_table('organisation_changes')
