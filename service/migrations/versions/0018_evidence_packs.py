"""appraisal evidence packs: what a leader issued, and how an appraiser verifies it

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evidence_packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('include_scores', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('token_nonce', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'],
                            name=op.f('fk_evidence_packs_subject_id_subjects'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'],
                            name=op.f('fk_evidence_packs_report_id_reports'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['people.id'],
                            name=op.f('fk_evidence_packs_issued_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_packs')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_evidence_packs_token_hash'))
    )
    op.create_index(op.f('ix_evidence_packs_subject_id'), 'evidence_packs', ['subject_id'])
    # One current pack per leader and cycle, even when two issue requests cross.
    op.create_index('uq_evidence_packs_current', 'evidence_packs', ['subject_id'], unique=True,
                    sqlite_where=sa.text('withdrawn_at IS NULL'),
                    postgresql_where=sa.text('withdrawn_at IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_evidence_packs_current', table_name='evidence_packs')
    op.drop_index(op.f('ix_evidence_packs_subject_id'), table_name='evidence_packs')
    op.drop_table('evidence_packs')
