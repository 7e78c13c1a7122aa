"""Suggested answers, live: computed for each new citizen message, pushed to agents, and what became of them.

When a citizen message arrives (``/internal/message``, a handoff's transcript, or a line typed in call assist) a
worker thread asks the :class:`~agent_console.assist.Assist` for the top entries, stores one row per suggestion
(``console_suggestions``) and publishes a ``suggestions`` event on the live stream, so the agent's screen changes
without a request. The bot's request never waits for the knowledge base.

Each row records whether the agent who had the conversation saw it (``shown_at``: it was pushed while the agent had
the conversation, or the agent's page read it) and what they did: sent it **unchanged**, sent it **edited**, or
nothing (``outcome`` null). :mod:`agent_console.usage` counts them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from agent_console.assist import Assist, NoAssist, Suggestion
from agent_console.contract import ASSIGNED
from agent_console.events import EventHub
from agent_console.models import (
    CITIZEN,
    SENT_EDITED,
    SENT_UNCHANGED,
    Conversation,
    Message,
    SuggestionShown,
    utcnow,
)
from nlu import readings

logger = logging.getLogger(__name__)

SUGGESTIONS = "suggestions"   # the live event
LIMIT = 3
OPENING_WAIT = 60.0           # seconds a message waits for a knowledge base still opening
MIN_CHARS = 2
_SPACE = re.compile(r"\s+")


def suggestable(text: str, understanding: dict[str, Any] | None) -> bool:
    """Whether a citizen message is worth a search: not a bare "转人工", greeting or one-character reply."""
    seen = understanding.get("readings") if isinstance(understanding, dict) else None
    if isinstance(seen, dict) and (seen.get("handoff") or seen.get("small_talk")):
        return False
    compact = readings.compact(text or "")
    if len(compact) < MIN_CHARS:
        return False
    if isinstance(seen, dict):
        return True
    # no reading of the bot's: the same rules on the text
    return not (readings.small_talk(text) or (readings.asks_for_human(text) and len(compact) <= 8))


def same_text(a: str, b: str) -> bool:
    return _SPACE.sub("", a or "") == _SPACE.sub("", b or "")


def row_view(row: SuggestionShown) -> dict[str, Any]:
    return {"id": row.id, "entry_id": row.entry_id, "question": row.question, "answer": row.answer,
            "similarity": row.similarity, "source": row.source, "department": row.department,
            "valid_from": row.valid_from, "valid_to": row.valid_to, "rank": row.rank, "outcome": row.outcome}


class LiveSuggestions:
    """The worker, the rows and the live event. ``enabled`` is False with no assistant configured."""

    def __init__(self, store: Any, hub: EventHub, assist: Assist | None, *,
                 clock: Callable[[], dt.datetime] = utcnow, workers: int = 2, limit: int = LIMIT) -> None:
        self.store = store
        self.hub = hub
        self.assist: Assist = assist or NoAssist()
        self.clock = clock
        self.limit = limit
        self.enabled = not isinstance(self.assist, NoAssist)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="console-suggest") \
            if self.enabled else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------------------------------- new messages

    def message_arrived(self, conversation_id: int, message_id: int, text: str,
                        understanding: dict[str, Any] | None, source_id: str | None = None) -> None:
        """A citizen message was stored: compute its suggestions in the background and push them."""
        if self._pool is None or not suggestable(text, understanding):
            return
        try:
            self._pool.submit(self._run, conversation_id, message_id, text, source_id)
        except RuntimeError:  # shutting down
            pass

    def _run(self, conversation_id: int, message_id: int, text: str, source_id: str | None) -> None:
        waiting = getattr(self.assist, "wait", None)
        if callable(waiting) and not getattr(self.assist, "ready", True):
            waiting(OPENING_WAIT)  # the knowledge base is still opening (the first seconds after a start)
        try:
            views = self._compute(conversation_id, message_id, text)
        except Exception:  # noqa: BLE001 - a failed search must not stop the worker
            logger.exception("suggestions for message %d failed", message_id)
            return
        if views is None:
            return
        self.hub.publish(SUGGESTIONS, {"conversation_id": conversation_id, "message_id": message_id,
                                       "source_id": source_id, "suggestions": views})

    def _compute(self, conversation_id: int, message_id: int, text: str) -> list[dict[str, Any]] | None:
        """Search, store the rows (once per message and entry) and return their views; None if the message or
        its conversation is gone."""
        found = self.assist.suggestions(text, limit=self.limit)
        now = self.clock()
        try:
            with self.store.begin() as db:
                conversation = db.get(Conversation, conversation_id)
                if conversation is None:
                    return None
                existing = {r.entry_id: r for r in db.scalars(select(SuggestionShown)
                                                              .where(SuggestionShown.message_id == message_id))}
                holder = conversation.assigned_user_id if conversation.state == ASSIGNED else None
                rows = []
                for rank, suggestion in enumerate(found, 1):
                    row = existing.get(suggestion.entry_id)
                    if row is None:
                        row = self._row(conversation_id, message_id, rank, suggestion, now)
                        if holder is not None:
                            row.shown_at, row.shown_to = now, holder
                        db.add(row)
                    rows.append(row)
                db.flush()
                return [row_view(r) for r in rows]
        except IntegrityError:  # the page asked for the same message at the same moment: its rows stand
            return self._stored(message_id)

    def _stored(self, message_id: int) -> list[dict[str, Any]]:
        with self.store.begin() as db:
            return [row_view(r) for r in db.scalars(select(SuggestionShown)
                                                    .where(SuggestionShown.message_id == message_id)
                                                    .order_by(SuggestionShown.rank))]

    @staticmethod
    def _row(conversation_id: int, message_id: int, rank: int, s: Suggestion, now: dt.datetime) -> SuggestionShown:
        return SuggestionShown(conversation_id=conversation_id, message_id=message_id, rank=rank,
                               entry_id=s.entry_id[:64], question=s.question, answer=s.answer,
                               similarity=float(s.similarity), source=(s.source or "")[:255],
                               department=(s.department or "")[:128], valid_from=s.valid_from, valid_to=s.valid_to,
                               created_at=now)

    # ------------------------------------------------------------------------------------------------- a page

    def for_conversation(self, conversation_id: int, actor_id: int, text: str | None = None) -> dict[str, Any]:
        """The suggestions of the latest citizen message worth a search (computed now if the worker has not yet);
        marked shown when ``actor_id`` has the conversation. ``text`` searches that text instead (not stored)."""
        if text is not None:
            return {"conversation_id": conversation_id, "message_id": None,
                    "suggestions": [dict(s.to_dict(), id=None) for s in self.assist.suggestions(text,
                                                                                                limit=self.limit)]}
        with self.store.begin() as db:
            latest = None
            for message in db.scalars(select(Message).where(Message.conversation_id == conversation_id,
                                                            Message.role == CITIZEN)
                                      .order_by(Message.at.desc(), Message.id.desc()).limit(20)):
                if suggestable(message.text, message.understanding):
                    latest = message
                    break
            if latest is None:
                return {"conversation_id": conversation_id, "message_id": None, "suggestions": []}
            message_id, message_text = latest.id, latest.text
            has_rows = db.scalar(select(SuggestionShown.id).where(SuggestionShown.message_id == message_id)
                                 .limit(1)) is not None
        views = self._stored(message_id) if has_rows else (self._compute(conversation_id, message_id,
                                                                         message_text) or [])
        self._mark_shown(conversation_id, message_id, actor_id)
        return {"conversation_id": conversation_id, "message_id": message_id, "suggestions": views}

    def _mark_shown(self, conversation_id: int, message_id: int, actor_id: int) -> None:
        with self.store.begin() as db:
            conversation = db.get(Conversation, conversation_id)
            if conversation is None or conversation.state != ASSIGNED or conversation.assigned_user_id != actor_id:
                return
            db.execute(update(SuggestionShown).where(SuggestionShown.message_id == message_id,
                                                     SuggestionShown.shown_at.is_(None))
                       .values(shown_at=self.clock(), shown_to=actor_id))

    # -------------------------------------------------------------------------------------------------- a send

    def judge(self, suggestion_id: int, conversation_id: int, text: str) -> tuple[str, float, str]:
        """(outcome, similarity of the sent text to the answer, entry id) of sending ``text`` for a suggestion
        of this conversation; ValueError if it is not one."""
        with self.store.begin() as db:
            row = db.get(SuggestionShown, suggestion_id)
            if row is None or row.conversation_id != conversation_id:
                raise ValueError("没有这条建议答复。")
            ratio = round(difflib.SequenceMatcher(None, row.answer, text, autojunk=False).ratio(), 3)
            return (SENT_UNCHANGED if same_text(row.answer, text) else SENT_EDITED), ratio, row.entry_id

    def record_use(self, suggestion_id: int, actor_id: int, outcome: str, ratio: float,
                   reply_message_id: int | None) -> None:
        """The agent sent it (the first send counts); a suggestion sent is also a suggestion shown."""
        now = self.clock()
        with self.store.begin() as db:
            row = db.get(SuggestionShown, suggestion_id)
            if row is None or row.outcome is not None:
                return
            row.outcome, row.edit_ratio, row.used_at, row.used_by = outcome, ratio, now, actor_id
            row.reply_message_id = reply_message_id
            if row.shown_at is None:
                row.shown_at, row.shown_to = now, actor_id
