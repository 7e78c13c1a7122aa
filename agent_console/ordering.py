"""Work orders from a conversation: the pre-filled form, filing it once, similar open orders and 催办, the service
summary (服务小结), and the supervisor's view of overdue and 督办 orders with the 三率.

Filing is idempotent per form: the form's key is derived from the conversation and how many orders it has filed, so
a double click, a reload or a second agent on the same conversation send the same key, and the backend (which keeps
idempotency keys) and the ``console_orders`` table (unique key) both answer the first order. A reminder is claimed in
the same table before it is sent, because every copy of a 催办 counts.

The order number is written into the transcript (a system line) and the audit log (``order_create``,
``order_remind``, ``summary``). The summary is kept in ``console_summaries`` and the transcript, and written into
the order's notes in the backend (``POST /requests/{id}/note.json``) once per summary (``summary_note``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from agent_console import events, masking, prefill
from agent_console.contract import ASSIGNED, CLOSED, RETURNED
from agent_console.desk import OrderDesk, order_summary
from agent_console.models import (
    AGENT_ROLE,
    CITIZEN,
    NOTE,
    ORDER_CREATED,
    ORDER_REMINDED,
    SENT_EDITED,
    SENT_UNCHANGED,
    AuditEntry,
    Conversation,
    Message,
    OrderLink,
    ServiceSummary,
    SuggestionShown,
    User,
)
from agent_console.service import CHANNEL_LABELS, EMERGENCY_LABELS, REASON_LABELS, STATE_LABELS, ConsoleError
from domain.repeat import similarity
from agent_console.summary import SummaryFacts, compose
from dispatch_client import DispatchAPIError, DispatchUnavailable, NewServiceRequest
from domain import APPEAL_TYPES, SEAT

logger = logging.getLogger(__name__)

ORDERS = "orders"                 # live event: a conversation's orders changed
NO_ADDRESS = "市民未提供具体地址"
PENDING, DONE = "pending", "done"
PENDING_WAIT = 8.0                # seconds a second click waits for the first one's answer
STALE_CLAIM = dt.timedelta(minutes=2)  # a pending claim this old belongs to a request that died
SIMILAR_SHOWN = 5
WORTH_SHOWING = 0.2               # at least this similar: worth showing to the agent as a possible duplicate
MAX_SUMMARY = 2000
_SUMMARY_LOCK = threading.Lock()  # one console process: a double click finds the first click's summary


class OrderForm(BaseModel):
    form_key: str = Field(min_length=8, max_length=128)
    appeal_type: str | None = Field(default=None, max_length=16)
    category: str | None = Field(default=None, max_length=255)
    department: str | None = Field(default=None, max_length=64)
    address: str = Field(default="", max_length=500)
    occurred: str = Field(default="", max_length=100)
    name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=40)
    description: str = Field(min_length=1, max_length=4000)
    callback_consent: bool = True
    anonymous: bool = False


class RemindForm(BaseModel):
    service_request_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    remind_key: str = Field(min_length=8, max_length=128)
    text: str = Field(default="", max_length=1000)


class SummaryForm(BaseModel):
    text: str | None = Field(default=None, max_length=MAX_SUMMARY)


def _digest(*parts: Any) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:32]


def form_key(conversation: Conversation, number: int) -> str:
    """The idempotency key of the ``number``-th order filed from a conversation (unique across console databases:
    the conversation's creation time is part of it)."""
    return "console-" + _digest(conversation.id, conversation.sender_id, conversation.created_at.isoformat(), number)


def summary_key(conversation: Conversation, summary_id: int) -> str:
    """The idempotency key of a saved summary's note in the backend (the same for every retry of it)."""
    return "summary-" + _digest(conversation.id, conversation.sender_id, conversation.created_at.isoformat(),
                                summary_id)


def remind_key(conversation: Conversation, service_request_id: str, number: int) -> str:
    return "remind-" + _digest(conversation.id, conversation.sender_id, conversation.created_at.isoformat(),
                               service_request_id, number)


class OrderService:
    def __init__(self, console: Any, desk: OrderDesk | None, reader: Any = None) -> None:
        self.console = console
        self.desk = desk
        self.reader = reader   # a LazyAppealReader (or anything with get()), or None

    @property
    def store(self) -> Any:
        return self.console.store

    def _desk(self) -> OrderDesk:
        if self.desk is None:
            raise ConsoleError(503, "未配置派单后台，无法登记工单。")
        return self.desk

    def _reader(self) -> prefill.AppealReader | None:
        return self.reader.get() if self.reader is not None else None

    # -------------------------------------------------------------------------------------------- permissions

    @staticmethod
    def _may_file(conversation: Conversation, actor: Any) -> None:
        if actor.is_supervisor or conversation.assigned_user_id == actor.user_id:
            return
        raise ConsoleError(403, "只有接入该会话的话务员或班长可以登记工单、催办或写服务小结。")

    # -------------------------------------------------------------------------------------------------- the form

    def _lines(self, db: Any, conversation_id: int) -> list[prefill.CitizenLine]:
        return [prefill.CitizenLine(m.id, m.text, m.understanding) for m in db.scalars(
            select(Message).where(Message.conversation_id == conversation_id, Message.role == CITIZEN)
            .order_by(Message.at, Message.id))]

    def _links(self, db: Any, conversation_id: int) -> list[OrderLink]:
        return list(db.scalars(select(OrderLink).where(OrderLink.conversation_id == conversation_id)
                               .order_by(OrderLink.id)))

    @staticmethod
    def _link_view(link: OrderLink) -> dict[str, Any]:
        return {"kind": link.kind, "service_request_id": link.service_request_id, "outcome": link.outcome,
                "state": link.state, "appeal_type": link.appeal_type, "category": link.category,
                "agency": link.agency, "expected_at": link.expected_at,
                "at": link.updated_at.isoformat(timespec="seconds") if link.updated_at else None}

    def _next_form_key(self, db: Any, conversation: Conversation) -> str:
        filed = db.scalar(select(func.count()).where(OrderLink.conversation_id == conversation.id,
                                                     OrderLink.kind == ORDER_CREATED,
                                                     OrderLink.state == DONE)) or 0
        return form_key(conversation, filed + 1)

    def draft(self, conversation_id: int, actor: Any) -> dict[str, Any]:
        """The pre-filled form (masked), its key, and the orders this conversation already has."""
        with self.store.begin() as db:
            conversation = self.console._get(db, conversation_id)
            lines = self._lines(db, conversation_id)
            key = self._next_form_key(db, conversation)
            links = [self._link_view(link) for link in self._links(db, conversation_id) if link.state == DONE]
            fallback = conversation.appeal_type
        tree = self.desk.category_tree() if self.desk is not None else None
        draft = prefill.build_draft(lines, reader=self._reader(), fallback_appeal=fallback,
                                    exclude_department=tree.default_department if tree else "")
        return {"conversation_id": conversation_id, "form_key": key, "draft": draft.to_dict(), "orders": links,
                "can_file": actor.is_supervisor or self._holder(conversation_id) == actor.user_id}

    def _holder(self, conversation_id: int) -> int | None:
        with self.store.begin() as db:
            conversation = db.get(Conversation, conversation_id)
            return conversation.assigned_user_id if conversation else None

    def catalog(self) -> dict[str, Any]:
        """What the form's lists offer: every category leaf with its department, the departments, the types."""
        tree = self.desk.category_tree() if self.desk is not None else None
        if tree is None:
            from agent_console.desk import bundled_category_tree

            tree = bundled_category_tree()
        return {"origin": tree.origin, "categories": tree.leaves(), "departments": tree.departments(),
                "default_department": tree.default_department, "appeal_types": list(APPEAL_TYPES)}

    def orders_of(self, conversation_id: int) -> dict[str, Any]:
        with self.store.begin() as db:
            self.console._get(db, conversation_id)
            return {"conversation_id": conversation_id,
                    "orders": [self._link_view(link) for link in self._links(db, conversation_id)
                               if link.state == DONE]}

    # --------------------------------------------------------------------------------------------- filing once

    def _claim(self, conversation_id: int, actor: Any, kind: str, key: str, expected: str | None,
               **values: Any) -> tuple[bool, dict[str, Any] | None]:
        """Claim ``key`` (True, None), or find it already done (False, its view) — waiting a little for a claim
        still pending. ``expected``: the only new key accepted (None: any)."""
        deadline = time.monotonic() + PENDING_WAIT
        while True:
            with self.store.begin() as db:
                conversation = self.console._get(db, conversation_id)
                self._may_file(conversation, actor)
                link = db.scalar(select(OrderLink).where(OrderLink.form_key == key))
                if link is not None and link.conversation_id != conversation_id:
                    raise ConsoleError(409, "表单标识无效，请刷新后重试。")
                if link is not None and link.state == DONE:
                    return False, self._link_view(link)
                if link is not None and self.console.clock() - link.updated_at > STALE_CLAIM:
                    db.delete(link)   # a claim whose request died (the console stopped mid-call)
                    continue
                if link is None and expected is not None and key != expected:
                    raise ConsoleError(409, "本会话已登记了新的工单，这份表单已过期；请查看已登记的工单，"
                                            "确需再登记一张请刷新表单。")
            if link is None:
                now = self.console.clock()
                try:
                    with self.store.begin() as db:
                        db.add(OrderLink(conversation_id=conversation_id, kind=kind, form_key=key, state=PENDING,
                                         user_id=actor.user_id, created_at=now, updated_at=now, **values))
                    return True, None
                except IntegrityError:
                    pass  # claimed by a request at the same moment: wait for its answer
            if time.monotonic() >= deadline:
                raise ConsoleError(409, "该操作正在处理中，请稍候查看结果，不要重复提交。")
            time.sleep(0.1)

    def _release(self, key: str) -> None:
        with self.store.begin() as db:
            link = db.scalar(select(OrderLink).where(OrderLink.form_key == key, OrderLink.state == PENDING))
            if link is not None:
                db.delete(link)

    def create(self, conversation_id: int, actor: Any, form: OrderForm) -> dict[str, Any]:
        """File the form once (the first answer for its key is returned again) and note the order number."""
        desk = self._desk()
        if form.appeal_type is not None and form.appeal_type not in APPEAL_TYPES:
            raise ConsoleError(400, "诉求类型只能是 咨询 / 求助 / 投诉举报 / 意见建议。")
        with self.store.begin() as db:
            conversation = self.console._get(db, conversation_id)
            expected = self._next_form_key(db, conversation)
            known_phones = prefill.phones_of(self._lines(db, conversation_id))
            channel, sender = conversation.channel, conversation.sender_id
        claimed, done = self._claim(conversation_id, actor, ORDER_CREATED, form.form_key, expected,
                                    appeal_type=form.appeal_type, category=form.category)
        if not claimed:
            assert done is not None
            return {**done, "replayed": True}
        try:
            try:
                phone = prefill.resolve_phone(form.phone, known_phones)
            except ValueError as exc:
                raise ConsoleError(400, str(exc)) from exc
            leaf_department = self._leaf_department(form.category)
            service_code, attributes = desk.choose_service(form.category or None, form.appeal_type)
            request = self._request(form, service_code, attributes, phone, channel, sender)
            result = desk.create(request, form.form_key)
        except DispatchAPIError as exc:
            self._release(form.form_key)
            status = 409 if exc.status_code == 422 else 400
            message = exc.description or str(exc)
            if exc.status_code == 422:
                message = "这份表单此前已提交过不同的内容，请查看已登记的工单或刷新表单后重试。"
            raise ConsoleError(status, f"派单后台未受理：{message}") from exc
        except DispatchUnavailable as exc:
            self._release(form.form_key)
            raise ConsoleError(502, "派单后台暂时无法访问，工单尚未登记；请稍后再点“登记工单”（不会重复登记）。") from exc
        except BaseException:
            self._release(form.form_key)
            raise
        order_id = result.service_request_id or ""
        warning = None
        agency = None
        expected_at = result.expected_datetime.isoformat(timespec="minutes") if result.expected_datetime else None
        if form.department and leaf_department and form.department != leaf_department and order_id:
            try:
                order = desk.redispatch(order_id, form.department)
                agency = order.agency_responsible
            except (DispatchAPIError, DispatchUnavailable) as exc:
                warning = f"工单已登记，但改派到所选部门未成功：{exc}"
        if agency is None and order_id:
            try:
                agency = desk.get(order_id).agency_responsible
            except (DispatchAPIError, DispatchUnavailable):
                agency = None
        outcome = result.outcome or "created"
        view = self._finish(conversation_id, actor, form.form_key, order_id, outcome, agency, expected_at,
                            "order_create", {"service_request_id": order_id, "outcome": outcome,
                                             "service_code": service_code, "form_key": form.form_key},
                            self._created_text(order_id, outcome, form, agency))
        return {**view, "replayed": False, "warning": warning}

    def _leaf_department(self, category: str | None) -> str | None:
        if not category or self.desk is None:
            return None
        leaf = next((c for c in self.desk.category_tree().leaves() if c["path"] == category), None)
        if leaf is None:
            raise ConsoleError(400, f"分类“{category}”不在派单后台的分类树中，请重新选择。")
        return leaf["department"]

    @staticmethod
    def _request(form: OrderForm, service_code: str, attributes: dict[str, str], phone: str | None, channel: str,
                 sender: str) -> NewServiceRequest:
        description = prefill.strip_contacts(form.description.strip()) or "（市民未详细说明）"
        if form.occurred.strip():
            description = f"{description}\n（发生时间：{form.occurred.strip()}）"
        seat = channel == SEAT
        return NewServiceRequest(
            service_code=service_code, description=description[:4000],
            address_string=form.address.strip() or NO_ADDRESS, first_name=form.name.strip() or None, phone=phone,
            appeal_type=form.appeal_type or None, category=form.category or None,  # type: ignore[arg-type]
            channel=channel or None, channel_user_id=None if seat else sender,
            callback_consent=form.callback_consent, anonymous=form.anonymous, attributes=attributes)

    @staticmethod
    def _created_text(order_id: str, outcome: str, form: OrderForm, agency: str | None) -> str:
        if outcome == "reminder":
            return f"市民已有相同的在办工单 {order_id}，本次已记为催办（未重复立单）"
        what = " · ".join(p for p in (form.appeal_type, (form.category or "").split("/")[-1] or None) if p)
        return f"已登记工单 {order_id}" + (f"（{what}）" if what else "") + (f"，承办部门：{agency}" if agency else "")

    def _finish(self, conversation_id: int, actor: Any, key: str, order_id: str, outcome: str, agency: str | None,
                expected_at: str | None, action: str, detail: dict[str, Any], text: str) -> dict[str, Any]:
        now = self.console.clock()
        with self.store.begin() as db:
            link = db.scalar(select(OrderLink).where(OrderLink.form_key == key))
            assert link is not None
            link.state, link.service_request_id, link.outcome = DONE, order_id, outcome
            link.agency, link.expected_at, link.updated_at = agency, expected_at, now
            note = self.console._system(db, conversation_id, text, now)
            self.console._audit(db, db.get(User, actor.user_id), action, conversation_id, detail)
            note_view = self.console._message_view(db, note)
            view = self._link_view(link)
        self.console.hub.publish(events.NEW_MESSAGE, {"conversation_id": conversation_id, "message": note_view})
        self.console.hub.publish(ORDERS, {"conversation_id": conversation_id})
        return view

    # ------------------------------------------------------------------------------------ similar orders, 催办

    def similar(self, conversation_id: int, actor: Any, category: str | None = None,
                text: str | None = None) -> dict[str, Any]:
        """Open orders like this conversation's appeal: the same category (or service), alike descriptions or the
        same caller, best first; each with the key that reminds it once."""
        desk = self._desk()
        with self.store.begin() as db:
            conversation = self.console._get(db, conversation_id)
            lines = self._lines(db, conversation_id)
            reminded = dict(db.execute(select(OrderLink.service_request_id, func.count())
                                       .where(OrderLink.conversation_id == conversation_id,
                                              OrderLink.kind == ORDER_REMINDED, OrderLink.state == DONE)
                                       .group_by(OrderLink.service_request_id)).all())
            own = {link.service_request_id for link in self._links(db, conversation_id)
                   if link.kind == ORDER_CREATED and link.state == DONE}
            sender, seat = conversation.sender_id, conversation.channel == SEAT
        query = (text or "").strip() or prefill.described(lines, self._reader())
        phones = set(prefill.phones_of(lines))
        try:
            orders = desk.open_orders()
        except (DispatchAPIError, DispatchUnavailable) as exc:
            raise ConsoleError(502, f"暂时无法读取派单后台的在办工单：{exc}") from exc
        service_codes: set[str] = set()
        if category:
            try:
                service_codes.add(desk.choose_service(category)[0])
            except (DispatchAPIError, DispatchUnavailable):
                pass
            service_codes -= {"zonghe", "rexian"}
        found = []
        for order in orders:
            if order.service_request_id in own:
                continue
            same_kind = bool(category) and ((order.category is not None and order.category.path == category)
                                            or order.service_code in service_codes)
            same_caller = bool((order.contact and order.contact.phone and order.contact.phone in phones)
                               or (not seat and order.channel_user_id and order.channel_user_id == sender))
            score = similarity(query, order.description or "") if query else 0.0
            if category and not same_kind and not same_caller:
                continue
            if not same_caller and score < WORTH_SHOWING and not (same_kind and not query):
                continue
            found.append((same_caller, round(score, 3), order))
        found.sort(key=lambda item: (item[0], item[1]), reverse=True)
        with self.store.begin() as db:
            conversation = self.console._get(db, conversation_id)
            items = []
            for same_caller, score, order in found[:SIMILAR_SHOWN]:
                count = reminded.get(order.service_request_id, 0)
                items.append({**order_summary(order), "similarity": score, "same_caller": same_caller,
                              "reminded_here": count,
                              "remind_key": remind_key(conversation, order.service_request_id, count + 1)})
        return {"conversation_id": conversation_id, "category": category, "query": masking.mask_numbers(query[:200]),
                "orders": items, "searched": len(orders)}

    def remind(self, conversation_id: int, actor: Any, form: RemindForm) -> dict[str, Any]:
        """催办 an open order once per key, and note it in the transcript and the audit log."""
        desk = self._desk()
        with self.store.begin() as db:
            conversation = self.console._get(db, conversation_id)
            count = db.scalar(select(func.count()).where(OrderLink.conversation_id == conversation_id,
                                                         OrderLink.kind == ORDER_REMINDED, OrderLink.state == DONE,
                                                         OrderLink.service_request_id == form.service_request_id)) or 0
            expected = remind_key(conversation, form.service_request_id, count + 1)
        claimed, done = self._claim(conversation_id, actor, ORDER_REMINDED, form.remind_key, expected,
                                    service_request_id=form.service_request_id)
        if not claimed:
            assert done is not None
            return {**done, "replayed": True}
        text = form.text.strip() or f"市民再次反映此问题（坐席 {actor.display_name} 通过坐席助手催办）"
        try:
            order = desk.remind(form.service_request_id, masking.mask_numbers(text))
        except DispatchAPIError as exc:
            self._release(form.remind_key)
            raise ConsoleError(409 if exc.status_code == 409 else 400,
                               f"派单后台未受理催办：{exc.description or exc}") from exc
        except DispatchUnavailable as exc:
            self._release(form.remind_key)
            raise ConsoleError(502, "派单后台暂时无法访问，催办未发出；请稍后重试（不会重复催办）。") from exc
        except BaseException:
            self._release(form.remind_key)
            raise
        note = f"已对工单 {order.service_request_id} 催办（该工单第 {order.reminder_count} 次催办" + \
            ("，已列入督办" if order.supervised else "") + "）"
        view = self._finish(conversation_id, actor, form.remind_key, order.service_request_id, "reminded",
                            order.agency_responsible,
                            order.expected_datetime.isoformat(timespec="minutes") if order.expected_datetime else None,
                            "order_remind", {"service_request_id": order.service_request_id,
                                             "reminder_count": order.reminder_count}, note)
        return {**view, "replayed": False, "reminder_count": order.reminder_count, "supervised": order.supervised}

    # ------------------------------------------------------------------------------------------ service summary

    def summary_draft(self, conversation_id: int, actor: Any) -> dict[str, Any]:
        with self.store.begin() as db:
            text = compose(self._facts(db, conversation_id))
            saved = [{"text": s.text, "service_request_id": s.service_request_id, "in_backend": s.in_backend,
                      "at": s.created_at.isoformat(timespec="seconds")}
                     for s in db.scalars(select(ServiceSummary).where(ServiceSummary.conversation_id == conversation_id)
                                         .order_by(ServiceSummary.id))]
        return {"conversation_id": conversation_id, "text": text, "saved": saved}

    def save_summary(self, conversation_id: int, actor: Any, text: str | None) -> dict[str, Any]:
        """Save the summary (the agent's text, or the composed one: one click) with the conversation's latest
        order, as an internal note in the transcript, audited; then write it into that order's notes in the
        backend, once. The same text again (a second click, a retry after a failure) is the same summary: no
        second transcript note, and its idempotency key makes the backend answer without adding the note twice."""
        now = self.console.clock()
        with _SUMMARY_LOCK, self.store.begin() as db:
            conversation = self.console._get(db, conversation_id)
            self._may_file(conversation, actor)
            body = (masking.mask_numbers((text or "").strip()) or compose(self._facts(db, conversation_id)))
            body = body[:MAX_SUMMARY]
            latest = next((link.service_request_id for link in reversed(self._links(db, conversation_id))
                           if link.state == DONE and link.service_request_id), None)
            summary = db.scalar(select(ServiceSummary).where(
                ServiceSummary.conversation_id == conversation_id, ServiceSummary.text == body,
                ServiceSummary.service_request_id.is_(None) if latest is None
                else ServiceSummary.service_request_id == latest).order_by(ServiceSummary.id.desc()).limit(1))
            repeated = summary is not None
            if summary is None:
                summary = ServiceSummary(conversation_id=conversation_id, service_request_id=latest, text=body,
                                         user_id=actor.user_id, created_at=now, in_backend=False)
                db.add(summary)
                message = Message(conversation_id=conversation_id, role=NOTE, text=body, at=now,
                                  external_key=f"summary:{now.timestamp()}:{actor.user_id}:{_digest(body)[:8]}",
                                  user_id=actor.user_id)
                db.add(message)
                db.flush()
            else:
                message = db.scalar(select(Message).where(Message.conversation_id == conversation_id,
                                                          Message.role == NOTE, Message.text == body)
                                    .order_by(Message.id.desc()).limit(1))
            self.console._audit(db, db.get(User, actor.user_id), "summary", conversation_id,
                                {"service_request_id": latest, "summary_id": summary.id, "repeated": repeated})
            view = self.console._message_view(db, message) if message is not None else None
            summary_id, in_backend = summary.id, summary.in_backend
            key = summary_key(conversation, summary_id)
        if not repeated:
            self.console.hub.publish(events.NEW_MESSAGE, {"conversation_id": conversation_id, "message": view})
        answer = {"conversation_id": conversation_id, "service_request_id": latest, "text": body,
                  "message": view, "repeated": repeated}
        if latest is None:
            return {**answer, "in_backend": False,
                    "notice": "已保存到坐席助手；本会话还没有关联工单，小结未写入派单后台。"}
        if in_backend:
            return {**answer, "in_backend": True, "notice": f"这份小结已写入工单 {latest} 的备注，未重复写入。"}
        error = self._write_summary_note(conversation_id, actor, summary_id, latest, body, key)
        if error:
            return {**answer, "in_backend": False, "backend_error": error,
                    "notice": f"已保存到坐席助手，但写入工单 {latest} 的备注失败：{error}"
                              "请稍后再点一次“保存”重试（不会重复写入）。"}
        return {**answer, "in_backend": True, "notice": f"已保存，并写入工单 {latest} 的备注。"}

    def _write_summary_note(self, conversation_id: int, actor: Any, summary_id: int, order_id: str, body: str,
                            key: str) -> str | None:
        """``POST /requests/{id}/note.json`` with the summary's key; None when the backend has it, else why not
        (the summary stays saved locally, ``in_backend`` false, and may be sent again)."""
        if self.desk is None:
            return "未配置派单后台。"
        try:
            self.desk.client.note(order_id, body, f"坐席 {actor.display_name}"[:64], idempotency_key=key)
        except DispatchAPIError as exc:
            error = f"派单后台未受理（HTTP {exc.status_code}：{exc.description or exc}）。"
        except DispatchUnavailable:
            error = "派单后台暂时无法访问。"
        else:
            error = None
        with self.store.begin() as db:
            if error is None:
                summary = db.get(ServiceSummary, summary_id)
                if summary is not None:
                    summary.in_backend = True
            self.console._audit(db, db.get(User, actor.user_id), "summary_note", conversation_id,
                                {"service_request_id": order_id, "summary_id": summary_id, "ok": error is None})
        if error is not None:
            logger.warning("summary %s of conversation %s not written to order %s: %s", summary_id,
                           conversation_id, order_id, error)
        return error

    def _facts(self, db: Any, conversation_id: int) -> SummaryFacts:
        conversation = self.console._get(db, conversation_id)
        users = self.console._user_names(db)
        lines = self._lines(db, conversation_id)
        links = [link for link in self._links(db, conversation_id) if link.state == DONE]
        agent_ids = [a.user_id for a in db.scalars(select(AuditEntry).where(
            AuditEntry.conversation_id == conversation_id, AuditEntry.action.in_(("take", "call_start"))))
            if a.user_id is not None]
        if conversation.assigned_user_id:
            agent_ids.append(conversation.assigned_user_id)
        replies = db.scalar(select(func.count()).where(Message.conversation_id == conversation_id,
                                                       Message.role == AGENT_ROLE, Message.delivery != "failed",
                                                       Message.external_key.like("agent:%"))) or 0
        used = db.scalar(select(func.count()).where(SuggestionShown.conversation_id == conversation_id,
                                                    SuggestionShown.outcome.in_((SENT_UNCHANGED, SENT_EDITED)))) or 0
        created = [(link.service_request_id or "", link.agency) for link in links if link.kind == ORDER_CREATED]
        category = next((link.category for link in reversed(links) if link.category), None)
        appeal = next((link.appeal_type for link in reversed(links) if link.appeal_type), conversation.appeal_type)
        kind = conversation.emergency_kind
        return SummaryFacts(
            channel_label=CHANNEL_LABELS.get(conversation.channel, conversation.channel),
            reason_label=REASON_LABELS.get(conversation.reason, conversation.reason),
            state_label={ASSIGNED: "处理中", RETURNED: "已交回智能助手", CLOSED: "已结束"}.get(
                conversation.state, STATE_LABELS.get(conversation.state, conversation.state)),
            started_at=conversation.created_at, ended_at=conversation.ended_at,
            agents=[users[i] for i in agent_ids if i in users], appeal_type=appeal, category=category,
            gist=prefill.described(lines, self._reader())[:200] or conversation.gist, created=created,
            reminded=[link.service_request_id or "" for link in links if link.kind == ORDER_REMINDED],
            replies=int(replies), suggestions_sent=int(used),
            emergency_label=EMERGENCY_LABELS.get(kind, "紧急情况") if kind else None,
            is_call=conversation.channel == SEAT)

    # ---------------------------------------------------------------------------------------------- oversight

    def oversight(self) -> dict[str, Any]:
        if self.desk is None:
            return {"available": False, "error": "未配置派单后台。"}
        try:
            return {"available": True, **self.desk.oversight()}
        except (DispatchAPIError, DispatchUnavailable) as exc:
            return {"available": False, "error": f"暂时无法读取派单后台：{exc}"}
