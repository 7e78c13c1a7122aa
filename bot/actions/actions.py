"""Custom actions of the consultation bot, served by rasa-sdk (Python 3.11) to the Rasa 3.6 server.

The knowledge base is opened once when the action server imports this module, so the server only reports
healthy when it can answer.
"""
from __future__ import annotations

import difflib
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import replies
from bot.actions.options import parse_option
from bot.actions.runtime import feedback_log, knowledge_base
from knowledge_base.banding import Band
from knowledge_base.schema import KBEntry

logger = logging.getLogger(__name__)

RESTATE_MIN_RATIO = 0.6
QUESTION_INTAKE_CONFIDENCE = 0.8  # a question-shaped message the KB cannot answer starts an intake only above this  # how close a message must be to a candidate question to count as picking it


def _send(dispatcher: CollectingDispatcher, reply: replies.Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


def _answer_entry(dispatcher: CollectingDispatcher, entry: KBEntry, query: str) -> list[EventType]:
    _send(dispatcher, replies.answer_reply(entry.question, entry.answer, entry.department))
    return [SlotSet("kb_last_entry", entry.id), SlotSet("kb_last_query", query), SlotSet("kb_candidates", None)]


def _already_ran_this_turn(tracker: Tracker, action_name: str) -> bool:
    """Whether ``action_name`` already ran since the latest user message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == action_name:
            return True
    return False


def _restated_candidate(text: str, candidates: list[str]) -> str | None:
    """The candidate whose question the citizen restated, if the message is close enough to exactly one."""
    kb = knowledge_base()
    best_id, best_ratio = None, 0.0
    for entry_id in candidates:
        entry = kb.get(entry_id)
        if entry is None:
            continue
        ratio = difflib.SequenceMatcher(None, text, entry.question).ratio()
        if ratio > best_ratio:
            best_id, best_ratio = entry_id, ratio
    return best_id if best_ratio >= RESTATE_MIN_RATIO else None


class ActionAnswerQuestion(Action):
    """Answer a consultation from the knowledge base: answer, "您是不是想问", or an honest no-match."""

    def name(self) -> str:
        return "action_answer_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if _already_ran_this_turn(tracker, self.name()):
            # As Rasa's core fallback it can be predicted again for an intent no rule handles: answer once.
            return [FollowupAction("action_listen")]
        text = (tracker.latest_message.get("text") or "").strip()
        if not text or text.startswith("/"):
            _send(dispatcher, replies.pick_without_candidates_reply())
            return []
        kb = knowledge_base()
        candidates = tracker.get_slot("kb_candidates") or []
        if candidates:
            picked = _restated_candidate(text, candidates)
            if picked and (entry := kb.get(picked)) is not None:
                return _answer_entry(dispatcher, entry, text)

        intent = (tracker.latest_message.get("intent") or {}).get("name")
        result = kb.ask(text, previous_entry_id=tracker.get_slot("kb_last_entry"))
        if result.band == Band.ANSWER and result.entries:
            return _answer_entry(dispatcher, result.entries[0].entry, text)
        # A complaint, help request or suggestion that the KB cannot answer becomes an intake.
        if intent in ("consult", "nlu_fallback", "complain", "request_help", "suggest", None):
            started = _intake_instead(dispatcher, tracker, text)
            if started is not None:
                return started
        # Chit-chat that merely resembles a FAQ is not offered "您是不是想问"; it gets the out-of-scope reply.
        if result.band == Band.DID_YOU_MEAN and result.entries and intent != "out_of_scope":
            top = [m.entry for m in result.entries[:3]]
            _send(dispatcher, replies.did_you_mean_reply([e.question for e in top]))
            return [SlotSet("kb_candidates", [e.id for e in top]), SlotSet("kb_last_query", text)]

        feedback_log().log_unanswered(
            text,
            channel=_channel(tracker),
            sender_id=tracker.sender_id,
            band=f"{result.band.value}:{intent}",
            candidates=[{"id": m.entry.id, "similarity": m.similarity} for m in result.entries],
        )
        _send(dispatcher, replies.out_of_scope_reply() if intent == "out_of_scope" else replies.no_match_reply())
        return [SlotSet("kb_candidates", None), SlotSet("kb_last_query", text)]


def _intake_instead(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType] | None:
    """A message the KB cannot answer that is clearly a complaint, help request or suggestion starts an intake."""
    from bot.actions.intake.forms import AppealType
    from bot.actions.intake.understand import looks_like_question
    from bot.actions.intake_actions import begin_intake
    from bot.actions.runtime import intake_machine

    machine = intake_machine()
    appeal, confidence, unsure = machine.services.classify_appeal(text)
    if unsure or appeal is AppealType.CONSULT:
        return None
    if looks_like_question(text) and confidence < QUESTION_INTAKE_CONFIDENCE:
        return None  # "…怎么办？" is more often a question for the KB than a request to act
    result = machine.start(text, hinted=appeal, hint_confidence=confidence,
                           metadata=tracker.latest_message.get("metadata") or {})
    if result.session is None or result.to_consultation:
        return None
    return begin_intake(dispatcher, result)


class ActionChooseOption(Action):
    """The citizen picked one of the "您是不是想问" candidates by number, button or "是的"."""

    def name(self) -> str:
        return "action_choose_option"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        candidates: list[str] = tracker.get_slot("kb_candidates") or []
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if not candidates:
            if intent == "affirm":
                dispatcher.utter_message(response="utter_anything_else")
            else:
                _send(dispatcher, replies.pick_without_candidates_reply())
            return []
        text = tracker.latest_message.get("text") or ""
        option = next(tracker.get_latest_entity_values("option"), None)
        number = parse_option(str(option), count=len(candidates)) if option else None
        if number is None:
            number = parse_option(text, count=len(candidates))
        if number is None and intent == "affirm" and len(candidates) == 1:
            number = 1
        if number is None:
            picked = _restated_candidate(text, candidates)
            number = candidates.index(picked) + 1 if picked else None
        if number is None:
            _send(dispatcher, replies.invalid_pick_reply(len(candidates)))
            return []
        entry = knowledge_base().get(candidates[number - 1])
        if entry is None:  # the KB was reloaded without it
            _send(dispatcher, replies.no_match_reply())
            return [SlotSet("kb_candidates", None)]
        return _answer_entry(dispatcher, entry, tracker.get_slot("kb_last_query") or text)


class ActionFeedbackVote(Action):
    """Record a 有帮助 / 没帮助 vote on the last answer for the KB maintainers."""

    def name(self) -> str:
        return "action_feedback_vote"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        helpful = (tracker.latest_message.get("intent") or {}).get("name") == "helpful"
        entry_id = tracker.get_slot("kb_last_entry")
        if entry_id:
            feedback_log().log_vote(
                entry_id,
                tracker.get_slot("kb_last_query") or "",
                helpful=helpful,
                channel=_channel(tracker),
                sender_id=tracker.sender_id,
            )
        if helpful:
            dispatcher.utter_message(text="感谢您的反馈！还有其他问题可以继续问我。")
        else:
            dispatcher.utter_message(
                text="抱歉没能帮到您，您的反馈已记录，我们会改进答案。您可以换个说法再问，或回复“转人工”。"
            )
        return []


class ActionRequestHuman(Action):
    """The citizen asks for a human agent."""

    def name(self) -> str:
        return "action_request_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        logger.info("handoff requested on channel %s", _channel(tracker))
        dispatcher.utter_message(
            text="好的，已为您登记转人工请求。话务员接入后会在本对话中回复您；"
            "如需立即与话务员通话，请直接拨打12345热线。"
        )
        return [SlotSet("handoff_requested", True)]


class ActionRegisterQuestion(Action):
    """Register the last unanswered question as a consultation work order (and for the KB maintainers)."""

    def name(self) -> str:
        return "action_register_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        from bot.actions.intake_actions import begin_intake
        from bot.actions.runtime import intake_machine

        query = tracker.get_slot("kb_last_query")
        if not query:
            dispatcher.utter_message(text="请先告诉我您想咨询的问题，我来帮您查找或登记。")
            return []
        feedback_log().log_unanswered(
            query, channel=_channel(tracker), sender_id=tracker.sender_id, band="registered", candidates=[]
        )
        result = intake_machine().start_consultation(query, metadata=tracker.latest_message.get("metadata") or {})
        return begin_intake(dispatcher, result)


# Open the knowledge base while the action server starts, so it reports healthy only when it can answer.
knowledge_base()

from bot.actions import intake_actions  # noqa: E402,F401  (registers the intake actions with rasa-sdk)
from bot.actions.runtime import intake_machine  # noqa: E402

intake_machine()  # load the appeal classifier and address tables now, not on the first complaint
from bot.actions import survey_actions  # noqa: E402,F401  (registers the survey actions with rasa-sdk)
