"""publications (公示), their frozen result rows, objections

Revision ID: a2c37e6f0007
Revises: f1b26d5e0006
Create Date: 2026-11-22 04:29:52.000037+00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import portal.db


revision: str = 'a2c37e6f0007'
down_revision: Union[str, None] = 'f1b26d5e0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('bureau_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('scheme_id', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('scheme_version', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('cycle_id', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('cycle_label', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('cycle_start', sa.Date(), nullable=False),
    sa.Column('cycle_end', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('change_note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('left_out', sa.JSON(), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('objection_deadline', sa.Date(), nullable=False),
    sa.Column('published_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('notice_days >= 1', name='ck_publication_notice_days'),
    sa.CheckConstraint('version >= 1', name='ck_publication_version'),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], name='fk_publication_bureau_id'),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name='fk_publication_published_by_id'),
    sa.ForeignKeyConstraint(['supersedes_id'], ['publication.id'], name='fk_publication_supersedes_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bureau_id', 'scheme_id', 'cycle_id', 'version', name='uq_publication_version')
    )
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_bureau_id'), ['bureau_id'], unique=False)

    op.create_table('published_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('approval_id', sa.Integer(), nullable=False),
    sa.Column('operator_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('station_names', sa.JSON(), nullable=False),
    sa.Column('total', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('band', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('consequence', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('timeliness', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['approval_id'], ['sheet_approval.id'], name='fk_published_result_approval_id'),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], name='fk_published_result_bureau_id'),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name='fk_published_result_contract_id'),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], name='fk_published_result_operator_id'),
    sa.ForeignKeyConstraint(['publication_id'], ['publication.id'], name='fk_published_result_publication_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('publication_id', 'contract_id', name='uq_published_result_contract')
    )
    with op.batch_alter_table('published_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_result_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_published_result_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_published_result_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_published_result_publication_id'), ['publication_id'], unique=False)

    op.create_table('objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('target_title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('filed_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('corrected_in_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('open','dismissed','upheld')", name='ck_objection_state'),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name='fk_objection_answered_by_id'),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], name='fk_objection_bureau_id'),
    sa.ForeignKeyConstraint(['corrected_in_id'], ['publication.id'], name='fk_objection_corrected_in_id'),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], name='fk_objection_filed_by_id'),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], name='fk_objection_operator_id'),
    sa.ForeignKeyConstraint(['publication_id'], ['publication.id'], name='fk_objection_publication_id'),
    sa.ForeignKeyConstraint(['result_id'], ['published_result.id'], name='fk_objection_result_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('result_id', 'target', name='uq_objection_target')
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_publication_id'), ['publication_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_result_id'), ['result_id'], unique=False)


    # A published version is frozen in the database too (the ORM refuses as well): no update, no delete.
    message = "a published version is frozen; publish a corrected version instead"
    for table in ("publication", "published_result"):
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"""
                CREATE FUNCTION {table}_frozen() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION '{message}'; END;
                $$ LANGUAGE plpgsql
            """)
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_frozen()")
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_frozen()")
        else:
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{message}'); END")


def downgrade() -> None:
    for table in ("publication", "published_result"):
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_frozen()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_result_id'))
        batch_op.drop_index(batch_op.f('ix_objection_publication_id'))
        batch_op.drop_index(batch_op.f('ix_objection_operator_id'))
        batch_op.drop_index(batch_op.f('ix_objection_bureau_id'))

    op.drop_table('objection')
    with op.batch_alter_table('published_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_result_publication_id'))
        batch_op.drop_index(batch_op.f('ix_published_result_operator_id'))
        batch_op.drop_index(batch_op.f('ix_published_result_contract_id'))
        batch_op.drop_index(batch_op.f('ix_published_result_bureau_id'))

    op.drop_table('published_result')
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_bureau_id'))

    op.drop_table('publication')
