"""SQLAlchemy 2 ORM tables of the dispatch backend. All datetimes are naive UTC."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of the dispatch tables."""


class WorkOrder(Base):
    """A 12345 work order (a GeoReport service request)."""

    __tablename__ = "dispatch_work_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_request_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    service_code: Mapped[str] = mapped_column(String(64), index=True)
    appeal_type: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8), index=True)  # GeoReport open/closed
    status_notes: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(Text)
    address_id: Mapped[str | None] = mapped_column(String(128))
    lat: Mapped[float | None] = mapped_column(Float)
    long: Mapped[float | None] = mapped_column(Float)
    media_url: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(String(128))
    device_id: Mapped[str | None] = mapped_column(String(128))
    channel: Mapped[str | None] = mapped_column(String(32))
    channel_user_id: Mapped[str | None] = mapped_column(String(128))
    callback_consent: Mapped[bool] = mapped_column(Boolean, default=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline_class: Mapped[str] = mapped_column(String(16))
    reminder_count: Mapped[int] = mapped_column(Integer, default=0)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    first_contact_due: Mapped[dt.datetime] = mapped_column(DateTime)
    first_contacted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    expected_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: Whether the first closure met its deadline (kept when the order is reopened later).
    closed_on_time: Mapped[bool | None] = mapped_column(Boolean)
    #: The latest survey (a copy of the newest ``surveys`` row); every survey is kept in ``surveys``.
    survey_resolved: Mapped[bool | None] = mapped_column(Boolean)
    survey_satisfaction: Mapped[str | None] = mapped_column(String(8))
    survey_comment: Mapped[str | None] = mapped_column(Text)
    survey_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    change_seq: Mapped[int] = mapped_column(BigInteger, index=True)

    notes: Mapped[list["Note"]] = relationship(
        back_populates="order", order_by="Note.id", cascade="all, delete-orphan", lazy="selectin"
    )
    #: Every satisfaction survey (回访), one per closure, oldest first.
    surveys: Mapped[list["Survey"]] = relationship(
        back_populates="order", order_by="Survey.closure", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        Index("ix_dispatch_open_due", "status", "overdue", "expected_at"),
        Index("ix_dispatch_open_contact_due", "status", "overdue", "first_contact_due"),
        Index("ix_dispatch_contact", "channel", "channel_user_id"),
    )


class Note(Base):
    """One entry of an order's history (the GeoReport ``notes[]`` extension)."""

    __tablename__ = "dispatch_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("dispatch_work_orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)

    order: Mapped[WorkOrder] = relationship(back_populates="notes")


class Survey(Base):
    """One satisfaction survey (回访): the citizen's answer about one closure (办结) of an order.

    ``closure`` numbers the order's closures, 1 for the first; after a review (回访复核) the next closure is 2,
    and so on. At most one survey per closure.
    """

    __tablename__ = "dispatch_surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("dispatch_work_orders.id", ondelete="CASCADE"))
    closure: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))

    order: Mapped[WorkOrder] = relationship(back_populates="surveys")

    __table_args__ = (UniqueConstraint("order_id", "closure", name="uq_dispatch_surveys_order_closure"),)


class IdempotencyKey(Base):
    """A client idempotency key and the order its request produced (created or reminded)."""

    __tablename__ = "dispatch_idempotency_keys"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("dispatch_work_orders.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(16))  # "created" | "reminder"
    #: SHA-256 of the validated request (without the key); NULL for keys stored before revision 0003.
    request_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Counter(Base):
    """Named counters; ``changes`` orders the change feed (bumped last in each write transaction)."""

    __tablename__ = "dispatch_counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
