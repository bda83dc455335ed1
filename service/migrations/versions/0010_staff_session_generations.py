"""staff session generations: sign-out, a new password or a removed role ends every session

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sessions started before this revision carry no generation and are signed out once.
    op.create_table('staff_session_generations',
    sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                            name=op.f('fk_staff_session_generations_person_id_people'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_staff_session_generations'))
    )


def downgrade() -> None:
    op.drop_table('staff_session_generations')
