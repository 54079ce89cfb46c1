"""partner services that answers name (food bank, mediation, ...)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 15:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('partner_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('about', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_services')),
    sa.UniqueConstraint('slug', name=op.f('uq_partner_services_slug'))
    )


def downgrade() -> None:
    op.drop_table('partner_services')
