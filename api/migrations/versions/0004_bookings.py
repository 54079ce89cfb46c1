"""drop-in booking: session dates, bookings, conversation contacts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hub_sessions') as batch:
        batch.add_column(sa.Column('waiting_list', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('asks_children', sa.Boolean(), server_default=sa.true(), nullable=False))

    op.create_table('session_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('places_taken', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('cancel_reason', sa.String(length=300), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['hub_sessions.id'], name=op.f('fk_session_dates_session_id_hub_sessions'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['staff_users.id'],
                            name=op.f('fk_session_dates_cancelled_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_dates')),
    sa.UniqueConstraint('session_id', 'on_date', name=op.f('uq_session_dates_session_id_on_date'))
    )

    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=8), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('session_date_id', sa.Integer(), nullable=False),
    sa.Column('family_key', sa.String(length=200), nullable=False),
    sa.Column('conversation_id', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('first_name', sa.Text(), nullable=False),
    sa.Column('phone', sa.Text(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('children', sa.Integer(), nullable=False),
    sa.Column('child_ages_months', sa.Text(), nullable=False),
    sa.Column('adults', sa.Integer(), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by', sa.String(length=20), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('move_key', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['session_date_id'], ['session_dates.id'],
                            name=op.f('fk_bookings_session_date_id_session_dates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('reference', name=op.f('uq_bookings_reference')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_bookings_idempotency_key'))
    )
    op.create_index(op.f('ix_bookings_family_key'), 'bookings', ['family_key'], unique=False)
    op.create_index(op.f('ix_bookings_phone_hash'), 'bookings', ['phone_hash'], unique=False)
    op.create_index('ix_bookings_session_date_status', 'bookings', ['session_date_id', 'status'], unique=False)

    op.create_table('conversation_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.Text(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_contacts')),
    sa.UniqueConstraint('conversation_id', name=op.f('uq_conversation_contacts_conversation_id'))
    )
    op.create_index(op.f('ix_conversation_contacts_phone_hash'), 'conversation_contacts', ['phone_hash'],
                    unique=False)

    with op.batch_alter_table('outbox_messages') as batch:
        batch.add_column(sa.Column('booking_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_outbox_messages_booking_id'), ['booking_id'], unique=False)
        batch.create_foreign_key(batch.f('fk_outbox_messages_booking_id_bookings'), 'bookings',
                                 ['booking_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_constraint('fk_outbox_messages_booking_id_bookings', type_='foreignkey')
        batch.drop_index('ix_outbox_messages_booking_id')
        batch.drop_column('booking_id')
    op.drop_index(op.f('ix_conversation_contacts_phone_hash'), table_name='conversation_contacts')
    op.drop_table('conversation_contacts')
    op.drop_index('ix_bookings_session_date_status', table_name='bookings')
    op.drop_index(op.f('ix_bookings_phone_hash'), table_name='bookings')
    op.drop_index(op.f('ix_bookings_family_key'), table_name='bookings')
    op.drop_table('bookings')
    op.drop_table('session_dates')
    with op.batch_alter_table('hub_sessions') as batch:
        batch.drop_column('asks_children')
        batch.drop_column('waiting_list')
