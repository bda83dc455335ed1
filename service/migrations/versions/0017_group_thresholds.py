"""A threshold per rater group, and a cycle's own rater groups

Revision ID: 0017
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cycle_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=30), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('name_cy', sa.String(length=80), nullable=False),
    sa.Column('min_size', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_groups_cycle_id_cycles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_groups')),
    sa.UniqueConstraint('cycle_id', 'key', name=op.f('uq_cycle_groups_cycle_id'))
    )
    with op.batch_alter_table('cycle_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_groups_cycle_id'), ['cycle_id'], unique=False)
    # Plain ALTER TABLE ADD COLUMN, not a batch copy: on SQLite a batch drops and re-creates
    # the table, and with foreign keys on that would cascade (cycles to subjects, nominations
    # to invitations). Every existing cycle keeps one k for peers, direct reports and others.
    for column in ('peer_min', 'direct_report_min', 'other_min'):
        op.add_column('cycles', sa.Column(column, sa.Integer(), nullable=True))
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in ('nominations', 'responses', 'held_responses'):
        name = f'fk_{table}_custom_group_id_cycle_groups'
        # No ON DELETE: a group is removed only while nobody is in it, and a cycle's delete
        # takes its nominations and responses with it (SQLite cannot reflect a column
        # clause's ON DELETE, so the models and the schema would seem to disagree).
        if sqlite:  # a column's own REFERENCES clause is what SQLite can add in place
            op.execute(f'ALTER TABLE {table} ADD COLUMN custom_group_id INTEGER CONSTRAINT '
                       f'{name} REFERENCES cycle_groups (id)')
            continue
        op.add_column(table, sa.Column('custom_group_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(name), table, 'cycle_groups', ['custom_group_id'], ['id'])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in ('held_responses', 'responses', 'nominations'):
        if not sqlite:  # SQLite 3.35+ drops the column, and its inline reference, in place
            op.drop_constraint(op.f(f'fk_{table}_custom_group_id_cycle_groups'), table,
                               type_='foreignkey')
        op.drop_column(table, 'custom_group_id')
    for column in ('other_min', 'direct_report_min', 'peer_min'):
        op.drop_column('cycles', column)
    with op.batch_alter_table('cycle_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_groups_cycle_id'))
    op.drop_table('cycle_groups')
