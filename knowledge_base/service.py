"""The knowledge base as one object: entries + hybrid index + answer banding (+ follow-ups), used in-process.

``KnowledgeBase.open(...)`` loads the entries and the saved index (rebuilding it when it is missing or stale);
``ask(...)`` answers a citizen's question with a band (answer / did-you-mean / no-match) and the matching entries.
Entries outside their ``valid_from``/``valid_to`` dates are never served.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from knowledge_base import followup
from knowledge_base.banding import Band, BandDecision, Thresholds, decide, load_thresholds
from knowledge_base.embedders import Embedder, get_embedder
from knowledge_base.hashing import kb_hash
from knowledge_base.importer import load_entries
from knowledge_base.index import HybridIndex, IndexDoc, IndexMismatchError
from knowledge_base.schema import KBEntry

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
EXPIRING_DAYS = 30  # stats: entries whose valid_to falls within this many days count as "expiring"
MIN_SIMILAR = 4  # stats: entries with fewer similar questions are reported (the seed README asks for at least 4)


@dataclass(frozen=True)
class KBMatch:
    """One entry found for a question, with its cosine ``similarity`` and fused ranking ``score``."""

    entry: KBEntry
    similarity: float
    score: float
    matched_text: str


@dataclass(frozen=True)
class KBResult:
    """The KB's reply to one question.

    ``query`` is the text actually searched; ``rewritten`` is True when a follow-up was rewritten from
    ``original_query`` with the topic of entry ``followup_of``.
    """

    band: Band
    entries: list[KBMatch]
    query: str
    original_query: str
    rewritten: bool = False
    followup_of: str | None = None

    @property
    def top(self) -> KBMatch | None:
        return self.entries[0] if self.entries else None


@dataclass(frozen=True)
class KBStats:
    """Counts for maintainers (``rexian kb stats``)."""

    entries: int
    per_category: dict[str, int]
    similar_questions: int
    entries_with_few_similar: int  # fewer than MIN_SIMILAR similar questions
    expired: list[str]
    expiring: list[str]  # still valid, valid_to within EXPIRING_DAYS
    not_yet_valid: list[str]
    index: dict[str, object] = field(default_factory=dict)


def to_index_docs(entries: Iterable[KBEntry]) -> list[IndexDoc]:
    """Entries as index documents: every question form of an entry points at its id."""
    return [IndexDoc(doc_id=e.id, questions=e.all_questions(), answer=e.answer) for e in entries]


def build_index(
    entries: list[KBEntry],
    embedder: Embedder,
    index_dir: Path,
    *,
    approximate: bool = False,
    progress: Progress | None = None,
) -> HybridIndex:
    """Build the hybrid index for ``entries`` and save it (stamped with the KB hash) to ``index_dir``.

    Sentences already embedded in the index previously saved there (same embedder) are not embedded again, so
    editing a few entries of a large KB rebuilds in seconds.
    """
    reusing = ReusingEmbedder(embedder, previous_vectors(index_dir, embedder))
    index = HybridIndex.build(to_index_docs(entries), reusing, approximate=approximate, progress=progress)
    digest = kb_hash(entries)
    index.save(index_dir, kb_hash=digest)
    logger.info(
        "built KB index: %d entries, %d sentences embedded, %d reused, embedder %s, saved to %s",
        len(entries),
        reusing.embedded,
        reusing.reused,
        embedder.id,
        index_dir,
    )
    return HybridIndex.load(index_dir, embedder, kb_hash=digest)  # searches use the plain embedder


def previous_vectors(index_dir: Path, embedder: Embedder) -> dict[tuple[bool, str], np.ndarray]:
    """(is_question, text) → vector of every unit of the index saved in ``index_dir`` by the same embedder."""
    try:
        manifest = HybridIndex.read_manifest(index_dir)
    except IndexMismatchError:
        return {}
    if manifest.get("embedder_id") != embedder.id:
        return {}
    try:  # the saved index is stale by definition here: open it with its own hash
        old = HybridIndex.load(index_dir, embedder, kb_hash=str(manifest.get("kb_hash", "")))
        vectors = old.dense.reconstruct_n(0, old.dense.ntotal)
        units = zip(old.units.is_question.tolist(), old.units.texts, strict=True)
        return {(bool(is_q), text): vectors[i] for i, (is_q, text) in enumerate(units)}
    except Exception as exc:  # noqa: BLE001 - an unreadable old index only means embedding everything again
        logger.info("cannot reuse vectors from %s (%s); embedding every sentence", index_dir, exc)
        return {}


class ReusingEmbedder:
    """An embedder that returns known vectors for texts embedded before and asks ``inner`` only for new ones."""

    def __init__(self, inner: Embedder, known: dict[tuple[bool, str], np.ndarray]):
        self.inner = inner
        self.name = inner.name
        self.id = inner.id
        self.dim = inner.dim
        self._known = known
        self.reused = 0
        self.embedded = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, False)

    def _embed(self, texts: list[str], is_question: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = []
        for i, text in enumerate(texts):
            vector = self._known.get((is_question, text))
            if vector is None:
                missing.append(i)
            else:
                out[i] = vector
        if missing:
            embed = self.inner.embed_queries if is_question else self.inner.embed_passages
            out[missing] = embed([texts[i] for i in missing])
        self.reused += len(texts) - len(missing)
        self.embedded += len(missing)
        return out


def kb_stats(entries: list[KBEntry], *, today: date | None = None) -> KBStats:
    """Entry, category, similar-question and validity counts; needs no index."""
    day = today or date.today()
    horizon = day + timedelta(days=EXPIRING_DAYS)
    return KBStats(
        entries=len(entries),
        per_category=dict(sorted(Counter(e.category for e in entries).items(), key=lambda kv: (-kv[1], kv[0]))),
        similar_questions=sum(len(e.similar_questions) for e in entries),
        entries_with_few_similar=sum(1 for e in entries if len(e.similar_questions) < MIN_SIMILAR),
        expired=sorted(e.id for e in entries if e.valid_to and e.valid_to < day),
        expiring=sorted(e.id for e in entries if e.is_valid_on(day) and e.valid_to and e.valid_to <= horizon),
        not_yet_valid=sorted(e.id for e in entries if e.valid_from and e.valid_from > day),
    )


class KnowledgeBase:
    """Entries, their index and the answer thresholds of the embedder in use."""

    def __init__(self, entries: list[KBEntry], index: HybridIndex, embedder: Embedder, thresholds: Thresholds):
        self.entries = {e.id: e for e in entries}
        self.index = index
        self.embedder = embedder
        self.thresholds = thresholds
        self.kb_hash = kb_hash(entries)
        self._terms = followup.service_terms(entries)
        self._keywords = sorted({k for e in entries for k in e.keywords if len(k) >= 2})
        self._by_category: dict[str, set[str]] = {}
        for entry in entries:
            self._by_category.setdefault(entry.category, set()).add(entry.id)
        self._lock = threading.Lock()  # the embedder and index are not guaranteed thread-safe

    @classmethod
    def open(
        cls,
        kb_paths: Iterable[Path | str],
        index_dir: Path | str,
        embedder_spec: str | None = None,
        *,
        rebuild_if_stale: bool = True,
        progress: Progress | None = None,
    ) -> KnowledgeBase:
        """Load entries and the saved index; rebuild and save the index when missing or stale (if allowed).

        Raises :class:`~knowledge_base.importer.KBImportError` for a bad KB and
        :class:`~knowledge_base.index.IndexMismatchError` for a stale index when ``rebuild_if_stale`` is False.
        """
        entries = load_entries(list(kb_paths))
        embedder = get_embedder(embedder_spec)
        directory = Path(index_dir)
        try:
            index = HybridIndex.load(directory, embedder, kb_hash=kb_hash(entries))
        except (IndexMismatchError, FileNotFoundError) as exc:
            if not rebuild_if_stale:
                if isinstance(exc, IndexMismatchError):
                    raise
                raise IndexMismatchError(f"no KB index in {directory}; run `rexian kb build`") from exc
            logger.info("KB index in %s is missing or stale (%s); rebuilding", directory, exc)
            index = build_index(entries, embedder, directory, progress=progress)
        kb = cls(entries, index, embedder, load_thresholds(embedder.name))
        kb.warm_up()
        return kb

    @classmethod
    def from_config(cls, settings: object | None = None, **kwargs: object) -> KnowledgeBase:
        """Open the KB described by the ``kb`` section of the Rexian configuration."""
        from configuration import load_config

        cfg = settings or load_config()
        kb = cfg.kb  # type: ignore[attr-defined]
        return cls.open(kb.paths, kb.index_dir, kb.embedder, **kwargs)  # type: ignore[arg-type]

    def warm_up(self) -> None:
        """Run one throw-away search so the first citizen does not wait for the model's first inference."""
        self._decide("你好", set(self.entries), 1)

    def get(self, entry_id: str) -> KBEntry | None:
        """The entry with ``entry_id`` (served or not), or None."""
        return self.entries.get(entry_id)

    def valid_ids(self, today: date | None = None) -> set[str]:
        """Ids of the entries that may be served on ``today``."""
        day = today or date.today()
        return {entry_id for entry_id, entry in self.entries.items() if entry.is_valid_on(day)}

    def ask(
        self,
        query: str,
        *,
        today: date | None = None,
        previous_entry_id: str | None = None,
        k: int = 5,
    ) -> KBResult:
        """Answer ``query``; with ``previous_entry_id`` (the entry last answered) follow-ups stay on its topic."""
        allowed = self.valid_ids(today)
        text = (query or "").strip()
        if not text or not allowed:
            return KBResult(Band.NO_MATCH, [], text, query or "")

        def search(q: str, ids: set[str]) -> BandDecision:
            return self._decide(q, ids, k)

        previous = self.entries.get(previous_entry_id) if previous_entry_id else None
        if previous is not None:
            chosen = followup.resolve_followup(
                text,
                previous,
                search=search,
                allowed=allowed,
                same_category=self._by_category.get(previous.category, set()),
                terms=self._terms,
                entries=self.entries,
                keywords=self._keywords,
            )
            if chosen is not None and chosen.rewritten:
                return self._result(chosen.decision, chosen.query, query, previous.id)
            if chosen is not None:  # the plain question won
                return self._result(chosen.decision, text, query, None)
        return self._result(search(text, allowed), text, query, None)

    def stats(self, today: date | None = None) -> KBStats:
        """:func:`kb_stats` plus a description of the loaded index."""
        base = kb_stats(list(self.entries.values()), today=today)
        info = {"embedder": self.embedder.id, "kb_hash": self.kb_hash, "thresholds": self.thresholds}
        return KBStats(**{**base.__dict__, "index": info})

    # ------------------------------------------------------------------------------------------ internals

    def _decide(self, query: str, allowed: set[str], k: int) -> BandDecision:
        with self._lock:
            hits = self.index.search(query, k=k, allowed=allowed)
        hits = [h for h in hits if h.doc_id in allowed]  # belt and braces: expired entries are never served
        return decide(hits, self.thresholds)

    def _result(self, decision: BandDecision, searched: str, original: str, followup_of: str | None) -> KBResult:
        matches = [
            KBMatch(self.entries[h.doc_id], float(h.similarity), float(h.score), h.matched_text)
            for h in decision.hits
            if h.doc_id in self.entries
        ]
        return KBResult(decision.band, matches, searched, original, followup_of is not None, followup_of)
