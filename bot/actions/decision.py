"""The decision a turn ended with, sent to the channel as one Rasa ``custom`` message (docs/decisions.md).

Connectors show only text, buttons and images, so citizens never see it; ``rexian eval dialogues`` and the
seat-agent console read it, and the web chat page learns from ``handoff.open`` that an agent may write.
"""
from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from rasa_sdk.executor import CollectingDispatcher


class Decision(str, Enum):
    EMERGENCY = "emergency"
    ANSWER = "answer"
    DID_YOU_MEAN = "did_you_mean"
    NO_MATCH = "no_match"
    INTAKE = "intake"
    ASK_TYPE = "ask_type"
    FORM = "form"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"
    STATUS = "status"
    HANDOFF = "handoff"
    LANGUAGE = "language"
    SMALLTALK = "smalltalk"
    OUT_OF_SCOPE = "out_of_scope"
    VOTE = "vote"
    SURVEY = "survey"
    OTHER = "other"


def payload(decision: Decision, *, entry_ids: Sequence[str] = (), emergency: str | None = None,
            appeal_type: str | None = None, understanding: dict[str, Any] | None = None,
            handoff: dict[str, Any] | None = None) -> dict[str, Any]:
    """``handoff``: what this turn did with a human agent (a handoff tried, or a message relayed), else None."""
    return {"rexian": {"decision": decision.value, "entry_ids": list(entry_ids), "emergency": emergency,
                       "appeal_type": appeal_type, "understanding": understanding, "handoff": handoff}}


def announce(dispatcher: CollectingDispatcher, decision: Decision, **details: Any) -> None:
    """Send the turn's decision (the last one sent in a turn is the one that counts)."""
    dispatcher.utter_message(json_message=payload(decision, **details))
