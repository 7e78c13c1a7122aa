"""What the intake machine needs from the language layer, the KB and the clock (:class:`IntakeServices`, injected
so the machine is testable), and the real ones (:class:`LiveIntakeServices`)."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from bot.actions.intake.forms import AppealType
from domain import beijing_now
from nlu.appeal.types import CategorySuggestion

if TYPE_CHECKING:
    from knowledge_base.service import KnowledgeBase
    from nlu.appeal.classifier import AppealClassifier

logger = logging.getLogger(__name__)


class IntakeServices(Protocol):
    """The appeal classifier, the address parser, the KB and the clock, as the machine uses them."""

    def classify_appeal(self, text: str) -> tuple[AppealType, float, bool]: ...

    def suggest_categories(self, text: str) -> list[CategorySuggestion]: ...

    def parse_address(self, text: str) -> tuple[str, dict[str, Any]] | None: ...

    def find_address(self, text: str) -> tuple[str, dict[str, Any]] | None: ...

    def kb_answer(self, text: str) -> str | None: ...

    def now(self) -> dt.datetime: ...


class LiveIntakeServices:
    """Wires the machine to ``nlu`` and the knowledge base. ``classifier`` defaults to the shared appeal classifier
    (suggesting the leaves of the tree the project ships); the action server passes one on the backend's tree."""

    def __init__(self, kb: KnowledgeBase | None, default_city: str | None = None,
                 classifier: AppealClassifier | None = None) -> None:
        if classifier is None:
            from nlu.appeal import load_classifier

            classifier = load_classifier()
        self.kb = kb
        self.default_city = default_city
        self.classifier = _CachedClassifier(classifier)

    def classify_appeal(self, text: str) -> tuple[AppealType, float, bool]:
        prediction = self.classifier.classify(text)  # cached: the turn's understanding classified it already
        return AppealType(prediction.appeal_type), float(prediction.confidence), bool(prediction.unsure)

    def suggest_categories(self, text: str) -> list[CategorySuggestion]:
        return list(self.classifier.suggest_categories(text, k=3))

    def parse_address(self, text: str) -> tuple[str, dict[str, Any]] | None:
        from nlu.extract import parse_address

        parsed = parse_address(text, default_city=self.default_city)
        return _as_pair(parsed)

    def find_address(self, text: str) -> tuple[str, dict[str, Any]] | None:
        from nlu.extract import extract_addresses

        found = extract_addresses(text, default_city=self.default_city)
        return _as_pair(max(found, key=lambda a: a.confidence)) if found else None

    def kb_answer(self, text: str) -> str | None:
        from knowledge_base.banding import Band

        if self.kb is None:
            return None
        result = self.kb.ask(text)
        if result.band == Band.ANSWER and result.entries:
            entry = result.entries[0].entry
            return f"【{entry.question}】\n{entry.answer.strip()}"
        return None

    def now(self) -> dt.datetime:
        return beijing_now().replace(tzinfo=None)


class _CachedClassifier:
    """The appeal classifier with its last few answers remembered: the turn's understanding and the intake form
    classify the same message, and each classification embeds the text once."""

    def __init__(self, inner: Any, size: int = 64) -> None:
        self.inner = inner
        self._classify = lru_cache(maxsize=size)(inner.classify)
        self._suggest = lru_cache(maxsize=size)(inner.suggest_categories)

    def classify(self, text: str) -> Any:
        return self._classify(text)

    def suggest_categories(self, text: str, k: int = 3) -> Any:
        return self._suggest(text, k)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _as_pair(parsed: Any) -> tuple[str, dict[str, Any]] | None:
    if parsed is None or not getattr(parsed, "normalized", ""):
        return None
    detail = {k: v for k, v in asdict(parsed).items() if k not in ("components",) and isinstance(v, (str, float, int))}
    return parsed.normalized, detail
