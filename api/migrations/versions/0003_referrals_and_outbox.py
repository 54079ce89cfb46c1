"""referrals, their history, and the outbox of texts to families

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 06:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('conversation_id', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consent_wording', sa.Text(), nullable=False),
    sa.Column('consent_answer', sa.String(length=20), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_name', sa.Text(), nullable=False),
    sa.Column('family_words', sa.Text(), nullable=False),
    sa.Column('transcript', sa.Text(), nullable=False),
    sa.Column('contact_method', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.Text(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('contact_times', sa.Text(), nullable=False),
    sa.Column('contact_needs', sa.Text(), nullable=False),
    sa.Column('safe_to_text', sa.Boolean(), nullable=False),
    sa.Column('safe_to_leave_message', sa.Boolean(), nullable=False),
    sa.Column('hub_id', sa.Integer(), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('contact_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('contact_today', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contacted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['hub_id'], ['hubs.id'], name=op.f('fk_referrals_hub_id_hubs')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_referrals_worker_id_workers')),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['staff_users.id'], name=op.f('fk_referrals_claimed_by_id_staff_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
    sa.UniqueConstraint('reference', name=op.f('uq_referrals_reference')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_referrals_idempotency_key'))
    )
    op.create_index(op.f('ix_referrals_conversation_id'), 'referrals', ['conversation_id'], unique=False)
    op.create_index(op.f('ix_referrals_phone_hash'), 'referrals', ['phone_hash'], unique=False)
    op.create_index('ix_referrals_queue_order', 'referrals', ['status', 'urgent', 'created_at'], unique=False)

    op.create_table('referral_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_events_referral_id_referrals'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_referral_events_staff_id_staff_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_events'))
    )
    op.create_index(op.f('ix_referral_events_referral_id'), 'referral_events', ['referral_id'], unique=False)

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('to_phone', sa.Text(), nullable=False),
    sa.Column('to_phone_hash', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_outbox_messages_referral_id_referrals'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )
    op.create_index(op.f('ix_outbox_messages_referral_id'), 'outbox_messages', ['referral_id'], unique=False)
    op.create_index(op.f('ix_outbox_messages_to_phone_hash'), 'outbox_messages', ['to_phone_hash'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_outbox_messages_to_phone_hash'), table_name='outbox_messages')
    op.drop_index(op.f('ix_outbox_messages_referral_id'), table_name='outbox_messages')
    op.drop_table('outbox_messages')
    op.drop_index(op.f('ix_referral_events_referral_id'), table_name='referral_events')
    op.drop_table('referral_events')
    op.drop_index('ix_referrals_queue_order', table_name='referrals')
    op.drop_index(op.f('ix_referrals_phone_hash'), table_name='referrals')
    op.drop_index(op.f('ix_referrals_conversation_id'), table_name='referrals')
    op.drop_table('referrals')
