"""Index open orders by first-contact deadline (cheap overdue checks).

Revision ID: 0002_first_contact_index
Revises: 0001_initial
Create Date: 2026-11-27
"""

from alembic import op

revision = "0002_first_contact_index"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dispatch_open_contact_due", "dispatch_work_orders", ["status", "overdue", "first_contact_due"])


def downgrade() -> None:
    op.drop_index("ix_dispatch_open_contact_due", table_name="dispatch_work_orders")
