"""The turn router: every citizen message outside a form comes to :class:`ActionRespond` (``action_respond``).

The message is understood once (:mod:`nlu.understanding`). While a human agent has the conversation
(``handoff_active``) it goes to them (:func:`bot.actions.shared.relay`: the emergency check still answers at once).
Otherwise the decision follows from that object in a fixed order: emergency first, then language, the short
readings (handoff, status, a picked candidate, a vote), small talk, and finally the route: a consultation answered
from the knowledge base, a problem taken into the intake form, or a question back when unsure. Rasa's intent is
one input to the understanding, not a rival decision. docs/decisions.md lists the decisions; each turn announces
its decision as a ``custom`` message.
"""
from __future__ import annotations

import difflib
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.offload import offloaded
from bot.actions.retries import is_retry, repeat_first_answer
from bot.actions import replies
from bot.actions.container import services
from bot.actions.decision import Decision, announce
from bot.actions.handoff import HANDOFF_SLOT, withdraw
from bot.actions.intake.forms import AppealType
from bot.actions.intake.session import STAGE_APPEAL
from bot.actions.intake_actions import begin_intake, query_status
from bot.actions.options import parse_option
from bot.actions.shared import (
    SMALLTALK_MIN_CONFIDENCE,
    answer_entry,
    channel_name,
    handle_emergency,
    handoff,
    kb_reply,
    relay,
    send,
)
from domain import APPEAL_TYPES, COMPLAINT, CONSULTATION, HELP, SUGGESTION
from nlu.language import Language
from nlu.readings import compact
from nlu.understanding import Route, TurnContext, Understanding

logger = logging.getLogger(__name__)

RESTATE_MIN_RATIO = 0.6     # how close a message must be to a candidate question to count as picking it
SMALLTALK_MAX_CHARS = 12    # a greeting/thanks longer than this carries content and is routed as a message
SMALLTALK = {"greet": "utter_greet", "goodbye": "utter_goodbye", "thank": "utter_you_are_welcome",
             "bot_challenge": "utter_iamabot"}
REGISTER_WORDS = ("登记", "登记问题", "登记我的问题", "帮我登记", "登记一下", "登记工单", "帮我登记一下")
INTENT_APPEALS = {"complain": COMPLAINT, "request_help": HELP, "suggest": SUGGESTION}  # the buttons' intents


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
    kb = services().knowledge_base
    best_id, best_ratio = None, 0.0
    for entry_id in candidates:
        entry = kb.get(entry_id)
        if entry is None:
            continue
        ratio = difflib.SequenceMatcher(None, text, entry.question).ratio()
        if ratio > best_ratio:
            best_id, best_ratio = entry_id, ratio
    return best_id if best_ratio >= RESTATE_MIN_RATIO else None


def picked_candidate(tracker: Tracker, text: str, *, affirmed: bool) -> int | None:
    """The 1-based candidate the citizen picked (number, button, restated question, "是的" to a single one)."""
    candidates: list[str] = tracker.get_slot("kb_candidates") or []
    if not candidates:
        return None
    option = next(tracker.get_latest_entity_values("option"), None)
    number = parse_option(str(option), count=len(candidates)) if option else None
    if number is None:
        number = parse_option(text, count=len(candidates))
    if number is None and affirmed and len(candidates) == 1:
        number = 1
    if number is None:
        picked = _restated_candidate(text, candidates)
        number = candidates.index(picked) + 1 if picked else None
    return number


def answer_pick(dispatcher: CollectingDispatcher, tracker: Tracker, number: int) -> list[EventType]:
    candidates: list[str] = tracker.get_slot("kb_candidates") or []
    entry = services().knowledge_base.get(candidates[number - 1])
    if entry is None:  # the KB was reloaded without it
        send(dispatcher, replies.no_match_reply())
        announce(dispatcher, Decision.NO_MATCH)
        return [SlotSet("kb_candidates", None)]
    return answer_entry(dispatcher, entry, tracker.get_slot("kb_last_query") or "")


def vote(dispatcher: CollectingDispatcher, tracker: Tracker, helpful: bool) -> list[EventType]:
    """Record a 有帮助 / 没帮助 vote on the last answer for the KB maintainers."""
    entry_id = tracker.get_slot("kb_last_entry")
    if entry_id:
        services().feedback_log.log_vote(entry_id, tracker.get_slot("kb_last_query") or "", helpful=helpful,
                                         channel=channel_name(tracker), sender_id=tracker.sender_id)
    if helpful:
        dispatcher.utter_message(text="感谢您的反馈！还有其他问题可以继续问我。")
    else:
        dispatcher.utter_message(
            text="抱歉没能帮到您，您的反馈已记录，我们会改进答案。您可以换个说法再问，或回复“转人工”。")
    announce(dispatcher, Decision.VOTE)
    return []


def register_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Register the last unanswered question as a consultation work order (and for the KB maintainers)."""
    query = tracker.get_slot("kb_last_query")
    if not query:
        dispatcher.utter_message(text="请先告诉我您想咨询的问题，我来帮您查找或登记。")
        announce(dispatcher, Decision.OTHER)
        return []
    services().feedback_log.log_unanswered(query, channel=channel_name(tracker), sender_id=tracker.sender_id,
                                           band="registered", candidates=[])
    metadata = tracker.latest_message.get("metadata") or {}
    result = services().intake_machine.start_consultation(query, metadata=metadata)
    announce(dispatcher, Decision.INTAKE, appeal_type=CONSULTATION)
    return begin_intake(dispatcher, result)


def start_intake(dispatcher: CollectingDispatcher, tracker: Tracker, u: Understanding | None, text: str,
                 appeal: str | None, ask_type: bool = False) -> list[EventType]:
    """Open the intake form with what the message already says: as ``appeal`` (the understanding decided it),
    or asking the appeal type first (``ask_type``)."""
    hinted = AppealType(appeal) if appeal in APPEAL_TYPES and not ask_type else None
    result = services().intake_machine.start(text, hinted=hinted, hint_confidence=1.0 if hinted else 0.0,
                                             metadata=tracker.latest_message.get("metadata") or {}, ask_type=ask_type)
    details = u.to_dict() if u is not None else None
    if result.to_consultation and u is not None:
        return kb_reply(dispatcher, tracker, u)
    if result.session is not None and result.session.stage == STAGE_APPEAL:
        events = begin_intake(dispatcher, result)
        announce(dispatcher, Decision.ASK_TYPE, understanding=details)
        return events
    events = begin_intake(dispatcher, result)
    announce(dispatcher, Decision.INTAKE, understanding=details,
             appeal_type=result.session.appeal_type if result.session is not None else appeal)
    return events


def status_reply(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType]:
    dispatcher.utter_message(text=query_status(tracker, text))
    announce(dispatcher, Decision.STATUS)
    return []


# ---------------------------------------------------------------------------------------------- the router
class ActionRespond(Action):
    """Decide what to do with one citizen message outside a form."""

    def name(self) -> str:
        return "action_respond"

    @offloaded
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if _already_ran_this_turn(tracker, self.name()):
            # As Rasa's core fallback it can be predicted again after itself: answer once.
            return [FollowupAction("action_listen")]
        if is_retry(tracker):  # the channel sent this message again after a timeout: it was answered already
            repeat_first_answer(dispatcher, tracker)
            return [FollowupAction("action_listen")]
        text = (tracker.latest_message.get("text") or "").strip()
        intent = tracker.latest_message.get("intent") or {}
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
        u = None
        if not text.startswith("/"):
            context = TurnContext(intent=name, intent_confidence=confidence,
                                  last_entry_id=tracker.get_slot("kb_last_entry"),
                                  offered_entry_ids=tuple(tracker.get_slot("kb_candidates") or ()))
            u = services().understander.understand(text, context)
        cleared: list[EventType] = []
        if tracker.get_slot(HANDOFF_SLOT):  # an agent has the conversation: every message goes to them
            withdrawn = withdraw(dispatcher, tracker, text, u is not None and u.emergency is not None,
                                 u.to_dict() if u is not None else None)
            if withdrawn is not None:  # "取消" while still waiting: off the queue, the bot serves again
                return withdrawn
            relayed = relay(dispatcher, tracker, text, u)
            if relayed.handled:
                return relayed.events
            cleared = relayed.events  # handed back: the bot answers this message itself
        if u is None:
            return cleared + self._button(dispatcher, tracker, name, text)
        return cleared + self._decide(dispatcher, tracker, u)

    # A button's payload says exactly what was pressed.
    def _button(self, dispatcher: CollectingDispatcher, tracker: Tracker, intent: str | None,
                text: str) -> list[EventType]:
        if intent == "choose_option":
            number = picked_candidate(tracker, text, affirmed=False)
            if number is not None:
                return answer_pick(dispatcher, tracker, number)
            send(dispatcher, replies.pick_without_candidates_reply())
            announce(dispatcher, Decision.OTHER)
            return []
        if intent in ("helpful", "not_helpful"):
            return vote(dispatcher, tracker, intent == "helpful")
        if intent == "ask_human":
            return handoff(dispatcher, tracker)
        if intent == "register_question":
            return register_question(dispatcher, tracker)
        if intent == "complain" and (reported := tracker.get_slot("emergency_message")):
            # "事后登记工单" after an emergency: the order starts from what the citizen already wrote.
            return start_intake(dispatcher, tracker, None, reported, HELP) + [SlotSet("emergency_message", None)]
        if intent in INTENT_APPEALS:
            return start_intake(dispatcher, tracker, None, "", INTENT_APPEALS[intent])
        if intent == "query_status":
            return status_reply(dispatcher, tracker, "")
        if intent == "rate_order":
            return [FollowupAction("action_start_survey")]
        if intent == "deny":
            dispatcher.utter_message(response="utter_ask_rephrase")
        else:
            dispatcher.utter_message(response="utter_anything_else")
        announce(dispatcher, Decision.OTHER)
        return [SlotSet("kb_candidates", None)] if intent == "deny" else []

    def _decide(self, dispatcher: CollectingDispatcher, tracker: Tracker, u: Understanding) -> list[EventType]:
        details = u.to_dict()
        if u.emergency is not None:
            events = handle_emergency(dispatcher, tracker, u.emergency, u.text, details)
            return events + [SlotSet("kb_candidates", None), SlotSet("emergency_message", u.text)]
        if tracker.get_slot("kb_candidates"):
            number = picked_candidate(tracker, u.text, affirmed=u.yes_no is True or u.intent == "affirm")
            if number is not None:
                return answer_pick(dispatcher, tracker, number)
        if u.handoff:
            return handoff(dispatcher, tracker, details)
        if u.language in (Language.ENGLISH, Language.PINYIN, Language.FOREIGN):
            send(dispatcher, replies.language_reply())
            announce(dispatcher, Decision.LANGUAGE, understanding=details)
            return []
        short = len(compact(u.text)) <= SMALLTALK_MAX_CHARS
        sure = u.intent_confidence >= SMALLTALK_MIN_CONFIDENCE
        if u.intent == "rate_order" and sure:
            return [FollowupAction("action_start_survey")]
        if u.status:
            return status_reply(dispatcher, tracker, u.text)
        if short and u.intent in ("helpful", "not_helpful") and tracker.get_slot("kb_last_entry"):
            return vote(dispatcher, tracker, u.intent == "helpful")
        if compact(u.text) in REGISTER_WORDS or (u.intent == "register_question" and short and sure):
            return register_question(dispatcher, tracker)
        talk = u.small_talk or (u.intent if short and sure and u.route is not Route.PROBLEM else None)
        if talk in SMALLTALK:
            dispatcher.utter_message(response=SMALLTALK[talk])
            announce(dispatcher, Decision.SMALLTALK, understanding=details)
            return []
        if short and sure and u.route is not Route.PROBLEM and u.intent in ("affirm", "deny") \
                and u.kb_band != "answer":
            dispatcher.utter_message(response="utter_ask_rephrase" if u.intent == "deny" else "utter_anything_else")
            announce(dispatcher, Decision.OTHER, understanding=details)
            return [SlotSet("kb_candidates", None)]
        if u.language in (Language.EMPTY, Language.OTHER):
            if u.text:  # the maintainers see what citizens type that nothing can read
                services().feedback_log.log_unanswered(u.text, channel=channel_name(tracker),
                                                       sender_id=tracker.sender_id,
                                                       band=f"unreadable:{u.language.value}", candidates=[])
            send(dispatcher, replies.not_understood_reply())
            announce(dispatcher, Decision.OTHER, understanding=details)
            return []
        if u.route is Route.PROBLEM:
            return start_intake(dispatcher, tracker, u, u.text, u.appeal_type)
        if u.route is Route.UNSURE and u.kb_band != "answer":
            return start_intake(dispatcher, tracker, u, u.text, u.appeal_type, ask_type=True)
        return kb_reply(dispatcher, tracker, u)
