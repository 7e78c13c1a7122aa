"""The validate action of a machine-driven form: Rasa's form loop carries the turns, a plain-Python machine reads them.

Such a form has two slots: one that holds the machine's state between turns (a :class:`SlotState` as a dict) and
one that takes every message while the form is active. A subclass names the form, its slots and its state type, and
says in :meth:`MachineForm.turn` what one message does; the base does the rest the same way for every form: nothing
while the form is being activated (the action that opened it read the first message), a human agent first when one
has the conversation (an emergency handed over mid-form: the message is relayed and the form waits, intact, for the
hand-back), the emergency protocol first (the form keeps its state), and ending the form when its state is gone.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.offload import offloaded
from bot.actions.retries import is_retry, repeat_first_answer
from bot.actions.container import services
from bot.actions.handoff import HANDOFF_SLOT, withdraw
from bot.actions.shared import check_emergency, relay
from bot.actions.slot_state import SlotState, form_ended
from nlu.understanding import TurnContext, Understanding


class MachineForm(Action, ABC):
    """``validate_<form>`` for a form whose turns a state machine reads."""

    form: ClassVar[str]                 # the Rasa form, e.g. "intake_form"
    state_slot: ClassVar[str]           # the slot with the machine's state, e.g. "intake_state"
    reply_slot: ClassVar[str]           # the form's one slot, taking every message, e.g. "intake_reply"
    state_type: ClassVar[type[SlotState]]

    def name(self) -> str:
        return f"validate_{self.form}"

    @offloaded
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if tracker.get_slot("requested_slot") is None:
            return []  # the form is being activated: the first message was read by the action that opened it
        state = self.state_type.from_dict(tracker.get_slot(self.state_slot))
        if state is None:
            return self.end()
        if is_retry(tracker):  # the channel sent this message again after a timeout: the form stays where it is
            repeat_first_answer(dispatcher, tracker)
            return self.keep(state)
        text = str(tracker.get_slot(self.reply_slot) or tracker.latest_message.get("text") or "")
        cleared: list[EventType] = []
        if tracker.get_slot(HANDOFF_SLOT):  # an agent has the conversation; the form waits for the hand-back
            understanding = self.understand(tracker, text)
            withdrawn = withdraw(dispatcher, tracker, text,
                                 understanding is not None and understanding.emergency is not None,
                                 understanding.to_dict() if understanding else None)
            if withdrawn is not None:  # "取消" while still waiting: off the queue, the form goes on
                return self.keep(state) + withdrawn
            relayed = relay(dispatcher, tracker, text, understanding)
            if relayed.handled:
                return self.keep(state) + relayed.events
            cleared = relayed.events
        emergency = check_emergency(dispatcher, tracker, text)
        if emergency is not None:  # safety first; the form keeps what it has
            return cleared + self.keep(state) + emergency
        return cleared + self.turn(dispatcher, tracker, state, text)

    @staticmethod
    def understand(tracker: Tracker, text: str) -> Understanding | None:
        """The understanding of a message for the agent (None for a button)."""
        if not text or text.startswith("/"):
            return None
        intent = tracker.latest_message.get("intent") or {}
        context = TurnContext(intent=intent.get("name"), intent_confidence=float(intent.get("confidence") or 0.0))
        return services().understander.understand(text, context)

    @abstractmethod
    def turn(self, dispatcher: CollectingDispatcher, tracker: Tracker, state: Any, text: str) -> list[EventType]:
        """What the message ``text`` does to the form whose state is ``state``."""

    def keep(self, state: SlotState) -> list[EventType]:
        """The form goes on with ``state``."""
        return [SlotSet(self.state_slot, state.to_dict()), SlotSet(self.reply_slot, None)]

    def end(self) -> list[EventType]:
        """The form ends: its state and reply cleared."""
        return form_ended(self.state_slot, self.reply_slot)
