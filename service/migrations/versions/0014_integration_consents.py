"""integration consents: a leader lets the appraisal integration receive their report's summary

Revision ID: 0014
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('integration_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('include_pdf', sa.Boolean(), nullable=False),
    sa.Column('include_comments', sa.Boolean(), nullable=False),
    sa.Column('given_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('given_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'],
                            name=op.f('fk_integration_consents_subject_id_subjects'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['given_by_id'], ['people.id'],
                            name=op.f('fk_integration_consents_given_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_consents'))
    )
    op.create_index(op.f('ix_integration_consents_subject_id'), 'integration_consents',
                    ['subject_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_integration_consents_subject_id'), table_name='integration_consents')
    op.drop_table('integration_consents')
