"""scheme versions: schemes as immutable, dated documents the portal keeps

Revision ID: e7b3c9d10011
Revises: d6a2b4c80010
Create Date: 2026-12-05 09:00:00.000000+00:00

The six shipped schemes are stored as their first published versions after every migration
(portal.cli.upgrade_database -> portal.schemes.services.install_shipped), not here: a migration stays the
same forever, the shipped files do not.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import portal.db


revision: str = 'e7b3c9d10011'
down_revision: Union[str, None] = 'd6a2b4c80010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

MESSAGE = "a published scheme version is frozen; upload a new version instead"


def upgrade() -> None:
    op.create_table(
        'scheme_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scheme_id', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('document', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('cases_text', sa.Text(), nullable=False),
        sa.Column('cases_file_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('cases_passed', sa.Boolean(), nullable=False),
        sa.Column('bureau_id', sa.Integer(), nullable=True),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', portal.db.UTCDateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', portal.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint("state IN ('draft','published')", name='ck_scheme_version_state'),
        sa.CheckConstraint("state = 'draft' OR published_at IS NOT NULL", name='ck_scheme_version_published_at'),
        sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id']),
        sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('scheme_id', 'version', name='uq_scheme_version_label'),
        sa.UniqueConstraint('sha256', name='uq_scheme_version_sha256'),
    )
    op.create_index('ix_scheme_version_scheme_id', 'scheme_version', ['scheme_id'], unique=False)
    op.create_index('ix_scheme_version_bureau_id', 'scheme_version', ['bureau_id'], unique=False)

    # Frozen in the database too (the ORM refuses as well): a published version is never updated or deleted;
    # a draft changes only by being published (its text, sha256, label, date and owner never change).
    changed = " OR ".join(f"NEW.{c} <> OLD.{c}"
                          for c in ("scheme_id", "version", "effective_from", "sha256", "text", "cases_text",
                                    "file_name"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION scheme_version_frozen() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                IF OLD.state = 'published' THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
                RETURN OLD;
              END IF;
              IF OLD.state = 'published' OR {changed}
                 OR NEW.bureau_id IS DISTINCT FROM OLD.bureau_id THEN
                RAISE EXCEPTION '{MESSAGE}';
              END IF;
              RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER scheme_version_frozen BEFORE UPDATE OR DELETE ON scheme_version "
                   "FOR EACH ROW EXECUTE FUNCTION scheme_version_frozen()")
    else:
        op.execute(f"CREATE TRIGGER scheme_version_no_update BEFORE UPDATE ON scheme_version "
                   f"WHEN OLD.state = 'published' OR {changed} OR NEW.bureau_id IS NOT OLD.bureau_id "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
        op.execute(f"CREATE TRIGGER scheme_version_no_delete BEFORE DELETE ON scheme_version "
                   f"WHEN OLD.state = 'published' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS scheme_version_frozen ON scheme_version")
        op.execute("DROP FUNCTION IF EXISTS scheme_version_frozen()")
    else:
        op.execute("DROP TRIGGER IF EXISTS scheme_version_no_update")
        op.execute("DROP TRIGGER IF EXISTS scheme_version_no_delete")
    op.drop_index('ix_scheme_version_bureau_id', table_name='scheme_version')
    op.drop_index('ix_scheme_version_scheme_id', table_name='scheme_version')
    op.drop_table('scheme_version')
