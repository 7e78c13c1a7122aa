"""The console's tables (SQLAlchemy 2; SQLite or PostgreSQL). Times are stored in UTC and read back aware."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

AGENT = "agent"              # 话务员
SUPERVISOR = "supervisor"    # 班长
ROLES: tuple[str, ...] = (AGENT, SUPERVISOR)
ROLE_LABELS = {AGENT: "话务员", SUPERVISOR: "班长"}

#: Transcript roles: what the citizen wrote, what the bot or an agent sent, an agent's internal note (never sent),
#: and what happened (taken, returned to the queue, handed back) in the console's own words.
CITIZEN, BOT, AGENT_ROLE, NOTE, SYSTEM = "citizen", "bot", "agent", "note", "system"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime kept as naive UTC (SQLite has no time zones); naive input is taken as UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginSession(Base):
    """A browser's login. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AuditEntry(Base):
    __tablename__ = "console_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    user_name: Mapped[str] = mapped_column(String(64))    # "system" for the console's own actions
    action: Mapped[str] = mapped_column(String(32), index=True)
    conversation_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Conversation(Base):
    """One handoff: from the bot's ``/internal/handoff`` until hand-back or close."""

    __tablename__ = "console_conversations"
    __table_args__ = (
        # at most one open handoff per sender (partial unique index: SQLite and PostgreSQL both have them)
        Index("console_one_open_handoff", "sender_id", unique=True,
              sqlite_where=text("state IN ('waiting', 'assigned')"),
              postgresql_where=text("state IN ('waiting', 'assigned')")),
        Index("console_queue_order", "state", "priority", "waiting_since"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(32))
    emergency_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    priority: Mapped[int] = mapped_column(Integer)          # 0 emergency, 1 everything else; lower first
    state: Mapped[str] = mapped_column(String(16))
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id"), nullable=True, index=True)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    waiting_since: Mapped[dt.datetime] = mapped_column(UTCDateTime)   # kept when it returns to the queue
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    appeal_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    appeal_confidence: Mapped[float | None] = mapped_column(nullable=True)
    gist: Mapped[str] = mapped_column(String(200), default="")
    understanding: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)   # the latest one


class Message(Base):
    __tablename__ = "console_messages"
    __table_args__ = (UniqueConstraint("conversation_id", "external_key", name="console_message_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("console_conversations.id", ondelete="CASCADE"),
                                                 index=True)
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    external_key: Mapped[str] = mapped_column(String(255))
    understanding: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)      # the agent who wrote it
    delivery: Mapped[str | None] = mapped_column(String(16), nullable=True)  # agent replies: sent | queued | failed
    delivery_error: Mapped[str | None] = mapped_column(String(255), nullable=True)


# ------------------------------------------------------------------------------------------------ agent assist
#: What an agent did with a suggested answer (null: not sent at all).
SENT_UNCHANGED, SENT_EDITED = "unchanged", "edited"


class SuggestionShown(Base):
    """One suggested answer (a KB entry) computed for one citizen message; ``shown_at`` once the agent who has the
    conversation had it on screen, ``outcome`` once that agent sent it (unchanged or edited)."""

    __tablename__ = "console_suggestions"
    __table_args__ = (UniqueConstraint("message_id", "entry_id", name="console_suggestion_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("console_conversations.id", ondelete="CASCADE"),
                                                 index=True)
    message_id: Mapped[int] = mapped_column(Integer, index=True)    # the citizen message it answers
    rank: Mapped[int] = mapped_column(Integer)                      # 1 = the best
    entry_id: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)                       # as suggested (the KB may change later)
    similarity: Mapped[float] = mapped_column()
    source: Mapped[str] = mapped_column(String(255), default="")
    department: Mapped[str] = mapped_column(String(128), default="")
    valid_from: Mapped[str | None] = mapped_column(String(10), nullable=True)
    valid_to: Mapped[str | None] = mapped_column(String(10), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    shown_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    shown_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)   # unchanged | edited | null
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reply_message_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    edit_ratio: Mapped[float | None] = mapped_column(nullable=True)          # similarity of sent text to the answer


#: Kinds of :class:`OrderLink`: an order filed from the console, or a 催办 linked to an existing one.
ORDER_CREATED, ORDER_REMINDED = "create", "remind"


class OrderLink(Base):
    """A work order filed from a conversation (``create``) or an existing one reminded (``remind``, 催办).

    ``form_key`` is unique: a creation's idempotency key (the backend's too), a reminder's claim. A row is
    written ``pending`` before the backend call and ``done`` after it, so a double click files or reminds once."""

    __tablename__ = "console_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("console_conversations.id", ondelete="CASCADE"),
                                                 index=True)
    kind: Mapped[str] = mapped_column(String(16))
    form_key: Mapped[str] = mapped_column(String(128), unique=True)
    state: Mapped[str] = mapped_column(String(16))                   # pending | done
    service_request_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # created | replayed | reminder | reminded
    appeal_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    category: Mapped[str | None] = mapped_column(String(255), nullable=True)
    agency: Mapped[str | None] = mapped_column(String(255), nullable=True)
    expected_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServiceSummary(Base):
    """服务小结 of a conversation, linked to its work order when there is one. ``in_backend`` stays false until the
    dispatch backend has an endpoint that adds a note to an order (docs/console.md)."""

    __tablename__ = "console_summaries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("console_conversations.id", ondelete="CASCADE"),
                                                 index=True)
    service_request_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    text: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    in_backend: Mapped[bool] = mapped_column(Boolean, default=False)
