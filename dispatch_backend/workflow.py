"""The 12345 work-order workflow: creation with routing, repeats, lifecycle transitions, overdue sweep.

States (extension field ``workflow_state``)::

    registered → dispatched → contacted → closed → callback_done → archived
                      ↑                      │            │
                      └──── reopened ←───────┴────────────┘   (回访复核, 5 working days)

GeoReport ``status`` is ``closed`` for closed / callback_done / archived, ``open`` otherwise.
Every transition appends a note (time, actor, kind, text). The states, their names and the rule for reopening
after a survey are the shared vocabulary of :mod:`domain`. Reads of orders are in :mod:`.queries`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain import (ARCHIVED, CALLBACK_DONE, CLOSED, CONTACTED, DISPATCHED, REGISTERED, REOPENED, STATE_LABELS,
                    SURVEYABLE_STATES, UNSATISFIED, reopens_for_review)

from . import deadlines
from .catalog import Catalog, Department
from .clock import format_w3c, to_local
from .db import Database
from .errors import BadRequest, Conflict, Forbidden, NotFound, Unprocessable
from .models import Counter, IdempotencyKey, Note, Survey, WorkOrder
from domain.repeat import is_repeat
from .workcalendar import WorkingCalendar

logger = logging.getLogger(__name__)

SUPERVISION_REMINDERS = 10
REPEAT_LOOKBACK = 50


@dataclass
class NewRequest:
    """A validated POST /requests.json."""

    service_code: str
    description: str
    appeal_type: str
    category: str
    deadline_class: str
    attributes: dict[str, Any] = field(default_factory=dict)
    address: str | None = None
    address_id: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None
    attachments: list[str] = field(default_factory=list)
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None
    account_id: str | None = None
    device_id: str | None = None
    channel: str | None = None
    channel_user_id: str | None = None
    callback_consent: bool = True
    anonymous: bool = False
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        """SHA-256 of everything but the idempotency key: a replay must carry the same request."""
        data = dataclasses.asdict(self)
        data.pop("idempotency_key")
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class CreateOutcome:
    """Result of a creation: the order and whether it was new, a reminder, or a replay."""

    order: WorkOrder
    outcome: str  # "created" | "reminder" | "replayed"
    service_notice: str


def review_reason(satisfaction: str, comment: str) -> str:
    """Why a survey reopened its order, for the review note: 不满意, or "not resolved" in the citizen's words."""
    if satisfaction == UNSATISFIED:
        return "来电人对办理结果不满意"
    return f"来电人反映问题未解决（{comment[:500]}）" if comment.strip() else "来电人反映问题未解决"


class Workflow:
    """All writes to work orders go through here."""

    def __init__(self, db: Database, catalog: Catalog, calendar: WorkingCalendar) -> None:
        self.db = db
        self.catalog = catalog
        self.calendar = calendar
        self.on_closed: list[Callable[[WorkOrder], None]] = []  # run after a closure commits

    # ---------------------------------------------------------------- helpers
    def _bump(self, session: Session, orders: list[WorkOrder]) -> None:
        """Give ``orders`` the next change-feed sequence numbers (row lock held to commit)."""
        if not orders:
            return
        session.flush()
        top = session.execute(
            update(Counter).where(Counter.name == "changes").values(value=Counter.value + len(orders))
            .returning(Counter.value)
        ).scalar_one()
        for offset, order in enumerate(orders):
            order.change_seq = top - len(orders) + 1 + offset

    @staticmethod
    def _note(order: WorkOrder, at: dt.datetime, actor: str, kind: str, text: str) -> None:
        order.notes.append(Note(at=at, actor=actor, kind=kind, text=text))
        order.updated_at = at

    def _load(self, session: Session, service_request_id: str, lock: bool = True) -> WorkOrder:
        query = select(WorkOrder).where(WorkOrder.service_request_id == service_request_id)
        if lock and not self.db.is_sqlite:
            query = query.with_for_update()
        order = session.execute(query).scalar_one_or_none()
        if order is None:
            raise NotFound(f"工单 {service_request_id} 不存在，请检查 service_request_id。")
        return order

    def department_name(self, code: str) -> str:
        dept = self.catalog.departments.get(code)
        return dept.name if dept else code

    def _check_supervision(self, order: WorkOrder, now: dt.datetime) -> None:
        if not order.supervised and (order.reminder_count > SUPERVISION_REMINDERS or order.overdue):
            order.supervised = True
            reason = f"催办 {order.reminder_count} 次" if order.reminder_count > SUPERVISION_REMINDERS else "工单超期"
            self._note(order, now, "系统", "supervision", f"{reason}，列入督办。")

    # ---------------------------------------------------------------- create
    def create(self, req: NewRequest, now: dt.datetime, actor: str) -> CreateOutcome:
        """Create an order, or link it to an open order of the same contact as a reminder (催办)."""
        try:
            return self._create(req, now, actor)
        except IntegrityError:
            # A concurrent request with the same idempotency key won the race: replay its result.
            if not req.idempotency_key:
                raise
            with self.db.read() as session:
                replay = self._replay(session, req)
            if replay is None:
                raise
            return replay

    def _replay(self, session: Session, req: NewRequest) -> CreateOutcome | None:
        row = session.get(IdempotencyKey, req.idempotency_key)
        if row is None:
            return None
        if row.request_hash is not None and row.request_hash != req.fingerprint():
            raise Unprocessable(f"idempotency_key {req.idempotency_key!r} 已用于另一份内容不同的提交；"
                                "新的工单请使用新的 idempotency_key。"
                                "(Idempotency key already used for a different request.)")
        order = session.get(WorkOrder, row.order_id)
        assert order is not None
        return CreateOutcome(order, "replayed", self._notice(order, row.outcome))

    def _notice(self, order: WorkOrder, outcome: str) -> str:
        due = to_local(order.expected_at).strftime("%Y-%m-%d %H:%M")
        if outcome == "reminder":
            return (f"您反映的问题已有工单在办理（编号 {order.service_request_id}），已为您催办，"
                    f"承办单位：{self.department_name(order.department)}。")
        return (f"工单已受理（编号 {order.service_request_id}），已派至{self.department_name(order.department)}，"
                f"预计 {due} 前办结。")

    def _find_repeat(self, session: Session, req: NewRequest) -> WorkOrder | None:
        contact = []
        if req.phone:
            contact.append(WorkOrder.phone == req.phone)
        if req.channel and req.channel_user_id:
            contact.append(and_(WorkOrder.channel == req.channel, WorkOrder.channel_user_id == req.channel_user_id))
        if not contact or not req.description.strip():
            return None
        candidates = session.execute(
            select(WorkOrder.id, WorkOrder.description).where(WorkOrder.status == "open", or_(*contact))
            .order_by(WorkOrder.id.desc()).limit(REPEAT_LOOKBACK)
        )
        for order_id, description in candidates:
            if is_repeat(description, req.description):
                return session.get(WorkOrder, order_id)
        return None

    def _create(self, req: NewRequest, now: dt.datetime, actor: str) -> CreateOutcome:
        with self.db.write() as session:
            if req.idempotency_key:
                replay = self._replay(session, req)
                if replay is not None:
                    return replay
            existing = self._find_repeat(session, req)
            if existing is not None:
                if not self.db.is_sqlite:
                    session.refresh(existing, with_for_update=True)
                existing.reminder_count += 1
                self._note(existing, now, actor, "reminder",
                           f"同一来电人重复反映，第 {existing.reminder_count} 次催办：{req.description[:200]}")
                self._check_supervision(existing, now)
                if req.idempotency_key:
                    session.add(IdempotencyKey(key=req.idempotency_key, order_id=existing.id,
                                               outcome="reminder", created_at=now, request_hash=req.fingerprint()))
                self._bump(session, [existing])
                return CreateOutcome(existing, "reminder", self._notice(existing, "reminder"))
            due = deadlines.compute(self.calendar, now, req.deadline_class)
            department = self.catalog.route(req.category)
            order = WorkOrder(
                service_code=req.service_code, appeal_type=req.appeal_type, category=req.category,
                department=department, state=REGISTERED, status="open", description=req.description,
                address=req.address, address_id=req.address_id, lat=req.lat, long=req.long,
                media_url=req.media_url, attachments=list(req.attachments), attributes=dict(req.attributes),
                first_name=req.first_name, last_name=req.last_name, phone=req.phone, email=req.email,
                account_id=req.account_id, device_id=req.device_id, channel=req.channel,
                channel_user_id=req.channel_user_id, callback_consent=req.callback_consent,
                anonymous=req.anonymous, deadline_class=req.deadline_class, reminder_count=0,
                supervised=False, overdue=False, requested_at=now, updated_at=now,
                first_contact_due=due.first_contact, expected_at=due.close, reopen_count=0, change_seq=0,
            )
            session.add(order)
            session.flush()
            order.service_request_id = f"{to_local(now):%Y%m%d}{order.id:08d}"
            self._note(order, now, actor, REGISTERED, f"工单登记：{req.appeal_type}，分类 {req.category}。")
            order.state = DISPATCHED
            self._note(order, now, "系统", DISPATCHED,
                       f"按分类派至{self.department_name(department)}；首次联系时限 {format_w3c(due.first_contact)}，"
                       f"办结时限 {format_w3c(due.close)}。")
            if req.idempotency_key:
                session.add(IdempotencyKey(key=req.idempotency_key, order_id=order.id,
                                           outcome="created", created_at=now, request_hash=req.fingerprint()))
            self._bump(session, [order])
            return CreateOutcome(order, "created", self._notice(order, "created"))

    # ---------------------------------------------------------------- transitions
    def remind(self, service_request_id: str, text: str, now: dt.datetime, actor: str) -> WorkOrder:
        """催办: count a reminder on an open order."""
        with self.db.write() as session:
            order = self._load(session, service_request_id)
            if order.status != "open":
                raise Conflict(f"工单 {service_request_id} 已办结，不能催办；如对结果不满意请申请回访复核（reopen）。")
            order.reminder_count += 1
            self._note(order, now, actor, "reminder", f"第 {order.reminder_count} 次催办：{text[:500]}")
            self._check_supervision(order, now)
            self._bump(session, [order])
            return order

    def dispatch(self, service_request_id: str, department: str, now: dt.datetime, actor: str) -> WorkOrder:
        """Re-dispatch an open order to another department (operator)."""
        if department not in self.catalog.departments:
            raise BadRequest(f"department {department!r} 不存在，可用的部门代码见 departments.yml。")
        with self.db.write() as session:
            order = self._load(session, service_request_id)
            if order.status != "open":
                raise Conflict(f"工单 {service_request_id} 已办结，不能改派。")
            order.department = department
            order.state = DISPATCHED
            self._note(order, now, actor, DISPATCHED, f"改派至{self.department_name(department)}。")
            self._bump(session, [order])
            return order

    def _own(self, order: WorkOrder, department: Department) -> None:
        if order.department != department.code:
            raise Forbidden(f"工单 {order.service_request_id} 不属于{department.name}，不能操作。")

    def first_contact(self, service_request_id: str, department: Department, text: str,
                      now: dt.datetime) -> WorkOrder:
        """The department records its first contact with the citizen."""
        with self.db.write() as session:
            order = self._load(session, service_request_id)
            self._own(order, department)
            if order.state not in (DISPATCHED, REOPENED):
                raise Conflict(f"工单 {service_request_id} 当前状态为{STATE_LABELS[order.state]}，不能记录首次联系。")
            if order.first_contacted_at is None:
                order.first_contacted_at = now
            order.state = CONTACTED
            self._note(order, now, department.name, CONTACTED, text or "已与来电人首次联系。")
            self._bump(session, [order])
            return order

    def close(self, service_request_id: str, department: Department, result: str, now: dt.datetime) -> WorkOrder:
        """The department closes the order with a result (办结)."""
        with self.db.write() as session:
            order = self._load(session, service_request_id)
            self._own(order, department)
            if order.state != CONTACTED:
                raise Conflict(f"工单 {service_request_id} 当前状态为{STATE_LABELS[order.state]}，"
                               "办结前请先记录首次联系（first_contact）。")
            order.state = CLOSED
            order.status = "closed"
            order.status_notes = result
            order.closed_at = now
            if order.closed_on_time is None:
                order.closed_on_time = now <= order.expected_at
            if now > order.expected_at and not order.overdue:
                order.overdue = True
                self._note(order, now, "系统", "overdue", "超过办结时限才办结。")
                self._check_supervision(order, now)
            self._note(order, now, department.name, CLOSED, f"办结：{result}")
            self._bump(session, [order])
        for callback in self.on_closed:
            try:
                callback(order)
            except Exception:  # noqa: BLE001 - a webhook must never break a closure
                logger.exception("on_closed callback failed for %s", service_request_id)
        return order

    def extend(self, service_request_id: str, department: Department, reason: str, now: dt.datetime) -> WorkOrder:
        """延期: a general case may be extended once, to 15 working days after registration."""
        with self.db.write() as session:
            order = self._load(session, service_request_id)
            self._own(order, department)
            if order.state not in (DISPATCHED, CONTACTED) or order.reopen_count:
                raise Conflict(f"工单 {service_request_id} 当前状态为{STATE_LABELS[order.state]}，不能延期。")
            new_deadline = deadlines.extended_deadline(self.calendar, order.requested_at)
            if order.deadline_class != "general" or order.expected_at >= new_deadline:
                raise Conflict(f"工单 {service_request_id} 的办结时限已是上限（15 个工作日或 24 小时），不能再延期。")
            if now > order.expected_at:
                raise Conflict(f"工单 {service_request_id} 已超过办结时限，不能再申请延期。")
            order.expected_at = new_deadline
            self._note(order, now, department.name, "extended",
                       f"延期至 {format_w3c(new_deadline)}：{reason}")
            self._bump(session, [order])
            return order

    @staticmethod
    def closure_count(order: WorkOrder) -> int:
        """How many times the order has been closed (办结); a survey answers the latest closure."""
        return sum(1 for note in order.notes if note.kind == CLOSED)

    def record_survey(self, service_request_id: str, resolved: bool, satisfaction: str, comment: str,
                      now: dt.datetime, actor: str) -> WorkOrder:
        """回访: record the satisfaction survey of the latest closure, and reopen the order for review (回访复核)
        when :func:`domain.reopens_for_review` says so (not resolved, or 不满意), in the same transaction.

        Every survey is kept (``order.surveys``, one per closure); the ``survey_*`` columns hold the latest.
        A closure is surveyed once: the same answer again for an already surveyed closure (a client retry)
        returns the order unchanged, a different answer is a 409 (ask for a review with ``reopen`` instead).
        """
        with self.db.write() as session:
            order = self._load(session, service_request_id)
            closure = self.closure_count(order)
            done = next((s for s in order.surveys if s.closure == closure), None) if closure else None
            if done is not None:
                if (done.resolved, done.satisfaction, done.comment) == (resolved, satisfaction, comment):
                    return order  # a retry of the survey already recorded: nothing changes
                raise Conflict(f"工单 {service_request_id} 第 {closure} 次办结已回访（{done.satisfaction}），"
                               "同一次办结只记录一次回访；如需复核请申请复核（reopen）。")
            if order.state not in SURVEYABLE_STATES:
                raise Conflict(f"工单 {service_request_id} 当前状态为{STATE_LABELS[order.state]}，只有已办结的工单才能回访。")
            order.surveys.append(Survey(closure=closure, resolved=resolved, satisfaction=satisfaction,
                                        comment=comment, recorded_at=now, actor=actor))
            order.survey_resolved = resolved
            order.survey_satisfaction = satisfaction
            order.survey_comment = comment
            order.survey_at = now
            order.state = CALLBACK_DONE
            self._note(order, now, actor, CALLBACK_DONE,
                       f"回访：问题{'已' if resolved else '未'}解决，{satisfaction}。{comment[:500]}")
            if reopens_for_review(resolved, satisfaction):
                self._reopen(order, review_reason(satisfaction, comment), now, "系统")
            self._bump(session, [order])
            return order

    def _reopen(self, order: WorkOrder, reason: str, now: dt.datetime, actor: str) -> None:
        order.state = REOPENED
        order.status = "open"
        order.reopen_count += 1
        order.expected_at = deadlines.review_deadline(self.calendar, now)
        self._note(order, now, actor, REOPENED,
                   f"回访复核（第 {order.reopen_count} 次）：{reason}；复核时限 {format_w3c(order.expected_at)}。")

    def reopen(self, service_request_id: str, reason: str, now: dt.datetime, actor: str) -> WorkOrder:
        """Reopen a closed order for review (回访复核, 5 working days).

        An order already under review (``reopened``, e.g. by the survey that said "not resolved") is returned
        unchanged: the request is already granted, and a client that still asks after its survey gets a 200.
        """
        with self.db.write() as session:
            order = self._load(session, service_request_id)
            if order.state == REOPENED:
                return order
            if order.state not in (CLOSED, CALLBACK_DONE):
                raise Conflict(f"工单 {service_request_id} 当前状态为{STATE_LABELS[order.state]}，只有已办结或已回访的工单才能复核。")
            self._reopen(order, reason or "来电人申请复核", now, actor)
            self._bump(session, [order])
            return order

    def note(self, service_request_id: str, text: str, author: str, now: dt.datetime, actor: str,
             idempotency_key: str | None = None) -> WorkOrder:
        """备注: append a note (type ``note``) to the order's history, by ``author`` (else ``actor``); no state,
        deadline or count changes. With ``idempotency_key`` the same note again (a retry, a second click) answers
        the order unchanged; the same key for another note is a 422."""
        fingerprint = hashlib.sha256(json.dumps([service_request_id, text, author], ensure_ascii=False)
                                     .encode()).hexdigest()
        try:
            return self._add_note(service_request_id, text, author, now, actor, idempotency_key, fingerprint)
        except IntegrityError:
            if not idempotency_key:
                raise
            with self.db.read() as session:  # a concurrent copy with the same key won the race
                order = self._noted(session, service_request_id, idempotency_key, fingerprint)
            if order is None:
                raise
            return order

    def _noted(self, session: Session, service_request_id: str, key: str, fingerprint: str) -> WorkOrder | None:
        row = session.get(IdempotencyKey, key)
        if row is None:
            return None
        order = session.get(WorkOrder, row.order_id)
        if row.outcome != "note" or row.request_hash != fingerprint or order is None \
                or order.service_request_id != service_request_id:
            raise Unprocessable(f"idempotency_key {key!r} 已用于另一次提交；新的备注请使用新的 idempotency_key。"
                                "(Idempotency key already used for a different request.)")
        return order

    def _add_note(self, service_request_id: str, text: str, author: str, now: dt.datetime, actor: str,
                  key: str | None, fingerprint: str) -> WorkOrder:
        with self.db.write() as session:
            if key:
                done = self._noted(session, service_request_id, key, fingerprint)
                if done is not None:
                    return done
            order = self._load(session, service_request_id)
            self._note(order, now, author or actor, "note", text)
            if key:
                session.add(IdempotencyKey(key=key, order_id=order.id, outcome="note", created_at=now,
                                           request_hash=fingerprint))
            self._bump(session, [order])
            return order

    def archive(self, service_request_id: str, now: dt.datetime, actor: str, no_reply: bool = False) -> WorkOrder:
        """Archive after the callback, right after closure when the citizen declined callbacks, or after a
        callback that got no reply (``no_reply``: the bot invited the citizen the configured number of times)."""
        with self.db.write() as session:
            order = self._load(session, service_request_id)
            allowed = order.state == CALLBACK_DONE or (order.state == CLOSED and (no_reply or not order.callback_consent))
            if not allowed:
                raise Conflict(f"工单 {service_request_id} 当前状态为{STATE_LABELS[order.state]}，回访完成后才能归档。")
            unanswered = no_reply and order.state == CLOSED
            order.state = ARCHIVED
            self._note(order, now, actor, ARCHIVED, "回访未果（市民未回复），归档。" if unanswered else "归档。")
            self._bump(session, [order])
            return order

    # ---------------------------------------------------------------- overdue
    def sweep_overdue(self, now: dt.datetime) -> int:
        """Flag open orders past a deadline as overdue and put them under supervision (督办)."""
        late_close = WorkOrder.expected_at < now
        late_contact = and_(WorkOrder.first_contact_due < now, WorkOrder.first_contacted_at.is_(None))
        pending = (WorkOrder.status == "open", WorkOrder.overdue == false())
        with self.db.read() as session:  # two index probes; the common case finds nothing and writes nothing
            if not any(session.execute(select(WorkOrder.id).where(*pending, cond).limit(1)).first()
                       for cond in (late_close, late_contact)):
                return 0
        late = or_(late_close, late_contact)
        with self.db.write() as session:
            locked = select(WorkOrder).where(*pending, late)
            locked = locked.order_by(WorkOrder.id)
            if not self.db.is_sqlite:
                locked = locked.with_for_update(skip_locked=True)
            orders = list(session.execute(locked).scalars())
            for order in orders:
                order.overdue = True
                what = "办结" if order.expected_at < now else "首次联系"
                self._note(order, now, "系统", "overdue", f"超过{what}时限。")
                self._check_supervision(order, now)
            self._bump(session, orders)
            return len(orders)
