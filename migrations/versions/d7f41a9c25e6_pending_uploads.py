"""pending uploads: a photo kept across a need's or story's preview until it is attached

Revision ID: d7f41a9c25e6
Revises: e7a41c9d5b26
Create Date: 2026-11-30 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7f41a9c25e6'
down_revision = "e7a41c9d5b26"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pending_uploads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('stored_name', sa.String(length=64), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_uploads_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_uploads')),
    )
    with op.batch_alter_table('pending_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_uploads_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_uploads_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('pending_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_uploads_created_at'))
        batch_op.drop_index(batch_op.f('ix_pending_uploads_user_id'))
    op.drop_table('pending_uploads')
