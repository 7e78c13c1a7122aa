"""The action server's long-lived objects, in one typed container built once from the configuration.

Every rasa-sdk action takes what it needs from :func:`services`; nothing else in ``bot/actions`` opens a knowledge
base, a client or a database. :func:`build_services` wires the real ones (the knowledge base, the dispatch client
and its outbox, the appeal classifier on the category tree the backend serves, the emergency recogniser, the
seat-agent console's client …); its keyword arguments replace the outer parts (the KB, the dispatch client, the
classifier, the emergency recogniser, the handoff desk), so a unit test wires the rest for real around doubles of
its own and installs the result with :func:`installed`.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from bot.actions.categories import CACHE_NAME, CategorySource, fetch_tree
from agent_console.contract import ConsoleClient
from bot.actions.emergency_log import EmergencyLog
from bot.actions.handoff_desk import HandoffDesk
from bot.actions.intake.machine import IntakeMachine
from bot.actions.intake.services import LiveIntakeServices
from bot.actions.intake.status import StatusLookup
from bot.actions.intake.submit import WorkOrderSubmitter
from configuration import Settings, load_config
from dispatch_client import DispatchClient, Outbox
from knowledge_base.feedback import FeedbackLog
from knowledge_base.service import KnowledgeBase
from nlu.appeal.taxonomy import Taxonomy
from nlu.emergency import EmergencyAssessment
from nlu.understanding import Understander, extract_message_fields

if TYPE_CHECKING:
    from nlu.appeal.classifier import AppealClassifier

logger = logging.getLogger(__name__)

OUTBOX_RETRY_SECONDS = 3.0
CONSOLE_TIMEOUT = 3.0  # seconds: a handoff shares its turn with the emergency numbers, which must not wait long

EmergencyRecogniser = Callable[[str], EmergencyAssessment | None]


@dataclass(frozen=True)
class Services:
    """What the actions use, each built once."""

    knowledge_base: KnowledgeBase
    feedback_log: FeedbackLog
    dispatch_client: DispatchClient
    outbox: Outbox
    intake_machine: IntakeMachine
    submitter: WorkOrderSubmitter
    status_lookup: StatusLookup
    understander: Understander
    emergency_recogniser: EmergencyRecogniser
    emergency_log: EmergencyLog
    emergency_numbers: Mapping[str, str]   # service ("police", "gas" …) → the city's number
    taxonomy: Taxonomy                     # the category tree the intake offers (the backend's)
    handoff_desk: HandoffDesk              # the seat-agent console: handoffs and the messages relayed to agents


def build_services(settings: Settings | None = None, *, knowledge_base: KnowledgeBase | None = None,
                   dispatch_client: DispatchClient | None = None, classifier: AppealClassifier | None = None,
                   taxonomy: Taxonomy | None = None, emergency_recogniser: EmergencyRecogniser | None = None,
                   handoff_desk: HandoffDesk | None = None, start_outbox: bool = True) -> Services:
    """The real services from ``settings`` (default: the configuration). A part given as an argument is used as it
    is; ``start_outbox`` starts the outbox's background sender."""
    live = settings is None  # from the configuration: the service hours follow rexian.yml without a restart
    settings = settings or load_config()
    if knowledge_base is None:
        logger.info("Opening the knowledge base (%d source path(s)) ...", len(settings.kb.paths))
        knowledge_base = KnowledgeBase.from_config(settings)
    settings.kb.feedback_db.parent.mkdir(parents=True, exist_ok=True)
    feedback_log = FeedbackLog(settings.kb.feedback_db, salt=settings.kb.salt or None)
    dispatch = settings.dispatch
    if dispatch_client is None:
        # One attempt per call: the citizen waits at most one timeout; writes that fail wait in the outbox.
        dispatch_client = DispatchClient(dispatch.url, api_key=dispatch.effective_api_key, timeout=dispatch.timeout,
                                         retries=0)
    outbox = Outbox(dispatch_client, dispatch.outbox, retry_interval=OUTBOX_RETRY_SECONDS)
    if start_outbox:
        outbox.start()
    if taxonomy is None:
        categories = CategorySource(partial(fetch_tree, dispatch_client), dispatch.outbox.with_name(CACHE_NAME))
        taxonomy = categories.taxonomy()
        logger.info("category tree: %d leaves (%s)", len(taxonomy.leaves), categories.origin)
    if classifier is None:
        from nlu.appeal import load_classifier

        classifier = load_classifier().with_taxonomy(taxonomy)
    if emergency_recogniser is None:
        from nlu.emergency_semantic import EmergencyRecogniser as SemanticRecogniser

        emergency_recogniser = SemanticRecogniser()  # the rules with the semantic safety net under them
    if handoff_desk is None:
        console = settings.console
        fixed = settings
        handoff_desk = HandoffDesk(
            ConsoleClient(console.url, console.effective_internal_token, timeout=CONSOLE_TIMEOUT),
            (lambda: load_config().console.hours) if live else (lambda: fixed.console.hours))
    city = settings.intake.default_city
    intake = LiveIntakeServices(knowledge_base, city, classifier=classifier)
    # The understanding and the intake share one classifier cache: each message is classified once.
    understander = Understander(knowledge_base, intake.classifier,
                                extract_fields=partial(extract_message_fields, default_city=city),
                                assess=emergency_recogniser)
    return Services(
        knowledge_base=knowledge_base, feedback_log=feedback_log, dispatch_client=dispatch_client, outbox=outbox,
        intake_machine=IntakeMachine(intake), submitter=WorkOrderSubmitter(dispatch_client, outbox),
        status_lookup=StatusLookup(dispatch_client, outbox), understander=understander,
        emergency_recogniser=emergency_recogniser, emergency_log=EmergencyLog(settings.emergency.events_db),
        emergency_numbers=settings.emergency.numbers(), taxonomy=taxonomy, handoff_desk=handoff_desk)


_lock = threading.Lock()
_services: Services | None = None


def services() -> Services:
    """The action server's services: the installed ones, else built from the configuration on first use."""
    global _services
    with _lock:
        if _services is None:
            _services = build_services()
        return _services


def install(new: Services | None) -> Services | None:
    """Use ``new`` from now on (None: build from the configuration on next use); returns the ones it replaces."""
    global _services
    with _lock:
        previous, _services = _services, new
        return previous


@contextmanager
def installed(new: Services) -> Iterator[Services]:
    """``new`` in force inside the ``with`` block, the previous services again after it."""
    previous = install(new)
    try:
        yield new
    finally:
        install(previous)
