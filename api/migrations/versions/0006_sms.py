"""SMS: messages families sent, opt-outs, what happened to each text we sent

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sms_inbound',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_sid', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.Text(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('media_count', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('handled_as', sa.String(length=20), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_tried_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=120), nullable=True),
    sa.Column('conversation_id', sa.String(length=200), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('holding_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_inbound')),
    sa.UniqueConstraint('message_sid', name=op.f('uq_sms_inbound_message_sid'))
    )
    op.create_index(op.f('ix_sms_inbound_phone_hash'), 'sms_inbound', ['phone_hash'], unique=False)
    op.create_index(op.f('ix_sms_inbound_received_at'), 'sms_inbound', ['received_at'], unique=False)
    op.create_index(op.f('ix_sms_inbound_state'), 'sms_inbound', ['state'], unique=False)

    op.create_table('sms_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('keyword', sa.String(length=20), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_opt_outs')),
    sa.UniqueConstraint('phone_hash', name=op.f('uq_sms_opt_outs_phone_hash'))
    )

    op.create_table('sms_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('twilio_sid', sa.String(length=64), nullable=True),
    sa.Column('error_code', sa.String(length=20), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('segments', sa.Integer(), nullable=True),
    sa.Column('encoding', sa.String(length=6), nullable=True),
    sa.Column('send_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_messages.id'],
                            name=op.f('fk_sms_deliveries_outbox_message_id_outbox_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inbound_id'], ['sms_inbound.id'],
                            name=op.f('fk_sms_deliveries_inbound_id_sms_inbound'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_deliveries')),
    sa.UniqueConstraint('outbox_message_id', name=op.f('uq_sms_deliveries_outbox_message_id')),
    sa.UniqueConstraint('twilio_sid', name=op.f('uq_sms_deliveries_twilio_sid'))
    )
    op.create_index(op.f('ix_sms_deliveries_inbound_id'), 'sms_deliveries', ['inbound_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sms_deliveries_inbound_id'), table_name='sms_deliveries')
    op.drop_table('sms_deliveries')
    op.drop_table('sms_opt_outs')
    op.drop_index(op.f('ix_sms_inbound_state'), table_name='sms_inbound')
    op.drop_index(op.f('ix_sms_inbound_received_at'), table_name='sms_inbound')
    op.drop_index(op.f('ix_sms_inbound_phone_hash'), table_name='sms_inbound')
    op.drop_table('sms_inbound')
