"""What any action may answer, inside a form or outside: the emergency protocol, a knowledge-base answer, a handoff."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import replies
from bot.actions.container import services
from bot.actions.decision import Decision, announce
from bot.actions.emergency_reply import emergency_reply
from knowledge_base.schema import KBEntry
from nlu.emergency import EmergencyAssessment
from nlu.understanding import Understanding

logger = logging.getLogger(__name__)

SMALLTALK_MIN_CONFIDENCE = 0.6  # a Rasa intent this sure counts (greetings, "out of scope")


def send(dispatcher: CollectingDispatcher, reply: replies.Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)


def channel_name(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


def handle_emergency(dispatcher: CollectingDispatcher, tracker: Tracker, assessment: EmergencyAssessment,
                     text: str, understanding: dict[str, Any] | None = None) -> None:
    """The emergency protocol: the right numbers at once, the offer of a human, an event for supervisors."""
    found = services()
    send(dispatcher, emergency_reply(assessment, found.emergency_numbers))
    try:
        found.emergency_log.record(channel=channel_name(tracker), sender_id=tracker.sender_id or "",
                                   kind=assessment.kind.value, services=list(assessment.services),
                                   evidence=assessment.evidence, message=text)
    except Exception:  # noqa: BLE001 - the citizen's reply must never wait on the log
        logger.exception("could not record an emergency event")
    announce(dispatcher, Decision.EMERGENCY, emergency=assessment.kind.value, understanding=understanding)


def check_emergency(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> bool:
    """Inside a form: the emergency protocol when ``text`` is an emergency (the form stays as it was)."""
    assessment = services().emergency_recogniser(text) if text and not text.startswith("/") else None
    if assessment is None:
        return False
    handle_emergency(dispatcher, tracker, assessment, text)
    return True


def answer_entry(dispatcher: CollectingDispatcher, entry: KBEntry, query: str,
                 understanding: dict[str, Any] | None = None) -> list[EventType]:
    send(dispatcher, replies.answer_reply(entry.question, entry.answer, entry.department))
    announce(dispatcher, Decision.ANSWER, entry_ids=[entry.id], understanding=understanding)
    return [SlotSet("kb_last_entry", entry.id), SlotSet("kb_last_query", query), SlotSet("kb_candidates", None)]


def kb_reply(dispatcher: CollectingDispatcher, tracker: Tracker, u: Understanding) -> list[EventType]:
    """A consultation: the answer, "您是不是想问" with the top three, or an honest no-match with the closest."""
    found = services()
    details = u.to_dict()
    ids = [c.entry_id for c in u.kb_candidates]
    if u.kb_band == "answer" and ids and (entry := found.knowledge_base.get(ids[0])) is not None:
        return answer_entry(dispatcher, entry, u.text, details)
    if u.kb_band == "did_you_mean" and ids:
        questions = [c.question for c in u.kb_candidates[:3]]
        send(dispatcher, replies.did_you_mean_reply(questions))
        announce(dispatcher, Decision.DID_YOU_MEAN, entry_ids=ids[:3], understanding=details)
        return [SlotSet("kb_candidates", ids[:3]), SlotSet("kb_last_query", u.text), SlotSet("kb_last_entry", None)]
    found.feedback_log.log_unanswered(
        u.text, channel=channel_name(tracker), sender_id=tracker.sender_id, band=f"{u.kb_band}:{u.intent}",
        candidates=[{"id": c.entry_id, "similarity": c.similarity} for c in u.kb_candidates])
    if not ids and u.intent == "out_of_scope" and u.intent_confidence >= SMALLTALK_MIN_CONFIDENCE:
        send(dispatcher, replies.out_of_scope_reply())
        announce(dispatcher, Decision.OUT_OF_SCOPE, understanding=details)
        return [SlotSet("kb_candidates", None), SlotSet("kb_last_query", u.text)]
    send(dispatcher, replies.no_match_reply([c.question for c in u.kb_candidates[:3]]))
    announce(dispatcher, Decision.NO_MATCH, entry_ids=ids[:3], understanding=details)
    return [SlotSet("kb_candidates", ids[:3] or None), SlotSet("kb_last_query", u.text),
            SlotSet("kb_last_entry", None)]


def handoff(dispatcher: CollectingDispatcher, tracker: Tracker, understanding: dict[str, Any] | None = None
            ) -> list[EventType]:
    logger.info("handoff requested on channel %s", channel_name(tracker))
    send(dispatcher, replies.handoff_reply())
    announce(dispatcher, Decision.HANDOFF, understanding=understanding)
    return [SlotSet("handoff_requested", True)]
