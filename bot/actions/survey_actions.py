"""Rasa actions of the satisfaction callback (回访): start the survey, drive it, record the result.

The callbacks scheduler starts a survey with Rasa's ``trigger_intent`` (intent ``start_survey``, entity
``survey_order``); a citizen can also start one ("评价工单 2026…", intent ``rate_order``). The ``survey_form`` loop
carries the turns; :class:`~bot.actions.survey.machine.SurveyMachine` reads them.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.offload import offloaded
from bot.actions.decision import Decision, announce
from bot.actions.handoff import HANDOFF_SLOT
from bot.actions.intake.contacts import beijing_time, mask_contacts
from bot.actions.intake.status import find_reference
from bot.actions.container import services
from bot.actions.machine_form import MachineForm
from bot.actions.survey.machine import SurveyMachine, SurveySession, invitation
from dispatch_client import (
    ConflictError,
    DispatchAPIError,
    DispatchUnavailable,
    NotFoundError,
    ServiceRequest,
    SurveyResult,
)
from domain import ARCHIVED, CALLBACK_DONE, SURVEYABLE_STATES, UNSATISFIED, is_provisional

logger = logging.getLogger(__name__)

FORM = "survey_form"


def _summary(description: str | None) -> str:
    """The first line of the order's description, phone and ID numbers masked, at most 30 characters."""
    text = mask_contacts((description or "").split("\n")[0].strip())
    return text if len(text) <= 30 else text[:30] + "…"


class ActionStartSurvey(Action):
    def name(self) -> str:
        return "action_start_survey"

    @offloaded
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if tracker.get_slot(HANDOFF_SLOT):
            # An agent has the conversation: no survey in the middle of it. Saying nothing makes the callbacks
            # scheduler try again later (as when it finds no message to push).
            logger.info("survey not started: a human agent has the conversation")
            return []
        order_id = (next(tracker.get_latest_entity_values("survey_order"), None)
                    or next(tracker.get_latest_entity_values("order_number"), None)
                    or find_reference(tracker.latest_message.get("text") or "")
                    or tracker.get_slot("last_order"))
        if not order_id or is_provisional(str(order_id)):
            dispatcher.utter_message(text="请告诉我要评价的工单号（16位数字），例如“评价工单2026112700000042”。")
            return []
        try:
            order = services().dispatch_client.get(str(order_id))
        except NotFoundError:
            dispatcher.utter_message(text=f"没有找到工单 {order_id}，请核对工单号后再试。")
            return []
        except (DispatchUnavailable, DispatchAPIError):
            dispatcher.utter_message(text="工单系统暂时无法连接，请稍后再评价。")
            return []
        if order.workflow_state not in SURVEYABLE_STATES:
            if order.survey is not None and order.workflow_state in (CALLBACK_DONE, ARCHIVED):
                dispatcher.utter_message(text=f"工单 {order.service_request_id} 已经评价过了，感谢您的反馈。")
            else:
                dispatcher.utter_message(
                    text=f"工单 {order.service_request_id} 目前的状态是“{order.workflow_state_name or order.status}”，"
                         "办结后才能评价，届时我们会主动回访您。")
            return []
        reply = invitation(order.service_request_id, _summary(order.description), order.agency_responsible or "",
                           order.status_notes or "")
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
        announce(dispatcher, Decision.SURVEY)
        session = SurveySession(order.service_request_id)
        return [SlotSet("survey_state", session.to_dict()), SlotSet("survey_reply", None), FollowupAction(FORM)]


class ValidateSurveyForm(MachineForm):
    form, state_slot, reply_slot, state_type = FORM, "survey_state", "survey_reply", SurveySession

    def turn(self, dispatcher: CollectingDispatcher, tracker: Tracker, session: SurveySession,
             text: str) -> list[EventType]:
        turn = SurveyMachine().handle(session, text)
        announce(dispatcher, Decision.SURVEY)
        for reply in turn.replies:
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
        if turn.record and turn.session is not None:
            dispatcher.utter_message(text=record(turn.session))
            return self.end()
        if turn.session is None:
            return self.end()
        return self.keep(turn.session)


def record(session: SurveySession) -> str:
    """Send the answers through the outbox: one attempt now, the outbox's sender later when the backend is down.

    The backend reopens the order for review itself when the answers call for it (``domain.reopens_for_review``).
    """
    comment = "；".join(x for x in (session.reason, session.comment) if x)
    write = SurveyResult(service_request_id=session.service_request_id, resolved=bool(session.resolved),
                         satisfaction=session.satisfaction or UNSATISFIED, comment=comment)  # type: ignore[arg-type]
    try:
        entry = services().outbox.submit(write)
    except ConflictError:
        return "这个工单已经评价过了，感谢您的反馈。"
    if not entry.delivered:
        logger.warning("dispatch backend unreachable; a survey result waits in the outbox")
        if session.needs_review:
            return ("您的评价已记录。我们会安排承办部门重新核查处理（回访复核），5个工作日内给您答复。")
        return "您的评价已记录，感谢您对12345热线工作的支持！"
    logger.info("survey recorded for an order (review=%s)", session.needs_review)
    if session.needs_review:
        due = entry.result.expected_datetime if isinstance(entry.result, ServiceRequest) else None  # the review's
        deadline = f"（{beijing_time(due)} 前）" if due else ""
        return (f"已为您申请回访复核，工单 {session.service_request_id} 已重新交办，承办部门将在5个工作日内{deadline}"
                "重新处理，办结后我们会再次回访您。")
    return "您的评价已记录，感谢您对12345热线工作的支持！"


class ActionSurveyFinished(Action):
    """After the survey form ends: drop the stale reply."""

    def name(self) -> str:
        return "action_survey_finished"

    @offloaded
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return [SlotSet("survey_reply", None)]
