"""Initial dispatch schema: work orders, notes, idempotency keys, counters.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispatch_work_orders",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("service_request_id", sa.String(32), unique=True),
        sa.Column("service_code", sa.String(64), nullable=False, index=True),
        sa.Column("appeal_type", sa.String(16), nullable=False),
        sa.Column("category", sa.String(200), nullable=False),
        sa.Column("department", sa.String(64), nullable=False, index=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("status", sa.String(8), nullable=False, index=True),
        sa.Column("status_notes", sa.Text),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("address_id", sa.String(128)),
        sa.Column("lat", sa.Float),
        sa.Column("long", sa.Float),
        sa.Column("media_url", sa.Text),
        sa.Column("attachments", sa.JSON, nullable=False),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("phone", sa.String(40), index=True),
        sa.Column("email", sa.String(200)),
        sa.Column("account_id", sa.String(128)),
        sa.Column("device_id", sa.String(128)),
        sa.Column("channel", sa.String(32)),
        sa.Column("channel_user_id", sa.String(128)),
        sa.Column("callback_consent", sa.Boolean, nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("deadline_class", sa.String(16), nullable=False),
        sa.Column("reminder_count", sa.Integer, nullable=False),
        sa.Column("supervised", sa.Boolean, nullable=False),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("requested_at", sa.DateTime, nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("first_contact_due", sa.DateTime, nullable=False),
        sa.Column("first_contacted_at", sa.DateTime),
        sa.Column("expected_at", sa.DateTime, nullable=False),
        sa.Column("closed_at", sa.DateTime),
        sa.Column("closed_on_time", sa.Boolean),
        sa.Column("survey_resolved", sa.Boolean),
        sa.Column("survey_satisfaction", sa.String(8)),
        sa.Column("survey_comment", sa.Text),
        sa.Column("survey_at", sa.DateTime),
        sa.Column("reopen_count", sa.Integer, nullable=False),
        sa.Column("change_seq", sa.BigInteger, nullable=False, index=True),
    )
    op.create_index("ix_dispatch_open_due", "dispatch_work_orders", ["status", "overdue", "expected_at"])
    op.create_index("ix_dispatch_contact", "dispatch_work_orders", ["channel", "channel_user_id"])
    op.create_table(
        "dispatch_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("dispatch_work_orders.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_table(
        "dispatch_idempotency_keys",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("dispatch_work_orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "dispatch_counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(sa.table("dispatch_counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger)),
                   [{"name": "changes", "value": 0}])


def downgrade() -> None:
    op.drop_table("dispatch_idempotency_keys")
    op.drop_table("dispatch_notes")
    op.drop_table("dispatch_work_orders")
    op.drop_table("dispatch_counters")
