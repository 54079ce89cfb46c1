"""Open Referral UK: services read from a council's feed, each import run, and
the link from hubs and hub sessions to the feed's ids (retired, never deleted)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oruk_services',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('organization_id', sa.String(length=200), nullable=True),
    sa.Column('last_modified', sa.String(length=40), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('postcodes', sa.JSON(), nullable=False),
    sa.Column('taxonomy_term_ids', sa.JSON(), nullable=False),
    sa.Column('needs_review', sa.JSON(), nullable=False),
    sa.Column('retired', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('hub_session_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hub_session_id'], ['hub_sessions.id'],
                            name=op.f('fk_oruk_services_hub_session_id_hub_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oruk_services'))
    )
    op.create_index(op.f('ix_oruk_services_retired'), 'oruk_services', ['retired'])
    op.create_table('oruk_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('read_count', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('retired', sa.Integer(), nullable=False),
    sa.Column('refused', sa.JSON(), nullable=False),
    sa.Column('to_review', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oruk_imports'))
    )
    # Plain ADD COLUMN and unique indexes: on SQLite a unique constraint
    # would make alembic copy the hubs table, which other tables point at.
    op.add_column('hubs', sa.Column('oruk_location_id', sa.String(length=200), nullable=True))
    op.create_index(op.f('ix_hubs_oruk_location_id'), 'hubs', ['oruk_location_id'], unique=True)
    op.add_column('hub_sessions', sa.Column('oruk_id', sa.String(length=200), nullable=True))
    op.add_column('hub_sessions', sa.Column('retired', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(op.f('ix_hub_sessions_oruk_id'), 'hub_sessions', ['oruk_id'], unique=True)

def downgrade() -> None:
    op.drop_index(op.f('ix_hub_sessions_oruk_id'), table_name='hub_sessions')
    with op.batch_alter_table('hub_sessions') as batch:
        batch.drop_column('retired')
        batch.drop_column('oruk_id')
    op.drop_index(op.f('ix_hubs_oruk_location_id'), table_name='hubs')
    with op.batch_alter_table('hubs') as batch:
        batch.drop_column('oruk_location_id')
    op.drop_table('oruk_imports')
    op.drop_index(op.f('ix_oruk_services_retired'), table_name='oruk_services')
    op.drop_table('oruk_services')
