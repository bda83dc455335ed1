"""reminders, scheduled launch, facilitators, sealed tokens on invitations

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_days', sa.JSON(), nullable=False,
                                      server_default='[7, 2]'))
        batch_op.add_column(sa.Column('reminders_done', sa.JSON(), nullable=False,
                                      server_default='[]'))
        batch_op.add_column(sa.Column('auto_launch', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facilitator_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_subjects_facilitator_id_people'), 'people',
                                    ['facilitator_id'], ['id'])
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_token', sa.Text(), nullable=True))
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.alter_column('language', existing_type=sa.String(length=8), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE people SET language = 'en' WHERE language IS NULL")
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.alter_column('language', existing_type=sa.String(length=8), nullable=False)
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('sealed_token')
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_subjects_facilitator_id_people'),
                                 type_='foreignkey')
        batch_op.drop_column('facilitator_id')
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.drop_column('auto_launch')
        batch_op.drop_column('reminders_done')
        batch_op.drop_column('reminder_days')
