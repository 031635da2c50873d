"""one decision once: one-time form tokens, one setup subsidy per station application

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


def downgrade() -> None:
    with op.batch_alter_table('station_subsidy', schema=None) as batch_op:
        batch_op.drop_constraint('uq_station_subsidy_application', type_='unique')
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submission_user_id'))
    op.drop_table('form_submission')
