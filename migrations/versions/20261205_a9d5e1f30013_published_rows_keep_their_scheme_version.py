"""published rows keep their scheme version; a publication lists every version its rows used

Revision ID: a9d5e1f30013
Revises: f8c4d0e20012
Create Date: 2026-12-05 14:10:00.000000+00:00

Cycles of one id starting on either side of a mid-year amendment are scored by different versions: each
published row shows the one its approval froze, the publication lists them all. Rows published before keep
"" (and their publication an empty list): their publication's one version is theirs (the tables are frozen,
nothing is backfilled).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = 'a9d5e1f30013'
down_revision: Union[str, None] = 'f8c4d0e20012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('publication', sa.Column('scheme_versions', sa.JSON(), nullable=False,
                                           server_default=sa.text("'[]'")))
    op.add_column('published_result', sa.Column('scheme_version', sqlmodel.sql.sqltypes.AutoString(length=100),
                                                nullable=False, server_default=''))


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN (SQLite >= 3.35): a batch would copy the tables and lose their triggers
    op.drop_column('published_result', 'scheme_version')
    op.drop_column('publication', 'scheme_versions')
