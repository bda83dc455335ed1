"""held responses; sealed drafts; responses lose their date

Answers are no longer written into ``responses`` by the rater's own transaction: they wait,
sealed, in ``held_responses`` until the close moves them with others. Drafts become sealed bytes
(a key from the rater's link, which the service does not keep), so drafts saved under the old
plain JSON column cannot be carried over and are dropped. A response's submission date is
dropped: it told which responses came in after a release.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('held_responses',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('rater_group', sa.Enum('self', 'manager', 'peer', 'direct_report', 'other',
                                     name='rater_group', native_enum=False, length=20),
              nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'],
                            name=op.f('fk_held_responses_cycle_id_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'],
                            name=op.f('fk_held_responses_subject_id_subjects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_held_responses'))
    )
    with op.batch_alter_table('held_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_responses_cycle_id'), ['cycle_id'],
                              unique=False)
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('draft')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('submitted_on')


def downgrade() -> None:
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_on', sa.Date(), nullable=False,
                                      server_default=sa.func.current_date()))
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('draft')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft', sa.JSON(), nullable=True))
    with op.batch_alter_table('held_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_responses_cycle_id'))
    op.drop_table('held_responses')
