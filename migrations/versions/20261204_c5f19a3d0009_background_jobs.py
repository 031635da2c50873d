"""background jobs: ledger uploads queue, claim and keep their file; outbox mails are claimed, carry a
Message-ID and can be dead; PDF exports rendered by the consumer

Revision ID: c5f19a3d0009
Revises: c4e5f6a70009
Create Date: 2026-12-04 18:00:00.000000+00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

import portal.db


revision: str = 'c5f19a3d0009'
down_revision: Union[str, None] = 'c4e5f6a70009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('export_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('finished_at', portal.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("state IN ('queued','done','failed')", name='ck_export_file_state'),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureau.id'], ),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('export_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_file_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_file_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_file_operator_id'), ['operator_id'], unique=False)
    op.create_table('ledger_upload_file',
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['upload_id'], ['ledger_upload.id'], ),
    sa.PrimaryKeyConstraint('upload_id')
    )
    with op.batch_alter_table('ledger_upload', schema=None) as batch_op:
        batch_op.drop_constraint('ck_ledger_upload_state', type_='check')
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('lease_until', portal.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('queue_seen_at', portal.db.UTCDateTime(), nullable=True))
    # Uploads left 'checking' by a web worker's thread have no stored file: they fail, with a word why.
    op.execute("UPDATE ledger_upload SET state = 'failed', summary = '检查被中断（服务重启），未接收任何数据。请重新上传。' "
               "WHERE state = 'processing'")
    op.execute("UPDATE ledger_upload SET queue_seen_at = uploaded_at")
    with op.batch_alter_table('ledger_upload', schema=None) as batch_op:
        batch_op.alter_column('queue_seen_at', existing_type=portal.db.UTCDateTime(), nullable=False)
        batch_op.alter_column('attempts', server_default=None)
        batch_op.alter_column('claimed_by', server_default=None)
        batch_op.create_check_constraint('ck_ledger_upload_state',
                                         "state IN ('queued','processing','accepted','rejected','failed')")
        batch_op.create_index(batch_op.f('ix_ledger_upload_state'), ['state'], unique=False)
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('claimed_until', portal.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('dead_at', portal.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.alter_column('message_id', server_default=None)
        batch_op.alter_column('claimed_by', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_column('dead_at')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('message_id')
    op.execute("UPDATE ledger_upload SET state = 'rejected' WHERE state IN ('queued', 'processing', 'failed')")
    with op.batch_alter_table('ledger_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_upload_state'))
        batch_op.drop_constraint('ck_ledger_upload_state', type_='check')
        batch_op.create_check_constraint('ck_ledger_upload_state', "state IN ('processing','accepted','rejected')")
        batch_op.drop_column('queue_seen_at')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('attempts')
    op.drop_table('ledger_upload_file')
    op.drop_table('export_file')
