"""cycle settings: who nominates raters, and whether the service closes the cycle itself

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing cycles keep what they did: HR nominated their raters, and the worker closed
    # them the day after their closing date. Plain ALTER TABLE ADD COLUMN, not a batch copy:
    # on SQLite a batch drops and re-creates `cycles`, and with foreign keys on that would
    # cascade to every subject, nomination and invitation.
    op.add_column('cycles', sa.Column('nominated_by', sa.String(length=40), nullable=False,
                                      server_default='hr'))
    op.add_column('cycles', sa.Column('auto_close', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade() -> None:
    op.drop_column('cycles', 'auto_close')  # SQLite 3.35+ drops a column in place
    op.drop_column('cycles', 'nominated_by')
