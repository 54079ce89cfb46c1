"""bookings: when the number was confirmed from that phone (a YES), so a number typed into the web chat gets no texts about the booking until then

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bookings') as batch:
        batch.add_column(sa.Column('number_confirmed_at', sa.DateTime(timezone=True), nullable=True))
    # Bookings made before this were texted at once: their numbers stay as they were.
    bookings = sa.table('bookings', sa.column('created_at', sa.DateTime(timezone=True)),
                        sa.column('number_confirmed_at', sa.DateTime(timezone=True)))
    op.get_bind().execute(bookings.update().values(number_confirmed_at=bookings.c.created_at))


def downgrade() -> None:
    with op.batch_alter_table('bookings') as batch:
        batch.drop_column('number_confirmed_at')
