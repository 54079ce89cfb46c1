"""referrals: the start of the promised time, and what the family said with their number

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-01 18:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referrals') as batch:
        batch.add_column(sa.Column('contact_from', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('contact_condition', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('referrals') as batch:
        batch.drop_column('contact_condition')
        batch.drop_column('contact_from')
