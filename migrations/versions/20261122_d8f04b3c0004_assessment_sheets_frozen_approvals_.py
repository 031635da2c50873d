"""assessment sheets, frozen approvals, waiver proposals

Revision ID: d8f04b3c0004
Revises: 06d844c21bb9
Create Date: 2026-11-22 04:20:25.677067+00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import portal.db


revision: str = 'd8f04b3c0004'
down_revision: Union[str, None] = '06d844c21bb9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('assessment_sheet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('cycle_label', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('cycle_start', sa.Date(), nullable=False),
    sa.Column('cycle_end', sa.Date(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('reopen_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("state IN ('draft','submitted','approved')", name='ck_assessment_sheet_state'),
    sa.CheckConstraint('revision >= 1', name='ck_assessment_sheet_revision'),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], ),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('contract_id', 'cycle_id', name='uq_assessment_sheet_cycle')
    )
    with op.batch_alter_table('assessment_sheet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_sheet_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_sheet_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_sheet_operator_id'), ['operator_id'], unique=False)

    op.create_table('sheet_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('scheme_id', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('scheme_version', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('scheme_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('total', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('payment_ratio', sa.Numeric(precision=6, scale=4), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=False),
    sa.Column('approved_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], ),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.ForeignKeyConstraint(['sheet_id'], ['assessment_sheet.id'], ),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sheet_id', 'number', name='uq_sheet_approval_number')
    )
    with op.batch_alter_table('sheet_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sheet_approval_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sheet_approval_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sheet_approval_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sheet_approval_sheet_id'), ['sheet_id'], unique=False)

    with op.batch_alter_table('violation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiver_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('waiver_proposed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('waiver_proposed_at', portal.db.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key('fk_violation_waiver_proposed_by', 'user_account', ['waiver_proposed_by_id'], ['id'])

    with op.batch_alter_table('violation', schema=None) as batch_op:
        batch_op.alter_column('waiver_reason', server_default=None)

    # An approval is frozen in the database too (the ORM refuses as well): no update, no delete.
    message = "an approved sheet is frozen; reopen the assessment and approve again"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION sheet_approval_frozen() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{message}'; END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER sheet_approval_no_update BEFORE UPDATE ON sheet_approval "
                   "FOR EACH ROW EXECUTE FUNCTION sheet_approval_frozen()")
        op.execute("CREATE TRIGGER sheet_approval_no_delete BEFORE DELETE ON sheet_approval "
                   "FOR EACH ROW EXECUTE FUNCTION sheet_approval_frozen()")
    else:
        op.execute(f"CREATE TRIGGER sheet_approval_no_update BEFORE UPDATE ON sheet_approval "
                   f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
        op.execute(f"CREATE TRIGGER sheet_approval_no_delete BEFORE DELETE ON sheet_approval "
                   f"BEGIN SELECT RAISE(ABORT, '{message}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sheet_approval_no_update ON sheet_approval")
        op.execute("DROP TRIGGER IF EXISTS sheet_approval_no_delete ON sheet_approval")
        op.execute("DROP FUNCTION IF EXISTS sheet_approval_frozen()")
    else:
        op.execute("DROP TRIGGER IF EXISTS sheet_approval_no_update")
        op.execute("DROP TRIGGER IF EXISTS sheet_approval_no_delete")
    with op.batch_alter_table('violation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_violation_waiver_proposed_by', type_='foreignkey')
        batch_op.drop_column('waiver_proposed_at')
        batch_op.drop_column('waiver_proposed_by_id')
        batch_op.drop_column('waiver_reason')

    with op.batch_alter_table('sheet_approval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sheet_approval_sheet_id'))
        batch_op.drop_index(batch_op.f('ix_sheet_approval_operator_id'))
        batch_op.drop_index(batch_op.f('ix_sheet_approval_contract_id'))
        batch_op.drop_index(batch_op.f('ix_sheet_approval_bureau_id'))

    op.drop_table('sheet_approval')
    with op.batch_alter_table('assessment_sheet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_sheet_operator_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_sheet_contract_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_sheet_bureau_id'))

    op.drop_table('assessment_sheet')
