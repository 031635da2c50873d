"""an objection names its result's contract, so its evidence files are owned like any other

Revision ID: b3d48f7a0008
Revises: a2c37e6f0007
Create Date: 2026-12-02 07:00:00.000000+00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = 'b3d48f7a0008'
down_revision: Union[str, None] = 'a2c37e6f0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_id', sa.Integer(), nullable=True))
    # Objections filed before this revision take their result's contract (published_result.contract_id).
    op.execute("UPDATE objection SET contract_id = (SELECT published_result.contract_id FROM published_result "
               "WHERE published_result.id = objection.result_id)")
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.alter_column('contract_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_objection_contract_id', 'contract', ['contract_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_objection_contract_id'), ['contract_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_contract_id'))
        batch_op.drop_constraint('fk_objection_contract_id', type_='foreignkey')
        batch_op.drop_column('contract_id')
