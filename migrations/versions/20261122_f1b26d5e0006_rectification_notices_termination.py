"""rectification notices, termination proposals, termination date

Revision ID: f1b26d5e0006
Revises: e9a15c4d0005
Create Date: 2026-11-22 04:34:06.732563+00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import portal.db


revision: str = 'f1b26d5e0006'
down_revision: Union[str, None] = 'e9a15c4d0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('rectification_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('approval_id', sa.Integer(), nullable=True),
    sa.Column('clause', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('findings', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('report', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('closing_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.CheckConstraint("state IN ('issued','answered','rectified','failed')", name='ck_rectification_notice_state'),
    sa.CheckConstraint('due_on >= issued_on', name='ck_rectification_notice_due'),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['approval_id'], ['sheet_approval.id'], ),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], ),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], ),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rectification_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_notice_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_notice_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_notice_operator_id'), ['operator_id'], unique=False)

    op.create_table('termination_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('clause', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.CheckConstraint("state IN ('proposed','confirmed','declined')", name='ck_termination_proposal_state'),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], ),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['notice_id'], ['rectification_notice.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('termination_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_termination_proposal_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_termination_proposal_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_termination_proposal_operator_id'), ['operator_id'], unique=False)

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terminated_on', sa.Date(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_column('terminated_on')

    with op.batch_alter_table('termination_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_termination_proposal_operator_id'))
        batch_op.drop_index(batch_op.f('ix_termination_proposal_contract_id'))
        batch_op.drop_index(batch_op.f('ix_termination_proposal_bureau_id'))

    op.drop_table('termination_proposal')
    with op.batch_alter_table('rectification_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_notice_operator_id'))
        batch_op.drop_index(batch_op.f('ix_rectification_notice_contract_id'))
        batch_op.drop_index(batch_op.f('ix_rectification_notice_bureau_id'))

    op.drop_table('rectification_notice')
