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

from bot.actions.decision import Decision, announce
from bot.actions.intake.contacts import beijing_time, mask_contacts
from bot.actions.intake.status import find_reference
from bot.actions.runtime import dispatch_client
from bot.actions.slot_state import form_ended
from bot.actions.survey.machine import UNSATISFIED, SurveyMachine, SurveySession, invitation
from dispatch_client import ConflictError, DispatchAPIError, DispatchUnavailable, NotFoundError

logger = logging.getLogger(__name__)

FORM = "survey_form"
SURVEYABLE_STATES = ("closed",)


def _summary(description: str | None) -> str:
    """The first line of the order's description, phone and ID numbers masked, at most 30 characters."""
    text = mask_contacts((description or "").split("\n")[0].strip())
    return text if len(text) <= 30 else text[:30] + "…"


class ActionStartSurvey(Action):
    def name(self) -> str:
        return "action_start_survey"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        order_id = (next(tracker.get_latest_entity_values("survey_order"), None)
                    or next(tracker.get_latest_entity_values("order_number"), None)
                    or find_reference(tracker.latest_message.get("text") or "")
                    or tracker.get_slot("last_order"))
        if not order_id or str(order_id).startswith("LS"):
            dispatcher.utter_message(text="请告诉我要评价的工单号（16位数字），例如“评价工单2026112700000042”。")
            return []
        try:
            order = dispatch_client().get(str(order_id))
        except NotFoundError:
            dispatcher.utter_message(text=f"没有找到工单 {order_id}，请核对工单号后再试。")
            return []
        except (DispatchUnavailable, DispatchAPIError):
            dispatcher.utter_message(text="工单系统暂时无法连接，请稍后再评价。")
            return []
        if order.workflow_state not in SURVEYABLE_STATES:
            if order.survey is not None and order.workflow_state in ("callback_done", "archived"):
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


class ValidateSurveyForm(Action):
    def name(self) -> str:
        return f"validate_{FORM}"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if tracker.get_slot("requested_slot") is None:
            return []
        session = SurveySession.from_dict(tracker.get_slot("survey_state"))
        if session is None:
            return self._end()
        text = str(tracker.get_slot("survey_reply") or tracker.latest_message.get("text") or "")
        from bot.actions.actions import check_emergency

        if check_emergency(dispatcher, tracker, text):  # safety first; the survey keeps its state
            return [SlotSet("survey_state", session.to_dict()), SlotSet("survey_reply", None)]
        turn = SurveyMachine().handle(session, text)
        announce(dispatcher, Decision.SURVEY)
        for reply in turn.replies:
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
        if turn.record and turn.session is not None:
            dispatcher.utter_message(text=record(turn.session))
            return self._end()
        if turn.session is None:
            return self._end()
        return [SlotSet("survey_state", turn.session.to_dict()), SlotSet("survey_reply", None)]

    @staticmethod
    def _end() -> list[EventType]:
        return form_ended("survey_state", "survey_reply")


def record(session: SurveySession) -> str:
    """Record the answers in the backend (reopening for review when needed); queue them when it is down."""
    comment = "；".join(x for x in (session.reason, session.comment) if x)
    client = dispatch_client()
    try:
        client.record_survey(session.service_request_id, resolved=bool(session.resolved),
                             satisfaction=session.satisfaction or UNSATISFIED, comment=comment)
        if session.resolved is False and session.satisfaction != UNSATISFIED:
            client.reopen(session.service_request_id, session.reason or "市民反映问题未解决")
        order = client.get(session.service_request_id) if session.needs_review else None
    except ConflictError:
        return "这个工单已经评价过了，感谢您的反馈。"
    except DispatchUnavailable:
        _queue(session, comment)
        if session.needs_review:
            return ("您的评价已记录。我们会安排承办部门重新核查处理（回访复核），5个工作日内给您答复。")
        return "您的评价已记录，感谢您对12345热线工作的支持！"
    logger.info("survey recorded for an order (review=%s)", session.needs_review)
    if session.needs_review:
        deadline = f"（{beijing_time(order.expected_datetime)} 前）" if order is not None and order.expected_datetime else ""
        return (f"已为您申请回访复核，工单 {session.service_request_id} 已重新交办，承办部门将在5个工作日内{deadline}"
                "重新处理，办结后我们会再次回访您。")
    return "您的评价已记录，感谢您对12345热线工作的支持！"


def _queue(session: SurveySession, comment: str) -> None:
    from callbacks.results import ResultQueue
    from rexian.config import load_config

    reason = (session.reason or "市民反映问题未解决") if session.resolved is False else None
    queue = ResultQueue(load_config().callbacks.store_url)
    try:
        queue.put(session.service_request_id, session.resolved, session.satisfaction, comment, reason)
    finally:
        queue.close()


class ActionSurveyFinished(Action):
    """After the survey form ends: drop the stale reply."""

    def name(self) -> str:
        return "action_survey_finished"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return [SlotSet("survey_reply", None)]
