"""Suggested answers for agents (坐席助手): the extension point, and its knowledge-base implementation.

``Assist.suggestions(text)`` returns what an agent may send in answer to ``text`` (a citizen's message, or a line
a caller said on the phone, for the later call-assist panel). :class:`KnowledgeBaseAssist` asks the project's
knowledge base (:class:`knowledge_base.service.KnowledgeBase`) and returns its top entries with answer, validity
dates and source; :class:`NoAssist` returns nothing. Later steps plug in here too: the pre-filled work order and
similar open orders get their own protocols next to this one.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suggestion:
    entry_id: str
    question: str
    answer: str
    similarity: float
    source: str = ""
    department: str = ""
    valid_from: str | None = None
    valid_to: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Assist(Protocol):
    def suggestions(self, text: str, *, limit: int = 3) -> list[Suggestion]:
        ...


class NoAssist:
    def suggestions(self, text: str, *, limit: int = 3) -> list[Suggestion]:
        return []


class KnowledgeBaseLike(Protocol):
    def ask(self, query: str, *, today: date | None = None, previous_entry_id: str | None = None,
            k: int = 5) -> Any: ...


def _day(value: Any) -> str | None:
    return value.isoformat() if value else None


class KnowledgeBaseAssist:
    """The knowledge base's top entries for a text (only entries valid today: the KB never serves others).

    The bot's answer band keeps only the best entry when it answers outright; an agent chooses, so the runners-up
    at or above the band's floor (the closest entries a no-match still lists) are added after it."""

    def __init__(self, kb: KnowledgeBaseLike) -> None:
        self._kb = kb
        self._lock = threading.Lock()  # every use of this KB's index goes through here

    def suggestions(self, text: str, *, limit: int = 3) -> list[Suggestion]:
        if not text.strip():
            return []
        with self._lock:
            result = self._kb.ask(text, k=max(limit, 1))
            matches = [(m.entry, float(m.similarity)) for m in result.entries[:limit]]
            if len(matches) < limit:
                matches.extend(self._runners_up(result.query or text, {e.id for e, _ in matches},
                                                limit - len(matches)))
        return [Suggestion(entry_id=entry.id, question=entry.question, answer=entry.answer,
                           similarity=round(similarity, 4), source=entry.source or "",
                           department=entry.department or "", valid_from=_day(entry.valid_from),
                           valid_to=_day(entry.valid_to)) for entry, similarity in matches]

    def _runners_up(self, query: str, taken: set[str], wanted: int) -> list[tuple[Any, float]]:
        index, thresholds = getattr(self._kb, "index", None), getattr(self._kb, "thresholds", None)
        valid = getattr(self._kb, "valid_ids", None)
        if index is None or thresholds is None or not callable(valid):
            return []
        floor = getattr(thresholds, "floor", None)
        floor = float(floor if floor is not None else thresholds.suggest)
        allowed = valid()
        found = []
        for hit in index.search(query, k=len(taken) + wanted + 2, allowed=allowed):
            entry = self._kb.get(hit.doc_id) if hasattr(self._kb, "get") else None
            if entry is None or hit.doc_id in taken or hit.doc_id not in allowed or hit.similarity < floor:
                continue
            found.append((entry, float(hit.similarity)))
            taken.add(hit.doc_id)
            if len(found) >= wanted:
                break
        return found


class LazyAssist:
    """Opens the real assistant in a background thread on start; suggests nothing until it is ready."""

    def __init__(self, opener: Any) -> None:
        self._opener = opener
        self._inner: Assist | None = None
        self.error: str | None = None
        self._settled = threading.Event()  # opened, or failed
        self._thread = threading.Thread(target=self._open, name="console-assist", daemon=True)

    def start(self) -> LazyAssist:
        self._thread.start()
        return self

    def _open(self) -> None:
        try:
            self._inner = self._opener()
            logger.info("suggested answers ready")
        except Exception as exc:  # noqa: BLE001 - the console works without suggestions
            self.error = f"{type(exc).__name__}: {exc}"
            logger.warning("suggested answers unavailable: %s", self.error)
        finally:
            self._settled.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the assistant is open (True) or failed / the time is up (False)."""
        self._settled.wait(timeout)
        return self.ready

    @property
    def ready(self) -> bool:
        return self._inner is not None

    def suggestions(self, text: str, *, limit: int = 3) -> list[Suggestion]:
        return self._inner.suggestions(text, limit=limit) if self._inner is not None else []


def open_knowledge_base_assist(paths: list[Path], index_dir: Path, embedder: str | None) -> KnowledgeBaseAssist:
    """The KB the bot uses (same paths, index and embedder), opened without rebuilding a stale index."""
    from knowledge_base.service import KnowledgeBase

    return KnowledgeBaseAssist(KnowledgeBase.open(paths, index_dir, embedder, rebuild_if_stale=False))
