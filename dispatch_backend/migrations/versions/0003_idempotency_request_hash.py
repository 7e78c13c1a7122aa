"""Remember what an idempotency key was used for, so a different payload under the same key is refused.

Revision ID: 0003_idempotency_request_hash
Revises: 0002_first_contact_index
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_idempotency_request_hash"
down_revision = "0002_first_contact_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: keys stored before this revision have no hash and keep replaying as before.
    op.add_column("dispatch_idempotency_keys", sa.Column("request_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dispatch_idempotency_keys") as batch:
        batch.drop_column("request_hash")
