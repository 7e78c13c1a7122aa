"""What the bot and the agents can do, on the database: the queue, the transcript, sessions, the audit log.

Every agent action is written to the audit log in the same transaction as its effect. Phone and ID numbers leave
this module masked (:mod:`agent_console.masking`), except in the answer to :meth:`ConsoleService.reveal`.
Handlers call these methods from worker threads; :class:`~agent_console.events.EventHub` fans the changes out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agent_console import events, masking, passwords
from agent_console.assist import Assist, NoAssist
from agent_console.contract import (
    ASSIGNED,
    CLOSED,
    EMERGENCY,
    OPEN_STATES,
    RETURNED,
    WAITING,
    CancelAnswer,
    CancelRequest,
    HandoffAnswer,
    HandoffRequest,
    HandoffStatus,
    MessageAnswer,
    MessageRequest,
    TranscriptItem,
)
from agent_console.events import EventHub
from agent_console.models import (
    AGENT_ROLE,
    CITIZEN,
    NOTE,
    ROLE_LABELS,
    ROLES,
    SUPERVISOR,
    SYSTEM,
    AuditEntry,
    Conversation,
    LoginSession,
    Message,
    User,
    utcnow,
)
from agent_console.outbound import BotResumer, DeliveryFailed, ReplySender, ResumeFailed
from agent_console.suggesting import LiveSuggestions, suggestable
from configuration import ConsoleSettings
from domain import BEIJING, SEAT, channel_of_sender

logger = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")
MAX_REPLY = 2000
GIST_CHARS = 60
TOUCH_EVERY = dt.timedelta(seconds=5)
SYSTEM_ACTOR = "system"
BOT_ACTOR = "bot"

STATE_LABELS = {WAITING: "等待接入", ASSIGNED: "处理中", RETURNED: "已交回机器人", CLOSED: "已结束"}
PHONE_CALL = "phone_call"  # the reason of a call-assist conversation (channel ``seat``): no chat citizen behind it
REASON_LABELS = {"citizen_request": "市民要求人工", EMERGENCY: "紧急情况", "bot_gave_up": "机器人未能解答",
                 PHONE_CALL: "电话来电"}
CHANNEL_LABELS = {"webchat": "网页", "telegram": "Telegram", "wechat": "微信", "rest": "接口", "seat": "电话"}
EMERGENCY_LABELS = {
    "fire": "火情", "gas": "燃气泄漏", "violence": "暴力侵害", "medical": "急病或重伤", "drowning": "溺水",
    "traffic_injury": "交通事故有人受伤", "electric_collapse": "触电或坍塌", "missing_person": "人员走失",
    "domestic_violence": "家庭暴力", "self_harm": "自伤风险", "unknown": "紧急情况",
}
APPEAL_SCORE_KEYS = ("咨询", "求助", "投诉举报", "意见建议")


def _read_line(text: str) -> dict[str, Any]:
    """The console's own reading of a line typed in call assist (no bot read it): the fields a work order takes
    (phone and ID numbers masked) and the emergency rules, in the understanding's shape (docs/decisions.md)."""
    from dataclasses import asdict

    from nlu.emergency import assess_emergency
    from nlu.understanding import extract_message_fields

    try:
        fields = asdict(extract_message_fields(text))
    except Exception:  # noqa: BLE001 - the line is kept even when a field cannot be read
        logger.exception("reading a call-assist line failed")
        fields = {}
    emergency = assess_emergency(text)
    return {"version": 1, "source": "console", "text": masking.mask_numbers(text),
            "emergency": None if emergency is None else {"kind": emergency.kind.value,
                                                         "services": list(emergency.services)},
            "route": {}, "fields": fields}


class ConsoleError(Exception):
    """An action refused or failed; ``status`` is the HTTP status, the message is shown to the agent."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Actor:
    """The logged-in user behind a request."""

    user_id: int
    name: str
    display_name: str
    role: str
    session_id: int
    csrf_token: str

    @property
    def is_supervisor(self) -> bool:
        return self.role == SUPERVISOR


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(BEIJING).isoformat(timespec="seconds") if moment else None


def _aware(moment: dt.datetime | None, default: dt.datetime) -> dt.datetime:
    if moment is None:
        return default
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _emergency_kind(understanding: dict[str, Any] | None) -> str | None:
    if not isinstance(understanding, dict):
        return None
    emergency = understanding.get("emergency")
    if isinstance(emergency, dict):
        return str(emergency.get("kind") or "unknown")
    return None


def _appeal(understanding: dict[str, Any] | None) -> tuple[str | None, float | None]:
    """The appeal type the bot read (or its best-scoring guess) and the confidence."""
    if not isinstance(understanding, dict):
        return None, None
    route = understanding.get("route")
    if not isinstance(route, dict):
        return None, None
    if route.get("appeal_type"):
        confidence = route.get("confidence")
        return str(route["appeal_type"]), float(confidence) if isinstance(confidence, (int, float)) else None
    scores = route.get("scores")
    if isinstance(scores, dict) and scores:
        best = max((k for k in scores if k in APPEAL_SCORE_KEYS), key=lambda k: scores[k], default=None)
        if best is not None:
            return best, float(scores[best])
    return None, None


def _is_handoff_request(understanding: dict[str, Any] | None) -> bool:
    readings = understanding.get("readings") if isinstance(understanding, dict) else None
    return bool(isinstance(readings, dict) and readings.get("handoff"))


def _gist(items: Iterable[tuple[str, dict[str, Any] | None]]) -> str:
    """One line for the queue: the latest citizen message that says more than "转人工", else the latest one."""
    texts = [(text.strip(), understanding) for text, understanding in items if text.strip()]
    for text, understanding in reversed(texts):
        if not _is_handoff_request(understanding) and len(text) >= 4:
            return text[:GIST_CHARS]
    return texts[-1][0][:GIST_CHARS] if texts else ""


class ConsoleService:
    def __init__(self, store: Any, settings: ConsoleSettings, *, hub: EventHub | None = None,
                 sender: ReplySender, resumer: BotResumer, assist: Assist | None = None,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.store = store
        self.settings = settings
        self.hub = hub or EventHub()
        self.sender = sender
        self.resumer = resumer
        self.assist: Assist = assist or NoAssist()
        self.clock = clock
        self.suggester = LiveSuggestions(store, self.hub, self.assist, clock=clock)

    # ------------------------------------------------------------------------------------------------ users

    def create_user(self, name: str, password: str, role: str, display_name: str | None = None) -> int:
        if not NAME_PATTERN.match(name):
            raise ConsoleError(400, "用户名只能由 2–32 个字母、数字、点、下划线或连字符组成。")
        if role not in ROLES:
            raise ConsoleError(400, f"角色只能是 {' / '.join(ROLES)}。")
        try:
            passwords.check_strength(password)
        except passwords.WeakPassword as exc:
            raise ConsoleError(400, str(exc)) from exc
        try:
            with self.store.begin() as db:
                user = User(name=name, display_name=(display_name or name)[:64], role=role,
                            password_hash=passwords.hash_password(password), created_at=self.clock())
                db.add(user)
                db.flush()
                self._audit(db, None, "user_add", detail={"name": name, "role": role}, actor_name=SYSTEM_ACTOR)
                return user.id
        except IntegrityError as exc:
            raise ConsoleError(409, f"用户 {name} 已存在。") from exc

    def set_password(self, name: str, password: str) -> None:
        try:
            passwords.check_strength(password)
        except passwords.WeakPassword as exc:
            raise ConsoleError(400, str(exc)) from exc
        with self.store.begin() as db:
            user = db.scalar(select(User).where(User.name == name))
            if user is None:
                raise ConsoleError(404, f"没有用户 {name}。")
            user.password_hash = passwords.hash_password(password)
            user.failed_logins, user.locked_until = 0, None
            db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
            self._audit(db, None, "password_set", detail={"name": name}, actor_name=SYSTEM_ACTOR)

    def set_active(self, name: str, active: bool) -> None:
        with self.store.begin() as db:
            user = db.scalar(select(User).where(User.name == name))
            if user is None:
                raise ConsoleError(404, f"没有用户 {name}。")
            user.active = active
            if not active:
                db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
            self._audit(db, None, "user_enable" if active else "user_disable", detail={"name": name},
                        actor_name=SYSTEM_ACTOR)

    def list_users(self) -> list[dict[str, Any]]:
        with self.store.begin() as db:
            return [{"name": u.name, "display_name": u.display_name, "role": u.role, "active": u.active,
                     "created_at": _iso(u.created_at)} for u in db.scalars(select(User).order_by(User.name))]

    # -------------------------------------------------------------------------------------- login and sessions

    def login(self, name: str, password: str, *, ip: str = "") -> tuple[str, Actor]:
        """A new session for a right name and password: (cookie token, actor). Wrong ones raise 401, locked 429.

        A failed attempt is audited and counted (committed before the refusal is raised)."""
        now = self.clock()
        refusal: ConsoleError | None = None
        with self.store.begin() as db:
            user = db.scalar(select(User).where(User.name == name))
            if user is None or not user.active:
                passwords.burn_time(password)
                self._audit(db, None, "login_failed", detail={"name": name[:64], "ip": ip},
                            actor_name=name[:64] or "?")
                refusal = ConsoleError(401, "用户名或密码不正确。")
            elif user.locked_until is not None and user.locked_until > now:
                self._audit(db, user, "login_locked", detail={"ip": ip})
                refusal = ConsoleError(429, "密码错误次数过多，账号已暂时锁定，请稍后再试或联系班长。")
            elif not passwords.verify_password(password, user.password_hash):
                user.failed_logins += 1
                if user.failed_logins >= self.settings.login_max_failures:
                    user.locked_until = now + dt.timedelta(minutes=self.settings.login_lock_minutes)
                    user.failed_logins = 0
                self._audit(db, user, "login_failed", detail={"ip": ip})
                refusal = ConsoleError(401, "用户名或密码不正确。")
            else:
                if passwords.needs_rehash(user.password_hash):
                    user.password_hash = passwords.hash_password(password)
                user.failed_logins, user.locked_until = 0, None
                token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
                session = LoginSession(token_hash=_token_hash(token), csrf_token=csrf, user_id=user.id,
                                       created_at=now, expires_at=now + dt.timedelta(hours=self.settings.session_hours),
                                       last_seen_at=now)
                db.add(session)
                db.flush()
                self._audit(db, user, "login", detail={"ip": ip})
                actor = Actor(user.id, user.name, user.display_name, user.role, session.id, csrf)
        if refusal is not None:
            raise refusal
        self.hub.publish(events.QUEUE, {"reason": "agents"})
        return token, actor

    def actor_for(self, token: str | None) -> Actor | None:
        """The logged-in user of a session cookie, or None (unknown, expired or idle too long); touches it."""
        if not token or len(token) > 128:
            return None
        now = self.clock()
        idle = dt.timedelta(minutes=self.settings.session_idle_minutes)
        with self.store.begin() as db:
            row = db.execute(select(LoginSession, User).join(User, User.id == LoginSession.user_id)
                             .where(LoginSession.token_hash == _token_hash(token))).first()
            if row is None:
                return None
            session, user = row
            if not user.active or session.expires_at <= now or session.last_seen_at + idle <= now:
                db.delete(session)
                return None
            if now - session.last_seen_at >= min(TOUCH_EVERY, dt.timedelta(seconds=self.settings.heartbeat_timeout / 4)):
                session.last_seen_at = now
            return Actor(user.id, user.name, user.display_name, user.role, session.id, session.csrf_token)

    def heartbeat(self, actor: Actor) -> None:
        """The agent's console is alive (an SSE keep-alive or a ping)."""
        with self.store.begin() as db:
            db.execute(update(LoginSession).where(LoginSession.id == actor.session_id)
                       .values(last_seen_at=self.clock()))

    def logout(self, actor: Actor) -> None:
        """End the session; the agent's conversations return to the queue unless another live session remains."""
        with self.store.begin() as db:
            db.execute(delete(LoginSession).where(LoginSession.id == actor.session_id))
            user = db.get(User, actor.user_id)
            self._audit(db, user, "logout")
        self.sweep()

    # ------------------------------------------------------------------------------------------- the bot side

    def open_handoff(self, request: HandoffRequest) -> HandoffAnswer:
        for attempt in range(2):
            try:
                return self._open_handoff(request)
            except IntegrityError:  # another request opened this sender's handoff at the same moment
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _open_handoff(self, request: HandoffRequest) -> HandoffAnswer:
        now = self.clock()
        latest = request.understanding
        if latest is None:
            latest = next((i.understanding for i in reversed(request.transcript)
                           if i.role == CITIZEN and i.understanding), None)
        kinds = [_emergency_kind(latest)] + [_emergency_kind(i.understanding) for i in request.transcript]
        kind = next((k for k in kinds if k), None)
        if request.reason == EMERGENCY and kind is None:
            kind = "unknown"
        readings = [_appeal(latest)] + [_appeal(i.understanding) for i in reversed(request.transcript)
                                        if i.role == CITIZEN]
        appeal_type, confidence = next((r for r in readings if r[0]), (None, None))
        added: list[Message] = []
        with self.store.begin() as db:
            conversation = self._open_of(db, request.sender_id)
            created = conversation is None
            if conversation is None:
                conversation = Conversation(
                    sender_id=request.sender_id, channel=request.channel or channel_of_sender(request.sender_id),
                    reason=request.reason, emergency_kind=kind, priority=0 if kind else 1, state=WAITING,
                    waiting_since=now, created_at=now, updated_at=now, gist="")
                db.add(conversation)
                db.flush()
            else:
                if kind and not conversation.emergency_kind:
                    conversation.emergency_kind, conversation.priority = kind, 0
                if request.reason == EMERGENCY:
                    conversation.reason = EMERGENCY
                conversation.updated_at = now
            for position, item in enumerate(request.transcript):
                message = self._add_item(db, conversation, item, now, f"pos:{position}")
                if message is not None:
                    added.append(message)
            if latest is not None:
                conversation.understanding = latest
            if appeal_type:
                conversation.appeal_type, conversation.appeal_confidence = appeal_type, confidence
            conversation.gist = (request.gist or "")[:200] or self._gist_of(db, conversation) or conversation.gist
            self._audit(db, None, "handoff" if created else "handoff_refresh", conversation,
                        {"reason": request.reason, "emergency": kind, "messages": len(added)}, actor_name=BOT_ACTOR)
            answer = HandoffAnswer(conversation_id=conversation.id, state=conversation.state, created=created,
                                   position=self._position(db, conversation), waiting=self._waiting_count(db),
                                   agents_online=len(self._online_user_ids(db)))
            views = [self._message_view(db, m) for m in added]
            conversation_id = conversation.id
        self.hub.publish(events.QUEUE, {"conversation_id": conversation_id, "state": answer.state})
        for view in views:
            self.hub.publish(events.NEW_MESSAGE, {"conversation_id": conversation_id, "message": view})
        latest_new = next(((m.id, m.text, m.understanding, m.external_key) for m in reversed(added)
                           if m.role == CITIZEN and suggestable(m.text, m.understanding)), None)
        if latest_new is not None:
            message_id, text, understanding, key = latest_new
            self.suggester.message_arrived(conversation_id, message_id, text, understanding, key)
        return answer

    def add_message(self, request: MessageRequest) -> MessageAnswer | None:
        """Store a message of an open handoff; None when the sender has none (the bot answers it itself)."""
        now = self.clock()
        item = TranscriptItem(role=request.role, text=request.text, at=request.at, id=request.id,
                              understanding=request.understanding)
        with self.store.begin() as db:
            conversation = self._open_of(db, request.sender_id)
            if conversation is None:
                return None
            message = self._add_item(db, conversation, item, now, f"msg:{uuid.uuid4().hex}")
            if message is not None and request.role == CITIZEN:
                if request.understanding is not None:
                    conversation.understanding = request.understanding
                    kind = _emergency_kind(request.understanding)
                    if kind and not conversation.emergency_kind:
                        conversation.emergency_kind, conversation.priority = kind, 0
                    appeal_type, confidence = _appeal(request.understanding)
                    if appeal_type:
                        conversation.appeal_type, conversation.appeal_confidence = appeal_type, confidence
                conversation.gist = self._gist_of(db, conversation) or conversation.gist
            conversation.updated_at = now
            answer = MessageAnswer(conversation_id=conversation.id, state=conversation.state,
                                   stored=message is not None)
            view = self._message_view(db, message) if message is not None else None
            stored = (message.id, message.text, message.understanding, message.role) if message is not None else None
        if view is not None:
            self.hub.publish(events.NEW_MESSAGE, {"conversation_id": answer.conversation_id, "message": view})
            self.hub.publish(events.QUEUE, {"conversation_id": answer.conversation_id, "state": answer.state})
        if stored is not None and stored[3] == CITIZEN:
            self.suggester.message_arrived(answer.conversation_id, stored[0], stored[1], stored[2], request.id)
        return answer

    def cancel_handoff(self, sender_id: str, request: CancelRequest) -> CancelAnswer | None:
        """The citizen withdraws a handoff that still waits: off the queue (state ``returned``: the bot serves them
        again), their words and a note in the transcript, audited (``cancel``), agents told live. Once an agent
        has it nothing changes (``cancelled: false``: the bot relays the message, the agent decides). None when
        the sender has no open handoff."""
        now = self.clock()
        with self.store.begin() as db:
            conversation = self._open_of(db, sender_id)
            if conversation is None:
                return None
            conversation_id = conversation.id
            cancelled = db.execute(update(Conversation)
                                   .where(Conversation.id == conversation_id, Conversation.state == WAITING)
                                   .values(state=RETURNED, ended_at=now, updated_at=now)).rowcount == 1
            if not cancelled:
                return CancelAnswer(conversation_id=conversation_id, cancelled=False, state=conversation.state)
            added = []
            if request.text.strip():
                item = TranscriptItem(role=CITIZEN, text=request.text, at=request.at, id=request.id,
                                      understanding=request.understanding)
                added = [m for m in [self._add_item(db, conversation, item, now, f"msg:{uuid.uuid4().hex}")] if m]
            added.append(self._system(db, conversation_id, "市民已取消转人工，智能助手继续为其服务", now))
            waited = int((now - _aware(conversation.waiting_since, now)).total_seconds())
            self._audit(db, None, "cancel", conversation_id, {"waited_seconds": max(waited, 0)},
                        actor_name=BOT_ACTOR)
            views = [self._message_view(db, m) for m in added]
        self._conversation_changed(conversation_id, RETURNED, None, views)
        return CancelAnswer(conversation_id=conversation_id, cancelled=True, state=RETURNED)

    def status(self, sender_id: str) -> HandoffStatus:
        with self.store.begin() as db:
            conversation = self._open_of(db, sender_id)
            if conversation is None:
                return HandoffStatus(paused=False)
            agent = db.get(User, conversation.assigned_user_id) if conversation.assigned_user_id else None
            return HandoffStatus(paused=True, conversation_id=conversation.id, state=conversation.state,
                                 reason=conversation.reason, agent=agent.display_name if agent else None,
                                 position=self._position(db, conversation))

    # ---------------------------------------------------------------------------------------------- agents

    def queue_view(self, actor: Actor) -> dict[str, Any]:
        now = self.clock()
        with self.store.begin() as db:
            rows = [c for c in self._open_conversations(db) if c.channel != SEAT]
            users = self._user_names(db)
            items = [self._summary(c, now, users) for c in rows]
        waiting = [i for i in items if i["state"] == WAITING]
        for position, item in enumerate(waiting, 1):
            item["position"] = position
        return {"server_time": _iso(now), "waiting": waiting,
                "assigned": [i for i in items if i["state"] == ASSIGNED],
                "mine": [i for i in items if i["agent_id"] == actor.user_id]}

    def conversation_view(self, conversation_id: int, actor: Actor) -> dict[str, Any]:
        now = self.clock()
        with self.store.begin() as db:
            conversation = self._get(db, conversation_id)
            users = self._user_names(db)
            messages = db.scalars(select(Message).where(Message.conversation_id == conversation_id)
                                  .order_by(Message.at, Message.id)).all()
            summary = self._summary(conversation, now, users)
            summary["position"] = self._position(db, conversation)
            mine = conversation.assigned_user_id == actor.user_id
            call = conversation.channel == SEAT
            summary["is_call"] = call
            summary["can"] = {
                "take": conversation.state == WAITING,
                "reply": conversation.state == ASSIGNED and mine,
                "hand_back": not call and ((conversation.state == ASSIGNED and (mine or actor.is_supervisor))
                                           or (conversation.state == WAITING and actor.is_supervisor)),
                "close": conversation.state == ASSIGNED and (mine or actor.is_supervisor),
                "reveal": (mine and conversation.state == ASSIGNED) or actor.is_supervisor,
                "note": True,
                "file": mine or actor.is_supervisor,
                "add_line": call and conversation.state == ASSIGNED and mine,
            }
            summary["understanding"] = masking.mask_tree(conversation.understanding)
            return {"server_time": _iso(now), "conversation": summary,
                    "messages": [self._message_view(db, m, users) for m in messages]}

    def record_view(self, conversation_id: int, actor: Actor) -> None:
        """Audit that an agent opened a conversation (its page, not each refresh of its data)."""
        with self.store.begin() as db:
            self._get(db, conversation_id)
            self._audit(db, db.get(User, actor.user_id), "view", conversation_id)

    def take(self, conversation_id: int, actor: Actor) -> dict[str, Any]:
        now = self.clock()
        with self.store.begin() as db:
            self._get(db, conversation_id)
            taken = db.execute(update(Conversation)
                               .where(Conversation.id == conversation_id, Conversation.state == WAITING)
                               .values(state=ASSIGNED, assigned_user_id=actor.user_id, assigned_at=now,
                                       updated_at=now)).rowcount
            if not taken:
                raise ConsoleError(409, "该会话已被其他话务员接入或已结束。")
            db.execute(update(LoginSession).where(LoginSession.id == actor.session_id).values(last_seen_at=now))
            note = self._system(db, conversation_id, f"话务员 {actor.display_name} 已接入", now)
            self._audit(db, db.get(User, actor.user_id), "take", conversation_id)
            note_view = self._message_view(db, note)
        self._conversation_changed(conversation_id, ASSIGNED, actor.display_name, [note_view])
        if self.settings.take_message:
            self._deliver(conversation_id, actor, self.settings.take_message, audit_action="send_auto")
        return {"conversation_id": conversation_id, "state": ASSIGNED}

    def reply(self, conversation_id: int, actor: Actor, text: str, suggestion_id: int | None = None) -> dict[str, Any]:
        """Send ``text`` to the citizen (in call assist: record what the agent told the caller). With
        ``suggestion_id`` the reply started from that suggested answer: recorded as sent unchanged or edited."""
        text = (text or "").strip()
        if not text:
            raise ConsoleError(400, "请输入回复内容。")
        if len(text) > MAX_REPLY:
            raise ConsoleError(400, f"回复不能超过 {MAX_REPLY} 字。")
        with self.store.begin() as db:
            conversation = self._get(db, conversation_id)
            if conversation.state != ASSIGNED or conversation.assigned_user_id != actor.user_id:
                raise ConsoleError(409, "请先接入该会话再回复。")
        used: tuple[str, float, str] | None = None
        if suggestion_id is not None:
            try:
                used = self.suggester.judge(suggestion_id, conversation_id, text)
            except ValueError as exc:
                raise ConsoleError(400, str(exc)) from exc
        extra = {"suggestion": used[2], "suggestion_use": used[0]} if used else None
        view = self._deliver(conversation_id, actor, text, audit_action="send", extra=extra)
        if view["delivery"] == "failed":
            raise ConsoleError(502, f"消息未能送达市民：{view['delivery_error']}。消息已保存，可稍后重试。")
        if used is not None and suggestion_id is not None:
            self.suggester.record_use(suggestion_id, actor.user_id, used[0], used[1], view["id"])
            view["suggestion_use"] = used[0]
        return view

    def note(self, conversation_id: int, actor: Actor, text: str) -> dict[str, Any]:
        text = (text or "").strip()
        if not text:
            raise ConsoleError(400, "请输入备注内容。")
        if len(text) > MAX_REPLY:
            raise ConsoleError(400, f"备注不能超过 {MAX_REPLY} 字。")
        now = self.clock()
        with self.store.begin() as db:
            self._get(db, conversation_id)
            message = Message(conversation_id=conversation_id, role=NOTE, text=text, at=now,
                              external_key=f"note:{uuid.uuid4().hex}", user_id=actor.user_id)
            db.add(message)
            db.flush()
            self._audit(db, db.get(User, actor.user_id), "note", conversation_id, {"message_id": message.id})
            view = self._message_view(db, message)
        self.hub.publish(events.NEW_MESSAGE, {"conversation_id": conversation_id, "message": view})
        return view

    def hand_back(self, conversation_id: int, actor: Actor) -> dict[str, Any]:
        return self._end(conversation_id, actor, RETURNED)

    def close(self, conversation_id: int, actor: Actor) -> dict[str, Any]:
        return self._end(conversation_id, actor, CLOSED)

    def reveal(self, conversation_id: int, actor: Actor) -> dict[str, Any]:
        """The full phone numbers the citizen wrote in this conversation; audited (without the numbers)."""
        with self.store.begin() as db:
            conversation = self._get(db, conversation_id)
            mine = conversation.assigned_user_id == actor.user_id and conversation.state == ASSIGNED
            if not (mine or actor.is_supervisor):
                raise ConsoleError(403, "只有接入该会话的话务员或班长可以查看完整号码。")
            found: list[dict[str, Any]] = []
            for message in db.scalars(select(Message).where(Message.conversation_id == conversation_id,
                                                            Message.role == CITIZEN).order_by(Message.at)):
                for phone in masking.phones_in(message.text):
                    if phone not in [f["phone"] for f in found]:
                        found.append({"phone": phone, "masked": masking.mask_numbers(phone),
                                      "message_id": message.id})
            self._audit(db, db.get(User, actor.user_id), "reveal", conversation_id, {"count": len(found)})
        return {"conversation_id": conversation_id, "phones": found}

    def suggestions(self, conversation_id: int, actor: Actor, text: str | None = None) -> dict[str, Any]:
        """The suggested answers of the latest citizen message worth a search (``id`` of each is what a reply
        that uses it names); shown to ``actor`` when they have the conversation."""
        with self.store.begin() as db:
            self._get(db, conversation_id)
        return self.suggester.for_conversation(conversation_id, actor.user_id, text)

    # ------------------------------------------------------------------------------------------- call assist

    def start_call(self, actor: Actor) -> dict[str, Any]:
        """A call-assist conversation (电话辅助): the agent types what a caller says; nobody is behind a channel."""
        now = self.clock()
        with self.store.begin() as db:
            conversation = Conversation(
                sender_id=f"{SEAT}:{uuid.uuid4().hex}", channel=SEAT, reason=PHONE_CALL, emergency_kind=None,
                priority=1, state=ASSIGNED, assigned_user_id=actor.user_id, assigned_at=now, waiting_since=now,
                created_at=now, updated_at=now, gist="")
            db.add(conversation)
            db.flush()
            note = self._system(db, conversation.id, f"话务员 {actor.display_name} 开始电话辅助记录", now)
            self._audit(db, db.get(User, actor.user_id), "call_start", conversation)
            note_view, conversation_id = self._message_view(db, note), conversation.id
        self._conversation_changed(conversation_id, ASSIGNED, actor.display_name, [note_view])
        return {"conversation_id": conversation_id, "state": ASSIGNED}

    def add_line(self, conversation_id: int, actor: Actor, text: str) -> dict[str, Any]:
        """One line the caller said: stored as a citizen message with the console's own reading of it (fields,
        emergency), shown live, and searched for suggestions like a chat message."""
        text = (text or "").strip()
        if not text:
            raise ConsoleError(400, "请输入来电人所说的内容。")
        if len(text) > MAX_REPLY:
            raise ConsoleError(400, f"每行不能超过 {MAX_REPLY} 字。")
        understanding = _read_line(text)
        now = self.clock()
        with self.store.begin() as db:
            conversation = self._get(db, conversation_id)
            if conversation.channel != SEAT:
                raise ConsoleError(409, "只有电话辅助记录可以添加来电内容。")
            if conversation.state != ASSIGNED or conversation.assigned_user_id != actor.user_id:
                raise ConsoleError(409, "该来电记录已结束或不属于您。")
            message = Message(conversation_id=conversation_id, role=CITIZEN, text=text, at=now,
                              external_key=f"line:{uuid.uuid4().hex}", understanding=understanding)
            db.add(message)
            db.flush()
            kind = _emergency_kind(understanding)
            if kind and not conversation.emergency_kind:
                conversation.emergency_kind, conversation.priority = kind, 0
            conversation.understanding = understanding
            conversation.gist = self._gist_of(db, conversation) or conversation.gist
            conversation.updated_at = now
            self._audit(db, db.get(User, actor.user_id), "call_line", conversation_id, {"message_id": message.id})
            view = self._message_view(db, message)
            message_id = message.id
        self.hub.publish(events.NEW_MESSAGE, {"conversation_id": conversation_id, "message": view})
        self.suggester.message_arrived(conversation_id, message_id, text, understanding, None)
        return view

    def calls_of(self, actor: Actor) -> dict[str, Any]:
        """The actor's call-assist records: open ones and the latest ended ones (a supervisor sees everyone's)."""
        now = self.clock()
        with self.store.begin() as db:
            query = select(Conversation).where(Conversation.channel == SEAT)
            if not actor.is_supervisor:
                query = query.where(Conversation.assigned_user_id == actor.user_id)
            rows = db.scalars(query.order_by(Conversation.created_at.desc()).limit(50)).all()
            users = self._user_names(db)
            items = [self._summary(c, now, users) for c in rows]
        return {"server_time": _iso(now), "open": [i for i in items if i["state"] in OPEN_STATES],
                "ended": [i for i in items if i["state"] not in OPEN_STATES]}

    def supervisor_view(self) -> dict[str, Any]:
        now = self.clock()
        start_of_day = now.astimezone(BEIJING).replace(hour=0, minute=0, second=0, microsecond=0)
        with self.store.begin() as db:
            users = self._user_names(db)
            open_items = [self._summary(c, now, users) for c in self._open_conversations(db)]
            online = self._online_user_ids(db)
            assigned_count = dict(db.execute(
                select(Conversation.assigned_user_id, func.count()).where(Conversation.state == ASSIGNED)
                .group_by(Conversation.assigned_user_id)).all())
            last_seen = dict(db.execute(select(LoginSession.user_id, func.max(LoginSession.last_seen_at))
                                        .group_by(LoginSession.user_id)).all())
            agents = [{"id": u.id, "name": u.name, "display_name": u.display_name, "role": u.role,
                       "role_label": ROLE_LABELS.get(u.role, u.role), "online": u.id in online,
                       "assigned": assigned_count.get(u.id, 0), "last_seen": _iso(_aware(last_seen.get(u.id), now))
                       if last_seen.get(u.id) else None}
                      for u in db.scalars(select(User).where(User.active.is_(True)).order_by(User.name))]
            emergencies = [self._summary(c, now, users) for c in db.scalars(
                select(Conversation).where(Conversation.emergency_kind.is_not(None),
                                           Conversation.created_at >= start_of_day)
                .order_by(Conversation.created_at.desc()))]
        waiting = [i for i in open_items if i["state"] == WAITING]
        waits = [i["wait_seconds"] for i in waiting]
        return {
            "server_time": _iso(now),
            "counts": {"waiting": len(waiting), "assigned": len(open_items) - len(waiting),
                       "emergency_waiting": sum(1 for i in waiting if i["emergency"]),
                       "agents_online": sum(1 for a in agents if a["online"]),
                       "longest_wait_seconds": max(waits, default=0),
                       "average_wait_seconds": round(sum(waits) / len(waits)) if waits else 0,
                       "emergencies_today": len(emergencies)},
            "queue": open_items, "agents": agents, "emergencies_today": emergencies,
        }

    def audit_entries(self, *, action: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        with self.store.begin() as db:
            query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
            if action:
                query = query.where(AuditEntry.action == action)
            return [{"id": a.id, "at": _iso(a.at), "user": a.user_name, "action": a.action,
                     "conversation_id": a.conversation_id, "detail": a.detail} for a in db.scalars(query)]

    # ----------------------------------------------------------------------------------------- the heartbeat

    def sweep(self) -> list[int]:
        """Return to the queue the conversations of agents with no live console; drop expired sessions."""
        now = self.clock()
        cutoff = now - dt.timedelta(seconds=self.settings.heartbeat_timeout)
        idle = now - dt.timedelta(minutes=self.settings.session_idle_minutes)
        returned: list[tuple[int, dict[str, Any]]] = []
        with self.store.begin() as db:
            db.execute(delete(LoginSession).where(or_(LoginSession.expires_at <= now, LoginSession.last_seen_at <= idle)))
            live = select(LoginSession.id).where(LoginSession.user_id == Conversation.assigned_user_id,
                                                 LoginSession.last_seen_at > cutoff).exists()
            orphans = db.scalars(select(Conversation).where(Conversation.state == ASSIGNED, Conversation.channel != SEAT,
                                                            ~live)).all()
            users = self._user_names(db)
            for conversation in orphans:
                agent = users.get(conversation.assigned_user_id or -1, "?")
                moved = db.execute(update(Conversation).where(Conversation.id == conversation.id,
                                                              Conversation.state == ASSIGNED,
                                                              Conversation.assigned_user_id ==
                                                              conversation.assigned_user_id)
                                   .values(state=WAITING, assigned_user_id=None, assigned_at=None,
                                           updated_at=now)).rowcount
                if not moved:
                    continue
                note = self._system(db, conversation.id, f"话务员 {agent} 已离线，会话已回到队列", now)
                self._audit(db, None, "auto_return", conversation.id, {"agent": agent}, actor_name=SYSTEM_ACTOR)
                returned.append((conversation.id, self._message_view(db, note)))
        for conversation_id, view in returned:
            logger.info("conversation %d returned to the queue: its agent is gone", conversation_id)
            self._conversation_changed(conversation_id, WAITING, None, [view])
        return [c for c, _ in returned]

    # ---------------------------------------------------------------------------------------------- helpers

    def _end(self, conversation_id: int, actor: Actor, final_state: str) -> dict[str, Any]:
        with self.store.begin() as db:
            conversation = self._get(db, conversation_id)
            mine = conversation.assigned_user_id == actor.user_id
            allowed = (conversation.state == ASSIGNED and (mine or actor.is_supervisor)) or (
                final_state == RETURNED and conversation.state == WAITING and actor.is_supervisor)
            if not allowed and conversation.state not in OPEN_STATES:
                raise ConsoleError(409, "该会话已交回机器人或已结束。")
            if not allowed:
                raise ConsoleError(409 if mine or actor.is_supervisor else 403,
                                   "只有接入该会话的话务员或班长可以交回或结束会话。")
            sender_id, state_before = conversation.sender_id, conversation.state
            call = conversation.channel == SEAT
        if call and final_state == RETURNED:
            raise ConsoleError(409, "电话辅助记录没有机器人对话可交回，请点“结束来电”。")
        try:
            if not call:
                self.resumer.resume(sender_id)
        except ResumeFailed as exc:
            with self.store.begin() as db:
                self._audit(db, db.get(User, actor.user_id), "resume_failed", conversation_id, {"error": str(exc)})
            raise ConsoleError(502, f"未能恢复智能助手：{exc}。会话保持不变，请稍后重试。") from exc
        now = self.clock()
        action = "hand_back" if final_state == RETURNED else "close"
        with self.store.begin() as db:
            moved = db.execute(update(Conversation).where(Conversation.id == conversation_id,
                                                          Conversation.state == state_before)
                               .values(state=final_state, ended_at=now, updated_at=now)).rowcount
            if not moved:
                raise ConsoleError(409, "会话状态已变化，请刷新后重试。")
            text = f"话务员 {actor.display_name} 已将会话交回智能助手" if final_state == RETURNED else \
                f"话务员 {actor.display_name} 已结束来电记录" if call else \
                f"话务员 {actor.display_name} 已结束人工服务（智能助手已恢复）"
            note = self._system(db, conversation_id, text, now)
            self._audit(db, db.get(User, actor.user_id), action, conversation_id)
            note_view = self._message_view(db, note)
        self._conversation_changed(conversation_id, final_state, None, [note_view])
        if final_state == RETURNED and self.settings.handback_message:
            self._deliver(conversation_id, actor, self.settings.handback_message, audit_action="send_auto",
                          require_open=False)
        return {"conversation_id": conversation_id, "state": final_state}

    def _deliver(self, conversation_id: int, actor: Actor, text: str, *, audit_action: str,
                 require_open: bool = True, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Store an agent message, push it to the citizen (a phone call: the agent said it), record how it went;
        returns its view."""
        now = self.clock()
        with self.store.begin() as db:
            conversation = self._get(db, conversation_id)
            if require_open and conversation.state != ASSIGNED:
                raise ConsoleError(409, "会话已不在处理中。")
            message = Message(conversation_id=conversation_id, role=AGENT_ROLE, text=text, at=now,
                              external_key=f"agent:{uuid.uuid4().hex}", user_id=actor.user_id, delivery="sending")
            db.add(message)
            db.flush()
            message_id, sender_id, channel = message.id, conversation.sender_id, conversation.channel
        error: str | None = None
        try:
            if channel == SEAT:
                delivery = "spoken"  # told to the caller on the phone
            else:
                result = self.sender.send(sender_id, channel, text)
                delivery = "sent" if result.delivered else "queued"
        except DeliveryFailed as exc:
            delivery, error = "failed", str(exc)[:255]
        with self.store.begin() as db:
            message = db.get(Message, message_id)
            assert message is not None
            message.delivery, message.delivery_error = delivery, error
            self._audit(db, db.get(User, actor.user_id), audit_action, conversation_id,
                        {"message_id": message_id, "delivery": delivery, **({"error": error} if error else {}),
                         **(extra or {})})
            view = self._message_view(db, message)
        self.hub.publish(events.NEW_MESSAGE, {"conversation_id": conversation_id, "message": view})
        return view

    def _conversation_changed(self, conversation_id: int, state: str, agent: str | None,
                              messages: list[dict[str, Any]]) -> None:
        for view in messages:
            self.hub.publish(events.NEW_MESSAGE, {"conversation_id": conversation_id, "message": view})
        self.hub.publish(events.CONVERSATION, {"conversation_id": conversation_id, "state": state, "agent": agent})
        self.hub.publish(events.QUEUE, {"conversation_id": conversation_id, "state": state})

    def _add_item(self, db: Session, conversation: Conversation, item: TranscriptItem, now: dt.datetime,
                  fallback_key: str) -> Message | None:
        """Add one transcript item unless a message with its key is already there; returns the new message."""
        at = _aware(item.at, now)
        if item.id:
            key = f"id:{item.id}"
        elif item.at is not None:
            digest = hashlib.sha1(item.text.encode("utf-8")).hexdigest()[:16]
            key = f"at:{item.role}:{at.astimezone(dt.timezone.utc).isoformat()}:{digest}"
        else:
            key = fallback_key
        exists = db.scalar(select(Message.id).where(Message.conversation_id == conversation.id,
                                                    Message.external_key == key))
        if exists is not None:
            return None
        message = Message(conversation_id=conversation.id, role=item.role, text=item.text, at=at,
                          external_key=key[:255],
                          understanding=item.understanding if item.role == CITIZEN else None)
        db.add(message)
        db.flush()
        return message

    def _system(self, db: Session, conversation_id: int, text: str, now: dt.datetime) -> Message:
        message = Message(conversation_id=conversation_id, role=SYSTEM, text=text, at=now,
                          external_key=f"system:{uuid.uuid4().hex}")
        db.add(message)
        db.flush()
        return message

    def _audit(self, db: Session, user: User | None, action: str, conversation: Conversation | int | None = None,
               detail: dict[str, Any] | None = None, *, actor_name: str | None = None) -> None:
        conversation_id = conversation.id if isinstance(conversation, Conversation) else conversation
        db.add(AuditEntry(at=self.clock(), user_id=user.id if user else None,
                          user_name=actor_name or (user.name if user else SYSTEM_ACTOR), action=action,
                          conversation_id=conversation_id, detail=detail or {}))

    @staticmethod
    def _open_of(db: Session, sender_id: str) -> Conversation | None:
        return db.scalar(select(Conversation).where(Conversation.sender_id == sender_id,
                                                    Conversation.state.in_(OPEN_STATES)))

    @staticmethod
    def _get(db: Session, conversation_id: int) -> Conversation:
        conversation = db.get(Conversation, conversation_id)
        if conversation is None:
            raise ConsoleError(404, "没有这个会话。")
        return conversation

    @staticmethod
    def _open_conversations(db: Session) -> list[Conversation]:
        return list(db.scalars(select(Conversation).where(Conversation.state.in_(OPEN_STATES))
                               .order_by(Conversation.state.desc(),  # waiting before assigned
                                         Conversation.priority, Conversation.waiting_since, Conversation.id)))

    @staticmethod
    def _waiting_count(db: Session) -> int:
        return db.scalar(select(func.count()).where(Conversation.state == WAITING)) or 0

    @staticmethod
    def _position(db: Session, conversation: Conversation) -> int | None:
        if conversation.state != WAITING:
            return None
        ahead = db.scalar(select(func.count()).where(
            Conversation.state == WAITING,
            or_(Conversation.priority < conversation.priority,
                and_(Conversation.priority == conversation.priority,
                     or_(Conversation.waiting_since < conversation.waiting_since,
                         and_(Conversation.waiting_since == conversation.waiting_since,
                              Conversation.id < conversation.id)))))) or 0
        return ahead + 1

    def _online_user_ids(self, db: Session) -> set[int]:
        cutoff = self.clock() - dt.timedelta(seconds=self.settings.heartbeat_timeout)
        return set(db.scalars(select(LoginSession.user_id).join(User, User.id == LoginSession.user_id)
                              .where(LoginSession.last_seen_at > cutoff, User.active.is_(True))))

    @staticmethod
    def _user_names(db: Session) -> dict[int, str]:
        return dict(db.execute(select(User.id, User.display_name)).all())

    @staticmethod
    def _gist_of(db: Session, conversation: Conversation) -> str:
        rows = db.execute(select(Message.text, Message.understanding)
                          .where(Message.conversation_id == conversation.id, Message.role == CITIZEN)
                          .order_by(Message.at, Message.id)).all()
        return _gist((text, understanding) for text, understanding in rows)

    @staticmethod
    def _summary(conversation: Conversation, now: dt.datetime, users: dict[int, str]) -> dict[str, Any]:
        kind = conversation.emergency_kind
        return {
            "id": conversation.id,
            "sender": masking.mask_numbers(conversation.sender_id),
            "channel": conversation.channel,
            "channel_label": CHANNEL_LABELS.get(conversation.channel, conversation.channel),
            "reason": conversation.reason,
            "reason_label": REASON_LABELS.get(conversation.reason, conversation.reason),
            "emergency": kind is not None,
            "emergency_kind": kind,
            "emergency_label": EMERGENCY_LABELS.get(kind, "紧急情况") if kind else None,
            "priority": conversation.priority,
            "state": conversation.state,
            "state_label": STATE_LABELS.get(conversation.state, conversation.state),
            "agent_id": conversation.assigned_user_id,
            "agent": users.get(conversation.assigned_user_id) if conversation.assigned_user_id else None,
            "waiting_since": _iso(conversation.waiting_since),
            "wait_seconds": max(0, int((now - conversation.waiting_since).total_seconds())),
            "created_at": _iso(conversation.created_at),
            "ended_at": _iso(conversation.ended_at),
            "appeal_type": conversation.appeal_type,
            "appeal_confidence": conversation.appeal_confidence,
            "gist": masking.mask_numbers(conversation.gist or ""),
        }

    @staticmethod
    def _message_view(db: Session, message: Message, users: dict[int, str] | None = None) -> dict[str, Any]:
        author = None
        if message.user_id is not None:
            if users is not None:
                author = users.get(message.user_id)
            else:
                user = db.get(User, message.user_id)
                author = user.display_name if user else None
        return {"id": message.id, "role": message.role, "text": masking.mask_numbers(message.text),
                "at": _iso(message.at), "author": author, "delivery": message.delivery,
                "delivery_error": message.delivery_error,
                "understanding": masking.mask_tree(message.understanding) if message.understanding else None}
