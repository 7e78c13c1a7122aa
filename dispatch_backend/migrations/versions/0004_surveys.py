"""Keep every satisfaction survey (回访), one per closure, instead of overwriting the order's single survey.

The ``survey_*`` columns of ``dispatch_work_orders`` stay and hold the latest survey. The data step copies them
into ``dispatch_surveys``, and also brings back the earlier surveys that later ones overwrote: every survey left a
``callback_done`` note ("回访：问题已解决，满意。<comment>", the comment cut to 500 characters), so an initial
不满意 that a later survey replaced is restored and counted by the 满意率 again. A survey answers the closure
numbered by the ``closed`` notes written before its ``callback_done`` note.

Revision ID: 0004_surveys
Revises: 0003_idempotency_request_hash
Create Date: 2026-12-02
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004_surveys"
down_revision = "0003_idempotency_request_hash"
branch_labels = None
depends_on = None

_NOTE = re.compile(r"回访：问题(已|未)解决，(满意|基本满意|不满意)。(.*)", re.DOTALL)
_BOT = "热线机器人"


def upgrade() -> None:
    op.create_table(
        "dispatch_surveys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("dispatch_work_orders.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("closure", sa.Integer, nullable=False),
        sa.Column("resolved", sa.Boolean, nullable=False),
        sa.Column("satisfaction", sa.String(8), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.UniqueConstraint("order_id", "closure", name="uq_dispatch_surveys_order_closure"),
    )
    _copy_surveys()


def _copy_surveys() -> None:
    """One row per surveyed closure of every order that has a survey."""
    bind = op.get_bind()
    orders = sa.table("dispatch_work_orders", sa.column("id", sa.Integer), sa.column("survey_resolved", sa.Boolean),
                      sa.column("survey_satisfaction", sa.String), sa.column("survey_comment", sa.Text),
                      sa.column("survey_at", sa.DateTime))
    notes = sa.table("dispatch_notes", sa.column("id", sa.Integer), sa.column("order_id", sa.Integer),
                     sa.column("at", sa.DateTime), sa.column("actor", sa.String), sa.column("kind", sa.String),
                     sa.column("text", sa.Text))
    surveys = sa.table("dispatch_surveys", sa.column("order_id", sa.Integer), sa.column("closure", sa.Integer),
                       sa.column("resolved", sa.Boolean), sa.column("satisfaction", sa.String),
                       sa.column("comment", sa.Text), sa.column("recorded_at", sa.DateTime),
                       sa.column("actor", sa.String))
    latest = {row.id: row for row in bind.execute(
        sa.select(orders.c.id, orders.c.survey_resolved, orders.c.survey_satisfaction, orders.c.survey_comment,
                  orders.c.survey_at).where(orders.c.survey_at.is_not(None)))}
    if not latest:
        return
    surveyed = sa.select(orders.c.id).where(orders.c.survey_at.is_not(None))
    history = bind.execute(
        sa.select(notes.c.order_id, notes.c.at, notes.c.actor, notes.c.kind, notes.c.text)
        .where(notes.c.kind.in_(("closed", "callback_done")), notes.c.order_id.in_(surveyed))
        .order_by(notes.c.order_id, notes.c.id)
        .execution_options(stream_results=True)
    )
    rows: dict[int, dict[int, dict[str, Any]]] = {}  # order id → closure → survey
    closures: dict[int, int] = {}  # order id → closures so far
    last: dict[int, tuple[int, str]] = {}  # order id → (closure, actor) of its newest callback_done note
    for note in history:
        if note.kind == "closed":
            closures[note.order_id] = closures.get(note.order_id, 0) + 1
            continue
        closure = max(closures.get(note.order_id, 0), 1)
        last[note.order_id] = (closure, note.actor)
        found = _NOTE.fullmatch(note.text)
        if found is None:  # not written by record_survey: the latest survey below still gets its row
            continue
        rows.setdefault(note.order_id, {})[closure] = {
            "order_id": note.order_id, "closure": closure, "resolved": found.group(1) == "已",
            "satisfaction": found.group(2), "comment": found.group(3), "recorded_at": note.at, "actor": note.actor,
        }
    for order_id, order in latest.items():
        answered = rows.setdefault(order_id, {})
        # The columns hold the newest survey (with its whole comment): the closure of the newest callback_done
        # note, or the order's last closure when it has none.
        closure, actor = last.get(order_id, (max(closures.get(order_id, 0), 1), _BOT))
        answered[closure] = {
            "order_id": order_id, "closure": closure, "resolved": bool(order.survey_resolved),
            "satisfaction": order.survey_satisfaction or "", "comment": order.survey_comment or "",
            "recorded_at": order.survey_at, "actor": actor,
        }
    op.bulk_insert(surveys, [row for answered in rows.values() for _, row in sorted(answered.items())])


def downgrade() -> None:
    op.drop_table("dispatch_surveys")
