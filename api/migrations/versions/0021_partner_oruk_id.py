"""partner_services.oruk_id: the partner's service in the council's Open Referral UK feed, so each import keeps its number current

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 07:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('partner_services') as batch:
        batch.add_column(sa.Column('oruk_id', sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('partner_services') as batch:
        batch.drop_column('oruk_id')
