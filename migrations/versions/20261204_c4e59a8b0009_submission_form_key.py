"""a submission remembers the form it came from, so the same form sent twice is stored once

Revision ID: c4e59a8b0009
Revises: b3d48f7a0008
Create Date: 2026-12-04 18:00:00.000000+00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = 'c4e59a8b0009'
down_revision: Union[str, None] = 'b3d48f7a0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE INDEX, no batch mode: rebuilding the table on SQLite would drop the triggers
    # that keep submitted content frozen. Earlier rows have no key (NULLs never collide).
    op.add_column('submission', sa.Column('form_key', sa.String(length=32), nullable=True))
    op.create_index('uq_submission_form_key', 'submission', ['contract_id', 'form_key'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_submission_form_key', table_name='submission')
    # ALTER TABLE … DROP COLUMN on both (SQLite >= 3.35): batch mode would rebuild the table without its triggers.
    op.execute("ALTER TABLE submission DROP COLUMN form_key")
