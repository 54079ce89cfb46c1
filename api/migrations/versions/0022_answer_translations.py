"""answer_translations: an answer's words in another language, with who checked them; referrals.language: the language the family wrote in

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'answer_translations',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('answer_id', sa.Integer(), sa.ForeignKey('answers.id', ondelete='CASCADE'), nullable=False),
        sa.Column('language', sa.String(8), nullable=False),
        sa.Column('sms_text', sa.Text(), nullable=False),
        sa.Column('web_text', sa.Text(), nullable=False),
        sa.Column('checked_by', sa.String(200), nullable=False),
        sa.Column('source_hash', sa.String(64), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(120), nullable=False),
        sa.UniqueConstraint('answer_id', 'language'),
    )
    op.create_index('ix_answer_translations_answer_id', 'answer_translations', ['answer_id'])
    with op.batch_alter_table('referrals') as batch:
        batch.add_column(sa.Column('language', sa.String(8), nullable=False, server_default='en'))


def downgrade() -> None:
    with op.batch_alter_table('referrals') as batch:
        batch.drop_column('language')
    op.drop_index('ix_answer_translations_answer_id', 'answer_translations')
    op.drop_table('answer_translations')
