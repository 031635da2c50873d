"""station applications, their rosters, one-off station subsidies, cancelled qualifications (seed 001)

Revision ID: b6d82f1a0002
Revises: d8f04b3c0004
Create Date: 2026-11-22 04:21:16.917749+00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import portal.db


revision: str = 'b6d82f1a0002'
down_revision: Union[str, None] = 'd8f04b3c0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('qualification_cancellation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('ground', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('cancelled_on', sa.Date(), nullable=False),
    sa.Column('may_apply_from', sa.Date(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('may_apply_from > cancelled_on', name='ck_qualification_cancellation_ban'),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('station_id', name='uq_qualification_cancellation_station')
    )
    with op.batch_alter_table('qualification_cancellation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qualification_cancellation_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qualification_cancellation_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qualification_cancellation_station_id'), ['station_id'], unique=False)

    op.create_table('station_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('station_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('cooperation_region', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('applicant_head', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('applicant_phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('partner_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('partner_head', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('partner_phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('remote_office', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('liaison_person', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('required_staff', sa.Integer(), nullable=False),
    sa.Column('agreement', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('term_until', sa.Date(), nullable=False),
    sa.Column('introduction', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('commitment', sa.Boolean(), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('materials_note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('roster_state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('roster_filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('roster_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('roster_uploaded_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('roster_total_rows', sa.Integer(), nullable=False),
    sa.Column('roster_count', sa.Integer(), nullable=False),
    sa.Column('roster_error_count', sa.Integer(), nullable=False),
    sa.Column('roster_summary', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('roster_errors', sa.JSON(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('review_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('reviewed_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('decided_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("roster_state IN ('none','accepted','rejected')", name='ck_station_application_roster'),
    sa.CheckConstraint("state IN ('draft','submitted','returned','first_review_passed','approved','rejected')", name='ck_station_application_state'),
    sa.CheckConstraint('required_staff >= 0', name='ck_station_application_staff'),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('station_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_application_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_station_application_operator_id'), ['operator_id'], unique=False)

    op.create_table('application_worker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('resident_id', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('household_registration', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('employer', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('hire_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['station_application.id'], ),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'resident_id', name='uq_application_worker')
    )
    with op.batch_alter_table('application_worker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_worker_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_worker_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_worker_operator_id'), ['operator_id'], unique=False)

    op.create_table('station_subsidy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('amount', portal.db.Money(), nullable=False),
    sa.Column('scheme_id', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('clause', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('new_station','excellent_station')", name='ck_station_subsidy_kind'),
    sa.CheckConstraint('amount >= 0', name='ck_station_subsidy_amount'),
    sa.ForeignKeyConstraint(['application_id'], ['station_application.id'], ),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('station_id', 'kind', name='uq_station_subsidy_kind')
    )
    with op.batch_alter_table('station_subsidy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_subsidy_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_station_subsidy_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_station_subsidy_station_id'), ['station_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('station_subsidy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_subsidy_station_id'))
        batch_op.drop_index(batch_op.f('ix_station_subsidy_operator_id'))
        batch_op.drop_index(batch_op.f('ix_station_subsidy_bureau_id'))

    op.drop_table('station_subsidy')
    with op.batch_alter_table('application_worker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_worker_operator_id'))
        batch_op.drop_index(batch_op.f('ix_application_worker_bureau_id'))
        batch_op.drop_index(batch_op.f('ix_application_worker_application_id'))

    op.drop_table('application_worker')
    with op.batch_alter_table('station_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_application_operator_id'))
        batch_op.drop_index(batch_op.f('ix_station_application_bureau_id'))

    op.drop_table('station_application')
    with op.batch_alter_table('qualification_cancellation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qualification_cancellation_station_id'))
        batch_op.drop_index(batch_op.f('ix_qualification_cancellation_operator_id'))
        batch_op.drop_index(batch_op.f('ix_qualification_cancellation_bureau_id'))

    op.drop_table('qualification_cancellation')
