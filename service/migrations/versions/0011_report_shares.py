"""report shares: a leader shares their released report with a facilitator, appraiser or mentor

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('facilitator', 'appraiser', 'mentor', name='share_role',
                              native_enum=False, length=20), nullable=False),
    sa.Column('shared_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('shared_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'],
                            name=op.f('fk_report_shares_subject_id_subjects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                            name=op.f('fk_report_shares_person_id_people')),
    sa.ForeignKeyConstraint(['shared_by_id'], ['people.id'],
                            name=op.f('fk_report_shares_shared_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_shares'))
    )
    op.create_index(op.f('ix_report_shares_subject_id'), 'report_shares', ['subject_id'])
    op.create_index(op.f('ix_report_shares_person_id'), 'report_shares', ['person_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_report_shares_person_id'), table_name='report_shares')
    op.drop_index(op.f('ix_report_shares_subject_id'), table_name='report_shares')
    op.drop_table('report_shares')
