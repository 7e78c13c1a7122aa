"""The action server's long-lived objects: the knowledge base and the feedback log, opened once."""
from __future__ import annotations

import logging
import threading
from functools import lru_cache

from knowledge_base.feedback import FeedbackLog
from knowledge_base.service import KnowledgeBase
from rexian.config import load_config

logger = logging.getLogger(__name__)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _open_kb() -> KnowledgeBase:
    settings = load_config()
    logger.info("Opening the knowledge base (%d source path(s)) ...", len(settings.kb.paths))
    return KnowledgeBase.from_config(settings)


def knowledge_base() -> KnowledgeBase:
    with _lock:
        return _open_kb()


@lru_cache(maxsize=1)
def feedback_log() -> FeedbackLog:
    settings = load_config()
    settings.kb.feedback_db.parent.mkdir(parents=True, exist_ok=True)
    return FeedbackLog(settings.kb.feedback_db, salt=settings.kb.salt or None)


@lru_cache(maxsize=1)
def dispatch_client():  # type: ignore[no-untyped-def]
    from dispatch_client import DispatchClient

    settings = load_config().dispatch
    return DispatchClient(settings.url, api_key=settings.effective_api_key,
                          timeout=settings.timeout, retries=settings.retries)


@lru_cache(maxsize=1)
def dispatch_outbox():  # type: ignore[no-untyped-def]
    """The outbox, retrying queued creations in the background every few seconds."""
    from dispatch_client import Outbox

    outbox = Outbox(dispatch_client(), load_config().dispatch.outbox, retry_interval=3.0)
    outbox.start()
    return outbox


@lru_cache(maxsize=1)
def intake_machine():  # type: ignore[no-untyped-def]
    from bot.actions.intake.machine import IntakeMachine
    from bot.actions.intake.services import LiveIntakeServices

    return IntakeMachine(LiveIntakeServices(knowledge_base(), load_config().intake.default_city))


@lru_cache(maxsize=1)
def work_order_submitter():  # type: ignore[no-untyped-def]
    from bot.actions.intake.submit import WorkOrderSubmitter

    return WorkOrderSubmitter(dispatch_client(), dispatch_outbox())


@lru_cache(maxsize=1)
def status_lookup():  # type: ignore[no-untyped-def]
    from bot.actions.intake.status import StatusLookup

    return StatusLookup(dispatch_client(), dispatch_outbox())


@lru_cache(maxsize=1)
def understander():  # type: ignore[no-untyped-def]
    """One :class:`nlu.understanding.Understander` on the shared KB and appeal classifier."""
    from functools import partial

    from nlu.understanding import Understander, extract_message_fields

    machine = intake_machine()
    city = load_config().intake.default_city
    return Understander(knowledge_base(), machine.services.classifier,
                        extract_fields=partial(extract_message_fields, default_city=city),
                        assess=emergency_recogniser())


@lru_cache(maxsize=1)
def emergency_recogniser():  # type: ignore[no-untyped-def]
    """The emergency rules with the semantic safety net under them (nlu/emergency_semantic.py)."""
    from nlu.emergency_semantic import EmergencyRecogniser

    return EmergencyRecogniser()


@lru_cache(maxsize=1)
def emergency_log():  # type: ignore[no-untyped-def]
    from bot.actions.emergency_log import EmergencyLog

    return EmergencyLog(load_config().emergency.events_db)


def emergency_numbers() -> dict[str, str]:
    return load_config().emergency.numbers()
