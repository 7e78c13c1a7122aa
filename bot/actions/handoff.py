"""Handing a conversation to a human agent, from the Rasa tracker's side (docs/console.md, "The bot side").

The console gets the conversation so far: every citizen and bot message since the session started, with its time,
Rasa's timestamp as its id (a refresh never duplicates a message), and each citizen message's understanding from the
turn's decision payload (``{"rexian": {...}}``, :mod:`bot.actions.decision`). While the console has the conversation
the ``handoff_active`` slot is set and every message is relayed (:func:`bot.actions.shared.relay`); the console's
hand-back resets the slot together with Rasa's ``resume`` (``console.resume_reset_slots``), and a 404 on a relayed
message clears it too. While the conversation still waits for an agent the citizen may withdraw it ("取消",
"不用了", "算了，不转人工了", the 取消转人工 button): :func:`withdraw`. Rasa's own ``pause`` is never used: the action server must keep seeing the messages, to run
the emergency check and the understanding for the agent.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from agent_console.contract import MAX_TEXT, CancelRequest, MessageRequest, TranscriptItem
from bot.actions.container import services
from bot.actions.decision import Decision, announce
from bot.actions.handoff_desk import HandoffResult, RelayResult, Withdrawal
from bot.actions.replies import WITHDRAW_BUTTON
from domain import BEIJING

logger = logging.getLogger(__name__)

HANDOFF_SLOT = "handoff_active"
GIVE_UP_AFTER = 3  # no-matches in a row after which the bot hands the citizen to an agent itself
NOT_SAID = frozenset({"start_survey"})  # intents the system triggers (the callbacks scheduler): not the citizen's


# ------------------------------------------------------------------------------------------ reading the tracker
def session_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The events since the conversation's session started."""
    events = list(tracker.events or [])
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "session_started":
            return events[index + 1:]
    return events


def event_id(event: Mapping[str, Any]) -> str | None:
    timestamp = event.get("timestamp")
    return f"rasa:{float(timestamp):.6f}" if isinstance(timestamp, (int, float)) else None


def event_time(event: Mapping[str, Any]) -> dt.datetime | None:
    timestamp = event.get("timestamp")
    return dt.datetime.fromtimestamp(float(timestamp), BEIJING) if isinstance(timestamp, (int, float)) else None


def _decision_of(event: Mapping[str, Any]) -> dict[str, Any] | None:
    custom = (event.get("data") or {}).get("custom")
    if isinstance(custom, Mapping) and isinstance(custom.get("rexian"), Mapping):
        return dict(custom["rexian"])
    return None


def _button_title(payload: str, events: Iterable[Mapping[str, Any]]) -> str:
    """What the citizen saw on the button whose payload they sent (the latest bot message offering it)."""
    for event in reversed(list(events)):
        if event.get("event") == "bot":
            for button in (event.get("data") or {}).get("buttons") or []:
                if isinstance(button, Mapping) and button.get("payload") == payload and button.get("title"):
                    return f"[按钮] {button['title']}"
    return f"[按钮] {payload}"


def shown_text(text: str, events: Sequence[Mapping[str, Any]]) -> str:
    """A citizen message as the agent should read it: a button's payload becomes its title."""
    return _button_title(text, events) if text.startswith("/") else text


def turn_decisions(tracker: Tracker) -> list[str | None]:
    """The decision of every finished turn of the session, oldest first (the last payload of each; None: none)."""
    decisions: list[str | None] = []
    for event in session_events(tracker):
        if event.get("event") == "user":
            decisions.append(None)
        elif event.get("event") == "bot" and decisions and (found := _decision_of(event)) is not None:
            decisions[-1] = str(found.get("decision"))
    return decisions[:-1]  # the current turn has no decision yet


def previous_decision(tracker: Tracker) -> str | None:
    decisions = turn_decisions(tracker)
    return decisions[-1] if decisions else None


def gives_up(tracker: Tracker) -> bool:
    """Whether a no-match now is the ``GIVE_UP_AFTER``-th in a row."""
    decisions = turn_decisions(tracker)
    needed = GIVE_UP_AFTER - 1
    return len(decisions) >= needed and all(d == "no_match" for d in decisions[-needed:])


def bot_spoke_since_handoff(tracker: Tracker) -> bool:
    """Whether the bot said anything (a text) since the handoff opened: an acknowledgement is sent only once."""
    events = session_events(tracker)
    start = None
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "slot" and event.get("name") == HANDOFF_SLOT and event.get("value"):
            start = index
            break
    if start is None:
        return False
    return any(e.get("event") == "bot" and e.get("text") for e in events[start + 1:])


def transcript(tracker: Tracker, understanding: dict[str, Any] | None = None,
               bot_texts: Sequence[str] = ()) -> list[TranscriptItem]:
    """The conversation since the session started, for the agent: citizen messages with their understanding (the
    current one's is ``understanding``), the bot's texts, then ``bot_texts`` (this turn's replies so far)."""
    events = session_events(tracker)
    items: list[TranscriptItem] = []
    last_citizen: TranscriptItem | None = None
    current_id: str | None = None
    for index, event in enumerate(events):
        kind = event.get("event")
        if kind == "user":
            text = str(event.get("text") or "").strip()
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if not text or intent in NOT_SAID:
                last_citizen = None
                continue
            current_id = event_id(event)
            last_citizen = TranscriptItem(role="citizen", text=shown_text(text, events[:index])[:MAX_TEXT],
                                          at=event_time(event), id=current_id)
            items.append(last_citizen)
        elif kind == "bot":
            found = _decision_of(event)
            if found is not None and last_citizen is not None and found.get("understanding"):
                last_citizen.understanding = found["understanding"]
            text = str(event.get("text") or "").strip()
            if text:
                items.append(TranscriptItem(role="bot", text=text[:MAX_TEXT], at=event_time(event),
                                            id=event_id(event)))
    if understanding is not None and last_citizen is not None and last_citizen.id == current_id:
        last_citizen.understanding = understanding
    now = dt.datetime.now(BEIJING)
    for number, text in enumerate(bot_texts):
        items.append(TranscriptItem(role="bot", text=text[:MAX_TEXT], at=now,
                                    id=f"{current_id or 'turn'}:reply{number}"))
    return items


def latest_user_event(tracker: Tracker) -> dict[str, Any] | None:
    return next((e for e in reversed(tracker.events or []) if e.get("event") == "user"), None)


# -------------------------------------------------------------------------------------------- the console
def hand_over(tracker: Tracker, reason: str, understanding: dict[str, Any] | None = None,
              bot_texts: Sequence[str] = ()) -> HandoffResult:
    """Give the conversation to the console (when an agent can answer it now) with the transcript so far."""
    return services().handoff_desk.open(tracker.sender_id or "", reason,
                                        transcript(tracker, understanding, bot_texts), understanding)


def handoff_events(result: HandoffResult) -> list[EventType]:
    """``handoff_active`` while the console has the conversation."""
    return [SlotSet(HANDOFF_SLOT, True)] if result.open else []


def relay_message(tracker: Tracker, text: str, understanding: dict[str, Any] | None) -> RelayResult:
    """Forward the latest citizen message (and its understanding) to the sender's open handoff."""
    event = latest_user_event(tracker) or {}
    events = session_events(tracker)
    shown = shown_text(text, events) if text else "（空消息）"
    request = MessageRequest(sender_id=tracker.sender_id or "", text=shown[:MAX_TEXT], role="citizen",
                             at=event_time(event), id=event_id(event), understanding=understanding)
    return services().handoff_desk.relay(request)


# --------------------------------------------------------------------------------- the citizen withdraws it
#: The 取消转人工 button offered with the place-in-queue reply: plain text, read like the typed words.
CANCEL_BUTTON = WITHDRAW_BUTTON
_PUNCTUATION = re.compile(r"[\s，。！？、,.!?~～…；;：:]+")
_WITHDRAWS = re.compile(
    r"(?:好吧|好的|那就|那|嗯)*(?:算了)?(?:我)?(?:还是)?"
    r"(?:(?:取消|不用|不要|不需要|不转|不找|不等|不想等)(?:转|找|等)?(?:人工服务|人工客服|人工|话务员|客服)?(?:了|吧|啦)*)?"
    r"(?:谢谢|谢谢你)?")
_WITHDRAW_WORD = re.compile(r"算了|取消|不用|不要|不需要|不转|不找|不等|不想等")
CANCELLED_TEXT = "已为您取消转人工，接下来由智能助手继续为您服务。请问还有什么可以帮您？需要真人服务时可以再回复“转人工”。"
CANCEL_FAILED_TEXT = ("抱歉，人工服务系统暂时连接不上，没能为您取消转人工，您仍在人工队列中。请稍后再回复“取消”，"
                      "或者直接在这里留言等话务员回复。")


def asks_to_withdraw(text: str) -> bool:
    """Whether a message while waiting for an agent withdraws the request: "取消", "不用了", "算了",
    "算了，不转人工了", "取消转人工" … (short, nothing else in it; "取消工单" is for the agent)."""
    bare = _PUNCTUATION.sub("", text or "")
    return 0 < len(bare) <= 20 and bool(_WITHDRAWS.fullmatch(bare)) and bool(_WITHDRAW_WORD.search(bare))


def withdraw(dispatcher: CollectingDispatcher, tracker: Tracker, text: str, emergency: bool,
             understanding: dict[str, Any] | None = None) -> list[EventType] | None:
    """A message of an open handoff that withdraws it while it still waits: off the console's queue, the slot
    cleared, the citizen told the bot serves them again. None when the message is anything else, an emergency, or
    the conversation is with an agent already (then it is relayed: the agent decides)."""
    if emergency or not asks_to_withdraw(text):
        return None
    event = latest_user_event(tracker) or {}
    shown = shown_text(text, session_events(tracker))
    request = CancelRequest(text=shown[:MAX_TEXT], at=event_time(event), id=event_id(event),
                            understanding=understanding)
    outcome = services().handoff_desk.cancel(tracker.sender_id or "", request)
    if outcome is Withdrawal.WITH_AGENT:
        return None
    state = {"reason": None, "outcome": outcome.value, "position": None, "agents_online": None}
    if outcome is Withdrawal.UNREACHABLE:
        dispatcher.utter_message(text=CANCEL_FAILED_TEXT)
        announce(dispatcher, Decision.HANDOFF, understanding=understanding,
                 handoff={**state, "open": True, "state": "waiting"})
        return []
    dispatcher.utter_message(text=CANCELLED_TEXT)
    announce(dispatcher, Decision.HANDOFF, understanding=understanding,
             handoff={**state, "outcome": Withdrawal.CANCELLED.value, "open": False, "state": "returned"})
    return [SlotSet(HANDOFF_SLOT, None)]


def relay_bot_text(tracker: Tracker, text: str, number: int = 0) -> None:
    """Show the agent what the bot itself said during the handoff (an emergency's numbers, an acknowledgement)."""
    event = latest_user_event(tracker) or {}
    request = MessageRequest(sender_id=tracker.sender_id or "", text=text[:MAX_TEXT], role="bot",
                             at=dt.datetime.now(BEIJING), id=f"{event_id(event) or 'turn'}:reply{number}")
    services().handoff_desk.relay(request)
