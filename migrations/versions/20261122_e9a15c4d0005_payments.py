"""payments: append-only rows against a contract's schedule; a correction is a reversing entry

Revision ID: e9a15c4d0005
Revises: a5c71e0f0001
Create Date: 2026-11-22 04:33:52.863004+00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import portal.db


revision: str = 'e9a15c4d0005'
down_revision: Union[str, None] = 'a5c71e0f0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('line_key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('line_label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('amount', portal.db.Money(), nullable=False),
    sa.Column('due_when_recorded', portal.db.Money(), nullable=True),
    sa.Column('approval_id', sa.Integer(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('bank_reference', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', portal.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(reverses_id IS NULL AND amount > 0) OR (reverses_id IS NOT NULL AND amount < 0)', name='ck_payment_sign'),
    sa.ForeignKeyConstraint(['approval_id'], ['sheet_approval.id'], name='fk_payment_approval_id'),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], name='fk_payment_bureau_id'),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name='fk_payment_contract_id'),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], name='fk_payment_operator_id'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name='fk_payment_recorded_by_id'),
    sa.ForeignKeyConstraint(['reverses_id'], ['payment.id'], name='fk_payment_reverses_id'),
    sa.PrimaryKeyConstraint('id', name='pk_payment'),
    sa.UniqueConstraint('reverses_id', name='uq_payment_reverses')
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_operator_id'), ['operator_id'], unique=False)

    # Payments are append-only in the database too (the ORM refuses as well): no update, no delete.
    message = "payments are append-only; record a reversing entry with a reason"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION payment_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{message}'; END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER payment_no_update BEFORE UPDATE ON payment "
                   "FOR EACH ROW EXECUTE FUNCTION payment_append_only()")
        op.execute("CREATE TRIGGER payment_no_delete BEFORE DELETE ON payment "
                   "FOR EACH ROW EXECUTE FUNCTION payment_append_only()")
    else:
        op.execute(f"CREATE TRIGGER payment_no_update BEFORE UPDATE ON payment "
                   f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
        op.execute(f"CREATE TRIGGER payment_no_delete BEFORE DELETE ON payment "
                   f"BEGIN SELECT RAISE(ABORT, '{message}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS payment_no_update ON payment")
        op.execute("DROP TRIGGER IF EXISTS payment_no_delete ON payment")
        op.execute("DROP FUNCTION IF EXISTS payment_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS payment_no_update")
        op.execute("DROP TRIGGER IF EXISTS payment_no_delete")
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_operator_id'))
        batch_op.drop_index(batch_op.f('ix_payment_contract_id'))
        batch_op.drop_index(batch_op.f('ix_payment_bureau_id'))

    op.drop_table('payment')
