"""report leases: who is rendering a queued version, and since when

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows queued before this have no lease (NULL): the worker's recovery job treats them as
    # expired and queues them again, which is what a version stranded by an old crash needs.
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renderer', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('leased_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('leased_at')
        batch_op.drop_column('renderer')
