"""sms_inbound.channel (sms or whatsapp: a reply goes back the way the message came) and, per text sent, the channel and WhatsApp template used

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 06:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sms_inbound') as batch:
        batch.add_column(sa.Column('channel', sa.String(10), nullable=False, server_default='sms'))
    with op.batch_alter_table('sms_deliveries') as batch:
        batch.add_column(sa.Column('channel', sa.String(10), nullable=True))
        batch.add_column(sa.Column('template_sid', sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sms_deliveries') as batch:
        batch.drop_column('template_sid')
        batch.drop_column('channel')
    with op.batch_alter_table('sms_inbound') as batch:
        batch.drop_column('channel')
