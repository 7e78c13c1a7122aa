"""Handing a conversation to a human agent, from the Rasa tracker's side (docs/console.md, "The bot side").

The console gets the conversation so far: every citizen and bot message since the session started, with its time,
Rasa's timestamp as its id (a refresh never duplicates a message), and each citizen message's understanding from the
turn's decision payload (``{"rexian": {...}}``, :mod:`bot.actions.decision`). While the console has the conversation
the ``handoff_active`` slot is set and every message is relayed (:func:`bot.actions.shared.relay`); the console's
hand-back resets the slot together with Rasa's ``resume`` (``console.resume_reset_slots``), and a 404 on a relayed
message clears it too. Rasa's own ``pause`` is never used: the action server must keep seeing the messages, to run
the emergency check and the understanding for the agent.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from agent_console.contract import MAX_TEXT, MessageRequest, TranscriptItem
from bot.actions.container import services
from bot.actions.handoff_desk import HandoffResult, RelayResult
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


def relay_bot_text(tracker: Tracker, text: str, number: int = 0) -> None:
    """Show the agent what the bot itself said during the handoff (an emergency's numbers, an acknowledgement)."""
    event = latest_user_event(tracker) or {}
    request = MessageRequest(sender_id=tracker.sender_id or "", text=text[:MAX_TEXT], role="bot",
                             at=dt.datetime.now(BEIJING), id=f"{event_id(event) or 'turn'}:reply{number}")
    services().handoff_desk.relay(request)
