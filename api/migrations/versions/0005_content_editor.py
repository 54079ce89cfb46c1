"""content editor: answer history, what we could not answer, conversation starts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('answer_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sms_text', sa.Text(), nullable=False),
    sa.Column('web_text', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=200), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_answer_versions_answer_id_answers'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_answer_versions_staff_id_staff_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_versions')),
    sa.UniqueConstraint('answer_id', 'version', name=op.f('uq_answer_versions_answer_id_version'))
    )
    op.create_index(op.f('ix_answer_versions_answer_id'), 'answer_versions', ['answer_id'], unique=False)
    # History starts with each answer as it is now.
    op.execute(
        "INSERT INTO answer_versions (answer_id, version, sms_text, web_text, published_at, published_by, note) "
        "SELECT id, version, sms_text, web_text, updated_at, updated_by, 'As it was when history began' FROM answers"
    )

    op.create_table('conversation_starts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_starts')),
    sa.UniqueConstraint('conversation_id', name=op.f('uq_conversation_starts_conversation_id'))
    )
    op.create_index(op.f('ix_conversation_starts_started_at'), 'conversation_starts', ['started_at'], unique=False)

    op.create_table('unanswered_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tokens', sa.Text(), nullable=False),
    sa.Column('sample', sa.Text(), nullable=False),
    sa.Column('message_count', sa.Integer(), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('answer_key', sa.String(length=120), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['marked_by_id'], ['staff_users.id'],
                            name=op.f('fk_unanswered_groups_marked_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unanswered_groups'))
    )
    op.create_index(op.f('ix_unanswered_groups_last_seen'), 'unanswered_groups', ['last_seen'], unique=False)
    op.create_index(op.f('ix_unanswered_groups_status'), 'unanswered_groups', ['status'], unique=False)

    op.create_table('unanswered_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('conversation_id', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('intent', sa.String(length=120), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['unanswered_groups.id'],
                            name=op.f('fk_unanswered_messages_group_id_unanswered_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unanswered_messages'))
    )
    op.create_index(op.f('ix_unanswered_messages_group_id'), 'unanswered_messages', ['group_id'], unique=False)
    op.create_index(op.f('ix_unanswered_messages_received_at'), 'unanswered_messages', ['received_at'], unique=False)
    op.create_index(op.f('ix_unanswered_messages_conversation_id'), 'unanswered_messages', ['conversation_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_table('unanswered_messages')
    op.drop_table('unanswered_groups')
    op.drop_table('conversation_starts')
    op.drop_table('answer_versions')
