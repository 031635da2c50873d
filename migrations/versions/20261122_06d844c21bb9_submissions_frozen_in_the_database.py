"""submissions frozen in the database

Revision ID: 06d844c21bb9
Revises: 2d77cad82162
Create Date: 2026-11-22 03:20:06.212155+00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import portal.db


revision: str = '06d844c21bb9'
down_revision: Union[str, None] = '2d77cad82162'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


# What was submitted cannot change, in the database itself (the ORM refuses too): only the review
# columns (state, review_reason, reviewed_at, reviewed_by_id) may be updated, and nothing is deleted.
FROZEN = ("contract_id", "bureau_id", "operator_id", "obligation_key", "period_key", "due_at", "version",
          "submitted_at", "submitted_by_id", "figures", "narrative")


def upgrade() -> None:
    columns = ", ".join(FROZEN)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION submission_frozen() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'submission content is frozen once submitted; submit a new version'; END;
            $$ LANGUAGE plpgsql
        """)
        op.execute(f"CREATE TRIGGER submission_no_content_update BEFORE UPDATE OF {columns} ON submission "
                   "FOR EACH ROW EXECUTE FUNCTION submission_frozen()")
        op.execute("CREATE TRIGGER submission_no_delete BEFORE DELETE ON submission "
                   "FOR EACH ROW EXECUTE FUNCTION submission_frozen()")
    else:
        op.execute(f"CREATE TRIGGER submission_no_content_update BEFORE UPDATE OF {columns} ON submission "
                   "BEGIN SELECT RAISE(ABORT, 'submission content is frozen once submitted; submit a new version'); END")
        op.execute("CREATE TRIGGER submission_no_delete BEFORE DELETE ON submission "
                   "BEGIN SELECT RAISE(ABORT, 'submission content is frozen once submitted; submit a new version'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS submission_no_content_update ON submission")
        op.execute("DROP TRIGGER IF EXISTS submission_no_delete ON submission")
        op.execute("DROP FUNCTION IF EXISTS submission_frozen()")
    else:
        op.execute("DROP TRIGGER IF EXISTS submission_no_content_update")
        op.execute("DROP TRIGGER IF EXISTS submission_no_delete")
