"""submission form token: a report form posted twice is one version

Revision ID: d6a2b4c80010
Revises: c5f19a3d0009
Create Date: 2026-12-04 18:30:00.000000+00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = 'd6a2b4c80010'
down_revision: Union[str, None] = 'c5f19a3d0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # A plain column and index (no batch copy on SQLite: that would drop the table's freezing triggers).
    op.add_column('submission', sa.Column('form_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.create_index('ix_submission_form_token', 'submission', ['form_token'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_submission_form_token', table_name='submission')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('form_token')
