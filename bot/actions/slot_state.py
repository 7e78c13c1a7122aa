"""Conversation state that travels between turns in one Rasa slot, and the events that end a form loop."""
from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, TypeVar

T = TypeVar("T", bound="SlotState")


class SlotState:
    """Mixin for a dataclass kept as a JSON-able dict in an ``any`` slot; unknown keys (older versions) are dropped."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any] | None) -> T | None:
        if not data:
            return None
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in known})


def form_ended(state_slot: str, reply_slot: str) -> list[Any]:
    """Slot events that end a machine-driven form: its state and reply cleared, ``requested_slot`` None."""
    from rasa_sdk.events import SlotSet

    return [SlotSet(state_slot, None), SlotSet(reply_slot, None), SlotSet("requested_slot", None)]
