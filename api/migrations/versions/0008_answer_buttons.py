"""answers: quick replies (buttons) kept with the words, and with each version

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('answers', 'answer_versions'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('buttons', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    for table in ('answer_versions', 'answers'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('buttons')
