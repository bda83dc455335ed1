"""nomination lists: the state of a leader's own list of raters (draft, submitted, returned,
approved) in cycles where leaders nominate

Revision ID: 0012
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('nomination_lists',
    sa.Column('subject_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'returned', 'approved', name='list_state',
                               native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('amended', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['people.id'],
                            name=op.f('fk_nomination_lists_decided_by_id_people')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'],
                            name=op.f('fk_nomination_lists_subject_id_subjects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subject_id', name=op.f('pk_nomination_lists'))
    )


def downgrade() -> None:
    op.drop_table('nomination_lists')
