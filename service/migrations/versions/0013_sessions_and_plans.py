"""feedback sessions (facilitator's record, sealed notes) and leaders' action plans

Revision ID: 0013
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feedback_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('sealed_notes', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['people.id'],
                            name=op.f('fk_feedback_sessions_recorded_by_id_people'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'],
                            name=op.f('fk_feedback_sessions_subject_id_subjects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_sessions')),
    sa.UniqueConstraint('subject_id', name=op.f('uq_feedback_sessions_subject_id'))
    )
    op.create_table('action_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('focus', sa.JSON(), nullable=False),
    sa.Column('actions', sa.Text(), nullable=False),
    sa.Column('support', sa.Text(), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('appraisal_consent', sa.Boolean(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('pdf_revision', sa.Integer(), nullable=True),
    sa.Column('pdf_requested', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'],
                            name=op.f('fk_action_plans_subject_id_subjects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plans')),
    sa.UniqueConstraint('subject_id', name=op.f('uq_action_plans_subject_id'))
    )


def downgrade() -> None:
    op.drop_table('action_plans')
    op.drop_table('feedback_sessions')
