"""referrals: the family key (the conversation id without its episode), so one family's requests are found together

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 18:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referrals') as batch:
        batch.add_column(sa.Column('family_key', sa.String(200), nullable=True))
    referrals = sa.table('referrals', sa.column('id', sa.Integer), sa.column('conversation_id', sa.String),
                         sa.column('family_key', sa.String))
    connection = op.get_bind()
    for row_id, conversation_id in connection.execute(sa.select(referrals.c.id, referrals.c.conversation_id)):
        head, dash, _episode = (conversation_id or '').rpartition('-')
        connection.execute(referrals.update().where(referrals.c.id == row_id)
                           .values(family_key=head if dash and head else conversation_id))
    op.create_index('ix_referrals_family_key', 'referrals', ['family_key'])


def downgrade() -> None:
    op.drop_index('ix_referrals_family_key', 'referrals')
    with op.batch_alter_table('referrals') as batch:
        batch.drop_column('family_key')
