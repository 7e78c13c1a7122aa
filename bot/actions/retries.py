"""A message the channel sent again after a timeout is not a second message.

A channel that retries (the web chat page after a network error or a slow answer, a REST client) may send the same
message twice; with a ``message_id`` in the message's metadata (Rasa's REST channel passes ``metadata`` on), the
actions recognise the second copy — an earlier user event of the conversation with the same id — and change
nothing: no events, so a form does not take the repeated words as the answer to its next question and a
confirmation never files twice. The copy is answered with what the bot said to the first one (the channel that
retried never got that answer). Messages without an id are always new.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

MAX_ID = 64


def _message_id(event: dict[str, Any]) -> str | None:
    metadata = event.get("metadata") or (event.get("parse_data") or {}).get("metadata") or {}
    value = metadata.get("message_id") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= MAX_ID else None


def is_retry(tracker: Tracker) -> bool:
    """Whether the latest user message repeats an earlier one of this conversation (same channel message id)."""
    users = [e for e in tracker.events or [] if e.get("event") == "user"]
    if len(users) < 2:
        return False
    latest = _message_id(users[-1])
    return latest is not None and any(_message_id(e) == latest for e in users[:-1])


def first_answer(tracker: Tracker) -> list[dict[str, Any]]:
    """The bot messages (text, buttons, image, attachment) that answered the first copy of the latest message."""
    events = tracker.events or []
    latest = next((_message_id(e) for e in reversed(events) if e.get("event") == "user"), None)
    if latest is None:
        return []
    answer: list[dict[str, Any]] = []
    collecting = False
    for event in events:
        kind = event.get("event")
        if kind == "user":
            if collecting:
                break
            collecting = _message_id(event) == latest
        elif collecting and kind == "bot":
            data = event.get("data") or {}
            message = {"text": event.get("text"), "buttons": data.get("buttons"), "image": data.get("image"),
                       "attachment": data.get("attachment")}
            message = {k: v for k, v in message.items() if v}
            if message:  # the decision record for the console (custom data only) is not the citizen's answer
                answer.append(message)
    return answer


def repeat_first_answer(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Say again what answered the first copy of the latest message (see :func:`first_answer`)."""
    for message in first_answer(tracker):
        dispatcher.utter_message(**message)
