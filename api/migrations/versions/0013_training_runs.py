"""teaching: training runs, their quality gate, and the live model

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 18:31:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('training_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=200), nullable=False),
    sa.Column('percent', sa.Float(), nullable=False),
    sa.Column('seconds_left', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('examples', sa.Integer(), nullable=False),
    sa.Column('model_file', sa.String(length=200), nullable=False),
    sa.Column('gate', sa.JSON(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('is_live', sa.Boolean(), nullable=False),
    sa.Column('went_live_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaced_run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['replaced_run_id'], ['training_runs.id'],
                            name=op.f('fk_training_runs_replaced_run_id_training_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['started_by_id'], ['staff_users.id'],
                            name=op.f('fk_training_runs_started_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_runs'))
    )
    op.create_index(op.f('ix_training_runs_status'), 'training_runs', ['status'], unique=False)
    op.create_index(op.f('ix_training_runs_is_live'), 'training_runs', ['is_live'], unique=False)


def downgrade() -> None:
    op.drop_table('training_runs')
