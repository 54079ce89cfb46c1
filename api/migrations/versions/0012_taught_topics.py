"""teaching: topics comms add and the examples they are taught with

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-01 18:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('taught_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('intent', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'],
                            name=op.f('fk_taught_topics_created_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_taught_topics')),
    sa.UniqueConstraint('intent', name=op.f('uq_taught_topics_intent'))
    )
    op.create_table('taught_examples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('intent', sa.String(length=120), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('conversation_id', sa.String(length=200), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['unanswered_groups.id'],
                            name=op.f('fk_taught_examples_group_id_unanswered_groups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['added_by_id'], ['staff_users.id'],
                            name=op.f('fk_taught_examples_added_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_taught_examples'))
    )
    op.create_index(op.f('ix_taught_examples_intent'), 'taught_examples', ['intent'], unique=False)
    op.create_index(op.f('ix_taught_examples_group_id'), 'taught_examples', ['group_id'], unique=False)
    op.create_index(op.f('ix_taught_examples_conversation_id'), 'taught_examples', ['conversation_id'], unique=False)


def downgrade() -> None:
    op.drop_table('taught_examples')
    op.drop_table('taught_topics')
