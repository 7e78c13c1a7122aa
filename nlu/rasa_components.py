"""Thin Rasa 3.6 components over the plain-Python extractors in :mod:`nlu.extract`.

``RexianEntityExtractor`` adds entities ``phone`` (mobile / landline), ``id_number``, ``time``, ``person`` and,
when an address library is installed in Rasa's environment, ``address`` to every parsed message, with the span
and confidence the extractors report. Values that identify a person (phone, ID number) are never logged.

Used in ``bot/config.yml`` as ``- name: nlu.rasa_components.RexianEntityExtractor``; only Rasa imports this module.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.extract import extract_addressing, extract_id_numbers, extract_phones, extract_times

logger = logging.getLogger(__name__)

BEIJING = dt.timezone(dt.timedelta(hours=8))


def _address_extractor():  # type: ignore[no-untyped-def]
    try:
        from nlu.extract import extract_addresses
    except ImportError:  # the address library is not installed in this environment
        return None
    return extract_addresses


def rexian_entities(text: str, now: dt.datetime, with_address: bool = True) -> List[Dict[Text, Any]]:
    """Rasa-style entity dicts for one message (plain function, so it is testable without Rasa)."""
    found: List[Dict[Text, Any]] = []

    def add(entity: str, start: int, end: int, value: Any, confidence: float, role: Optional[str] = None) -> None:
        item: Dict[Text, Any] = {"entity": entity, "start": start, "end": end, "value": value,
                                 "confidence_entity": round(float(confidence), 3)}
        if role:
            item["role"] = role
        found.append(item)

    for e in extract_phones(text):
        add("phone", e.start, e.end, e.value, e.confidence, role=e.label)
    for e in extract_id_numbers(text):
        add("id_number", e.start, e.end, e.value, e.confidence)
    for t in extract_times(text, now=now):
        add("time", t.start, t.end, t.start_at.isoformat() if t.start_at else (t.recurring or t.value), t.confidence)
    for e in extract_addressing(text):
        add("person", e.start, e.end, e.value, e.confidence, role=e.label)
    extract_addresses = _address_extractor() if with_address else None
    if extract_addresses is not None:
        try:
            for a in extract_addresses(text):
                add("address", a.start, a.end, a.normalized, a.confidence)
        except Exception:  # noqa: BLE001 - an address library failure must not lose the message
            logger.exception("address extraction failed")
    return found


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class RexianEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Phone, ID number, time, person and address entities from :mod:`nlu.extract`."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"address": True}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.with_address = bool(config.get("address", True))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RexianEntityExtractor":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        now = dt.datetime.now(BEIJING).replace(tzinfo=None)
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):
                continue
            entities = self.add_extractor_name(rexian_entities(text, now, self.with_address))
            if entities:
                message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages
