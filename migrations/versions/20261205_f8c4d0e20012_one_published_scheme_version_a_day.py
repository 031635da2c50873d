"""one published scheme version a day: a partial unique index on scheme_version(scheme_id, effective_from)

Revision ID: f8c4d0e20012
Revises: e7b3c9d10011
Create Date: 2026-12-05 14:00:00.000000+00:00

Two drafts dated the same day could both be published (two publications at once pass the service's check
together). Only published rows are constrained: any number of drafts may share a day.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = 'f8c4d0e20012'
down_revision: Union[str, None] = 'e7b3c9d10011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('uq_scheme_version_published_day', 'scheme_version', ['scheme_id', 'effective_from'],
                    unique=True, sqlite_where=sa.text("state = 'published'"),
                    postgresql_where=sa.text("state = 'published'"))


def downgrade() -> None:
    op.drop_index('uq_scheme_version_published_day', table_name='scheme_version')
