"""referrals: postcode district for figures, planned endings (outcome), the family's feedback, safeguarding escalations, requests from partners; manager and partner roles

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 18:30:00
"""
from datetime import timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('front_door', 'worker', 'comms', 'admin')"
LONDON = ZoneInfo('Europe/London')
FIGURE_COLUMNS = ['created_on', 'hub_id', 'postcode_district', 'out_of_hours', 'status', 'outcome', 'topics_key',
                  'created_at', 'contacted_at', 'contact_by']
NEW_ROLES = "role IN ('front_door', 'worker', 'comms', 'admin', 'manager', 'partner')"


def _roles(check: str) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite keeps the CHECK in the table's SQL: batch mode makes the
        # table again, without the old one and with the new one.
        with op.batch_alter_table('staff_users', recreate='always') as batch:
            batch.drop_constraint(op.f('ck_staff_users_role'), type_='check')
            batch.create_check_constraint(op.f('ck_staff_users_role'), check)
    else:
        op.drop_constraint(op.f('ck_staff_users_role'), 'staff_users', type_='check')
        op.create_check_constraint(op.f('ck_staff_users_role'), 'staff_users', check)


def upgrade() -> None:
    _roles(NEW_ROLES)
    with op.batch_alter_table('staff_users') as batch:
        batch.add_column(sa.Column('organisation', sa.String(200), nullable=True))
    with op.batch_alter_table('referrals') as batch:
        batch.add_column(sa.Column('outcome', sa.String(30), nullable=True))
        batch.add_column(sa.Column('postcode_district', sa.String(8), nullable=True))
        batch.add_column(sa.Column('created_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('topics_key', sa.String(700), nullable=True))
        batch.add_column(sa.Column('out_of_hours', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('outcome_service', sa.String(200), nullable=True))
        batch.add_column(sa.Column('feedback_asked_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('feedback_score', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('feedback_words', sa.Text(), nullable=True))
        batch.add_column(sa.Column('feedback_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('partner_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('partner_organisation', sa.String(200), nullable=True))
        batch.add_column(sa.Column('partner_consent', sa.Text(), nullable=True))
        batch.create_foreign_key('fk_referrals_partner_id_staff_users', 'staff_users', ['partner_id'], ['id'],
                                 ondelete='SET NULL')
    op.create_index('ix_referrals_partner_id', 'referrals', ['partner_id'])
    # The London day each request came in, for figures by day and week.
    referrals = sa.table('referrals', sa.column('id', sa.Integer), sa.column('created_at', sa.DateTime(timezone=True)),
                         sa.column('created_on', sa.Date), sa.column('topics', sa.JSON),
                         sa.column('topics_key', sa.String))
    connection = op.get_bind()
    for row_id, created_at, topics in connection.execute(
            sa.select(referrals.c.id, referrals.c.created_at, referrals.c.topics)).all():
        moment = created_at if created_at.tzinfo else created_at.replace(tzinfo=timezone.utc)
        connection.execute(referrals.update().where(referrals.c.id == row_id)
                           .values(created_on=moment.astimezone(LONDON).date(), topics_key=','.join(topics or [])))
    # Covering index for managers' figures: a year is counted from the index
    # alone, never reading the wide rows (encrypted words, transcripts).
    op.create_index('ix_referrals_figures', 'referrals', FIGURE_COLUMNS)
    op.create_index('ix_referrals_feedback', 'referrals', ['feedback_at', 'feedback_score', 'hub_id'])
    op.create_index('ix_referrals_created_at', 'referrals', ['created_at'])
    op.create_table(
        'referral_escalations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('passed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('passed_to', sa.String(40), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_escalations_referral_id_referrals'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_referral_escalations_staff_id_staff_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_escalations')),
    )
    op.create_index('ix_referral_escalations_referral_id', 'referral_escalations', ['referral_id'])


def downgrade() -> None:
    op.drop_index('ix_referral_escalations_referral_id', 'referral_escalations')
    op.drop_table('referral_escalations')
    op.drop_index('ix_referrals_feedback', 'referrals')
    op.drop_index('ix_referrals_figures', 'referrals')
    op.drop_index('ix_referrals_created_at', 'referrals')
    op.drop_index('ix_referrals_partner_id', 'referrals')
    with op.batch_alter_table('referrals') as batch:
        batch.drop_constraint('fk_referrals_partner_id_staff_users', type_='foreignkey')
        for column in ('partner_consent', 'partner_organisation', 'partner_id', 'escalated_at', 'feedback_at',
                       'feedback_words', 'feedback_score', 'feedback_asked_at', 'outcome_service', 'postcode_district',
                       'created_on', 'topics_key', 'out_of_hours', 'outcome'):
            batch.drop_column(column)
    with op.batch_alter_table('staff_users') as batch:
        batch.drop_column('organisation')
    _roles(OLD_ROLES)
