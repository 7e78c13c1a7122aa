"""Rasa actions of the intake: start a form, drive it turn by turn, query work-order status.

Rasa's ``intake_form`` loop only carries the turn-taking (its one slot ``intake_reply`` takes every message
while it is active); :class:`~bot.actions.intake.machine.IntakeMachine` decides what each message means and
what to ask next, and its state travels in the ``intake_state`` slot.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.offload import offloaded
from bot.actions.container import services
from bot.actions.decision import Decision, announce
from bot.actions.intake.machine import TurnResult
from bot.actions.intake.session import IntakeSession
from bot.actions.intake.submit import submission_text
from bot.actions.machine_form import MachineForm
from bot.actions.shared import handoff, kb_reply
from dispatch_client import DispatchAPIError
from domain import REST, channel_of_sender, is_provisional
from nlu.understanding import TurnContext

logger = logging.getLogger(__name__)

FORM = "intake_form"


def channel_of(tracker: Tracker) -> tuple[str, str]:
    """(channel, channel_user_id) for the dispatch backend: the channel the sender id names ("web:…", "tg:…",
    "wx:…"), else the Rasa input channel the message came through."""
    sender = tracker.sender_id or ""
    channel = channel_of_sender(sender)
    if channel == REST:
        channel = tracker.get_latest_input_channel() or REST
    return channel, sender


def _send_all(dispatcher: CollectingDispatcher, result: TurnResult) -> None:
    for reply in result.replies:
        if reply.text:
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)


def _metadata(tracker: Tracker) -> dict[str, Any]:
    return tracker.latest_message.get("metadata") or {}


def begin_intake(dispatcher: CollectingDispatcher, result: TurnResult) -> list[EventType]:
    """Send the first replies and hand the conversation to the form."""
    _send_all(dispatcher, result)
    if result.session is None:
        return []
    return [SlotSet("intake_state", result.session.to_dict()), SlotSet("intake_reply", None),
            FollowupAction(FORM)]


class ValidateIntakeForm(MachineForm):
    """Every message while the form is active goes through the intake machine."""

    form, state_slot, reply_slot, state_type = FORM, "intake_state", "intake_reply", IntakeSession

    def turn(self, dispatcher: CollectingDispatcher, tracker: Tracker, state: IntakeSession,
             text: str) -> list[EventType]:
        result = services().intake_machine.handle(state, text, metadata=_metadata(tracker))
        if result.handoff:
            events = handoff(dispatcher, tracker, in_form=True)
            if events:  # an agent will take it: the form ends, what was collected goes along in the transcript
                return self.end() + events
            return self.keep(result.session or state)  # nobody can come now: the citizen may go on here
        _send_all(dispatcher, result)
        if result.submit and result.session is not None:
            return self._submit(dispatcher, tracker, result.session)
        if result.to_consultation and result.session is not None:
            u = services().understander.understand(result.session.first_message, TurnContext(intent="consult"))
            return self.end() + kb_reply(dispatcher, tracker, u)
        if result.session is None:
            announce(dispatcher, Decision.CANCELLED if result.cancelled else Decision.OTHER)
            return self.end()
        announce(dispatcher, Decision.FORM, appeal_type=result.session.appeal_type)
        return self.keep(result.session)

    def _submit(self, dispatcher: CollectingDispatcher, tracker: Tracker, session: IntakeSession) -> list[EventType]:
        channel, channel_user_id = channel_of(tracker)
        try:
            submission = services().submitter.submit(session, channel=channel, channel_user_id=channel_user_id)
        except DispatchAPIError as exc:
            logger.error("work order rejected by the backend: %s", exc.description)
            dispatcher.utter_message(
                text="抱歉，工单提交时被系统退回，您的信息没有丢失。请稍后回复“确认”再试一次，或拨打12345热线由话务员帮您登记。")
            announce(dispatcher, Decision.FORM, appeal_type=session.appeal_type)
            return self.keep(session)
        logger.info("intake %s submitted: %s (%s)", session.id, submission.outcome,
                    "provisional" if submission.provisional else "order")
        dispatcher.utter_message(text=submission_text(submission))
        announce(dispatcher, Decision.SUBMITTED, appeal_type=session.appeal_type)
        return self.end() + [SlotSet("last_order", submission.reference)]


class ActionIntakeFinished(Action):
    """After the form ends: nothing left to say, make sure no stale reply is kept."""

    def name(self) -> str:
        return "action_intake_finished"

    @offloaded
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return [SlotSet("intake_reply", None)]


def query_status(tracker: Tracker, text: str) -> str:
    """"查一下我的工单 + 编号", or the citizen's recent orders on this channel."""
    entity = next(tracker.get_latest_entity_values("order_number"), None)
    if entity and str(entity) not in text:
        text = f"{text} {entity}"
    last = tracker.get_slot("last_order") or ""
    if not any(ch.isdigit() for ch in text) and is_provisional(last):
        text = f"{text} {last}"  # a provisional reference is not in the backend's list yet
    channel, channel_user_id = channel_of(tracker)
    return services().status_lookup.answer(text, channel=channel, channel_user_id=channel_user_id)
