"""What any action may answer, inside a form or outside: the emergency protocol, a knowledge-base answer, a handoff
to a human agent, and the relay of a message while an agent has the conversation."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from agent_console.contract import BOT_GAVE_UP, CITIZEN_REQUEST, EMERGENCY, WAITING
from bot.actions import replies
from bot.actions.container import services
from bot.actions.decision import Decision, announce
from bot.actions.emergency_reply import emergency_reply, human_line
from bot.actions.handoff import (
    HANDOFF_SLOT,
    bot_spoke_since_handoff,
    gives_up,
    hand_over,
    handoff_events,
    previous_decision,
    relay_bot_text,
    relay_message,
)
from bot.actions.handoff_desk import Relay, RelayResult
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
                     text: str, understanding: dict[str, Any] | None = None, *,
                     relayed: RelayResult | None = None) -> list[EventType]:
    """The emergency protocol: the right numbers at once, then a human agent with top priority (the conversation goes
    to the console when an agent can answer it now; ``relayed``: it is there already and this message was relayed),
    an event for supervisors. Returns the handoff's slot events."""
    found = services()
    numbers = found.emergency_numbers
    events: list[EventType] = []
    if relayed is not None:
        stored = relayed.status is Relay.STORED
        reply = emergency_reply(assessment, numbers, human_line(assessment, queued=False, relayed=True) if stored
                                else "人工服务系统暂时连接不上，需要话务员帮助请拨打12345热线。")
        handoff = relayed.payload()
    else:
        # The agent reads what the citizen is told when the handoff works; the console only hears of it then.
        told = emergency_reply(assessment, numbers, human_line(assessment, queued=True))
        result = hand_over(tracker, EMERGENCY, understanding, bot_texts=[told.text])
        line = human_line(assessment, queued=result.open, agents_online=result.agents_online)
        reply = emergency_reply(assessment, numbers, line)
        handoff, events = result.payload(), handoff_events(result)
    send(dispatcher, reply)
    if relayed is not None and relayed.status is Relay.STORED:
        relay_bot_text(tracker, reply.text)
    try:
        found.emergency_log.record(channel=channel_name(tracker), sender_id=tracker.sender_id or "",
                                   kind=assessment.kind.value, services=list(assessment.services),
                                   evidence=assessment.evidence, message=text)
    except Exception:  # noqa: BLE001 - the citizen's reply must never wait on the log
        logger.exception("could not record an emergency event")
    announce(dispatcher, Decision.EMERGENCY, emergency=assessment.kind.value, understanding=understanding,
             handoff=handoff)
    return events


def check_emergency(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType] | None:
    """Inside a form: the emergency protocol when ``text`` is an emergency (the form stays as it was); returns the
    protocol's events, None when ``text`` is no emergency."""
    assessment = services().emergency_recogniser(text) if text and not text.startswith("/") else None
    if assessment is None:
        return None
    return handle_emergency(dispatcher, tracker, assessment, text)


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
    if gives_up(tracker):  # the third no-match in a row: a human, when one can take it now
        result = hand_over(tracker, BOT_GAVE_UP, details)
        if result.open:
            send(dispatcher, replies.gave_up_reply(result))
            announce(dispatcher, Decision.HANDOFF, understanding=details, handoff=result.payload())
            return handoff_events(result) + [SlotSet("kb_candidates", None), SlotSet("kb_last_query", u.text),
                                             SlotSet("kb_last_entry", None)]
    send(dispatcher, replies.no_match_reply([c.question for c in u.kb_candidates[:3]]))
    announce(dispatcher, Decision.NO_MATCH, entry_ids=ids[:3], understanding=details)
    return [SlotSet("kb_candidates", ids[:3] or None), SlotSet("kb_last_query", u.text),
            SlotSet("kb_last_entry", None)]


def handoff(dispatcher: CollectingDispatcher, tracker: Tracker, understanding: dict[str, Any] | None = None, *,
            in_form: bool = False) -> list[EventType]:
    """"转人工": the conversation goes to the console when an agent can answer it now; the citizen is told honestly
    where they stand, or why nobody can come now and what to do instead (``in_form``: go on with the intake form).
    Returns the handoff's slot events: empty when no agent can take it now."""
    reason = EMERGENCY if previous_decision(tracker) == Decision.EMERGENCY.value else CITIZEN_REQUEST
    result = hand_over(tracker, reason, understanding)
    send(dispatcher, replies.handoff_reply(result, can_register=bool(tracker.get_slot("kb_last_query")),
                                           in_form=in_form))
    announce(dispatcher, Decision.HANDOFF, understanding=understanding, handoff=result.payload())
    return handoff_events(result)


@dataclass
class Relayed:
    """What :func:`relay` did: ``handled`` (the turn is over), else the bot answers the message itself after
    ``events`` (the handoff slot cleared)."""

    handled: bool
    events: list[EventType] = field(default_factory=list)


def relay(dispatcher: CollectingDispatcher, tracker: Tracker, text: str, u: Understanding | None) -> Relayed:
    """A message while ``handoff_active``: to the agent with its understanding; the emergency protocol still answers
    at once. Otherwise the bot stays silent (the agent answers), except for one acknowledgement while the
    conversation waits for an agent. When the console has no open handoff any more, the bot answers itself."""
    details = u.to_dict() if u is not None else None
    result = relay_message(tracker, text, details)
    if result.status is Relay.CLOSED:
        logger.info("handoff over: the bot answers again")
        return Relayed(False, [SlotSet(HANDOFF_SLOT, None)])
    if u is not None and u.emergency is not None:
        return Relayed(True, handle_emergency(dispatcher, tracker, u.emergency, u.text, details, relayed=result))
    if result.status is Relay.UNREACHABLE:
        send(dispatcher, replies.relay_failed_reply())
    elif result.state == WAITING and not bot_spoke_since_handoff(tracker):
        ack = replies.relay_ack_reply()
        send(dispatcher, ack)
        relay_bot_text(tracker, ack.text)
    announce(dispatcher, Decision.HANDOFF, understanding=details, handoff=result.payload())
    return Relayed(True, [])
