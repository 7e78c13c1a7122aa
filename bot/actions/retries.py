"""A message the channel sent again after a timeout is not a second message.

A channel that retries (the web chat page after a network error or a slow answer, a REST client) may send the same
message twice; with a ``message_id`` in the message's metadata (Rasa's REST channel passes ``metadata`` on), the
actions recognise the second copy — an earlier user event of the conversation with the same id — and do nothing:
no reply, no events, so a form does not take the repeated words as the answer to its next question and a
confirmation never files twice. Messages without an id are always new.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

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
