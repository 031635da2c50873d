"""one decision once: one-time form tokens, one setup subsidy per station application, a credit grading
recorded once with who recorded it

Revision ID: c4e5f6a70009
Revises: b3d48f7a0008
Create Date: 2026-12-04 18:00:00.000000+00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import portal.db


revision: str = 'c4e5f6a70009'
down_revision: Union[str, None] = 'b3d48f7a0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'form_submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('at', portal.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name='fk_form_submission_user_id'),
        sa.PrimaryKeyConstraint('id', name='pk_form_submission'),
        sa.UniqueConstraint('token'),
    )
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_submission_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('station_subsidy', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_station_subsidy_application', ['application_id'])
    with op.batch_alter_table('credit_grade', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recorded_by_bureau_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_credit_grade_recorded_by_id', 'user_account', ['recorded_by_id'], ['id'])
        batch_op.create_foreign_key('fk_credit_grade_recorded_by_bureau_id', 'bureau', ['recorded_by_bureau_id'],
                                    ['id'])
        batch_op.create_unique_constraint('uq_credit_grade_once', ['operator_id', 'kind', 'given_on'])


def downgrade() -> None:
    with op.batch_alter_table('credit_grade', schema=None) as batch_op:
        batch_op.drop_constraint('uq_credit_grade_once', type_='unique')
        batch_op.drop_constraint('fk_credit_grade_recorded_by_bureau_id', type_='foreignkey')
        batch_op.drop_constraint('fk_credit_grade_recorded_by_id', type_='foreignkey')
        batch_op.drop_column('recorded_by_bureau_id')
        batch_op.drop_column('recorded_by_id')
    with op.batch_alter_table('station_subsidy', schema=None) as batch_op:
        batch_op.drop_constraint('uq_station_subsidy_application', type_='unique')
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submission_user_id'))
    op.drop_table('form_submission')
