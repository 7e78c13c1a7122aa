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

from bot.actions import replies
from bot.actions.intake.forms import AppealType
from bot.actions.intake.machine import TurnResult
from bot.actions.intake.session import IntakeSession
from bot.actions.intake.submit import submission_text
from bot.actions.runtime import intake_machine, status_lookup, work_order_submitter
from bot.actions.slot_state import form_ended
from dispatch_client import DispatchAPIError

logger = logging.getLogger(__name__)

FORM = "intake_form"
INTENT_APPEALS = {"complain": AppealType.COMPLAINT, "request_help": AppealType.HELP, "suggest": AppealType.SUGGESTION}
HINT_MIN_CONFIDENCE = 0.6
CHANNEL_PREFIXES = {"web": "webchat", "tg": "telegram", "wx": "wechat", "seat": "seat"}


def channel_of(tracker: Tracker) -> tuple[str, str]:
    """(channel, channel_user_id) for the dispatch backend, from the sender id ("web:…", "tg:…", "wx:…")."""
    sender = tracker.sender_id or ""
    prefix, _, rest = sender.partition(":")
    if rest and prefix in CHANNEL_PREFIXES:
        return CHANNEL_PREFIXES[prefix], sender
    return (tracker.get_latest_input_channel() or "api"), sender


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


class ActionStartIntake(Action):
    """A complaint, help request or suggestion: open the form with what the first message already says."""

    def name(self) -> str:
        return "action_start_intake"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = (tracker.latest_message.get("text") or "").strip()
        intent = tracker.latest_message.get("intent") or {}
        hinted = INTENT_APPEALS.get(intent.get("name", ""))
        confidence = float(intent.get("confidence") or 0.0)
        if hinted is not None and confidence < HINT_MIN_CONFIDENCE:
            hinted = None
        if text.startswith("/"):
            text = ""
        result = intake_machine().start(text, hinted=hinted, hint_confidence=confidence, metadata=_metadata(tracker))
        if result.to_consultation:
            return [FollowupAction("action_answer_question")]
        return begin_intake(dispatcher, result)


class ValidateIntakeForm(Action):
    """Every message while the form is active goes through the intake machine."""

    def name(self) -> str:
        return f"validate_{FORM}"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if tracker.get_slot("requested_slot") is None:
            return []  # the form is being activated: the first message was read by action_start_intake
        session = IntakeSession.from_dict(tracker.get_slot("intake_state"))
        if session is None:
            return self._end()
        text = tracker.get_slot("intake_reply") or tracker.latest_message.get("text") or ""
        machine = intake_machine()
        result = machine.handle(session, str(text), metadata=_metadata(tracker))
        _send_all(dispatcher, result)
        if result.submit and result.session is not None:
            return self._submit(dispatcher, tracker, result.session)
        if result.to_consultation and result.session is not None:
            answer = machine.services.kb_answer(result.session.first_message)
            reply = replies.Reply(answer, list(replies.VOTE_BUTTONS)) if answer else replies.no_match_reply()
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
            return self._end() + [SlotSet("kb_last_query", result.session.first_message)]
        if result.handoff:
            logger.info("handoff requested during an intake on channel %s", channel_of(tracker)[0])
            return self._end() + [SlotSet("handoff_requested", True)]
        if result.session is None:
            return self._end()
        return [SlotSet("intake_state", result.session.to_dict()), SlotSet("intake_reply", None)]

    @staticmethod
    def _end() -> list[EventType]:
        return form_ended("intake_state", "intake_reply")

    def _submit(self, dispatcher: CollectingDispatcher, tracker: Tracker, session: IntakeSession) -> list[EventType]:
        channel, channel_user_id = channel_of(tracker)
        try:
            submission = work_order_submitter().submit(session, channel=channel, channel_user_id=channel_user_id)
        except DispatchAPIError as exc:
            logger.error("work order rejected by the backend: %s", exc.description)
            dispatcher.utter_message(
                text="抱歉，工单提交时被系统退回，您的信息没有丢失。请回复“转人工”由话务员帮您登记，或拨打12345热线。")
            return [SlotSet("intake_state", session.to_dict()), SlotSet("intake_reply", None)]
        logger.info("intake %s submitted: %s (%s)", session.id, submission.outcome,
                    "provisional" if submission.provisional else "order")
        dispatcher.utter_message(text=submission_text(submission))
        return self._end() + [SlotSet("last_order", submission.reference)]


class ActionIntakeFinished(Action):
    """After the form ends: nothing left to say, make sure no stale reply is kept."""

    def name(self) -> str:
        return "action_intake_finished"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return [SlotSet("intake_reply", None)]


class ActionQueryStatus(Action):
    """"查一下我的工单 + 编号", or the citizen's recent orders on this channel."""

    def name(self) -> str:
        return "action_query_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        entity = next(tracker.get_latest_entity_values("order_number"), None)
        if entity and str(entity) not in text:
            text = f"{text} {entity}"
        last = tracker.get_slot("last_order") or ""
        if not any(ch.isdigit() for ch in text) and last.startswith("LS"):
            text = f"{text} {last}"  # a provisional reference is not in the backend's list yet
        channel, channel_user_id = channel_of(tracker)
        dispatcher.utter_message(text=status_lookup().answer(text, channel=channel, channel_user_id=channel_user_id))
        return []
