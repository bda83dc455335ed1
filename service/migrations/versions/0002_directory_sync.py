"""directory sync: people's source, username and DN; sync state

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('directory_sync_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.JSON(), nullable=False),
    sa.Column('server', sa.String(length=1024), nullable=False),
    sa.Column('watermark', sa.String(length=64), nullable=True),
    sa.Column('last_full_sync_at', sa.DateTime(), nullable=True),
    sa.Column('last_sync_at', sa.DateTime(), nullable=True),
    sa.Column('last_counts', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_sync_state'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), nullable=False,
                                      server_default='file'))
        batch_op.add_column(sa.Column('username', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('directory_dn', sa.String(length=1024), nullable=True))
        batch_op.create_index(batch_op.f('ix_people_username'), ['username'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_directory_dn'), ['directory_dn'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_directory_dn'))
        batch_op.drop_index(batch_op.f('ix_people_username'))
        batch_op.drop_column('directory_dn')
        batch_op.drop_column('username')
        batch_op.drop_column('source')
    op.drop_table('directory_sync_state')
