"""The knowledge base as one object: entries + hybrid index + answer banding (+ follow-ups), used in-process.

``KnowledgeBase.open(...)`` loads the entries and the saved index (rebuilding it when it is missing or stale);
``ask(...)`` answers a citizen's question with a band (answer / did-you-mean / no-match) and the matching entries.
Entries outside their ``valid_from``/``valid_to`` dates are never served. An opened KB watches its files (the
knowledge upkeep overlay, :mod:`knowledge_base.overlay`, included) and serves a change without a restart.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import faiss
import numpy as np

from knowledge_base import followup
from knowledge_base.banding import Band, BandDecision, Thresholds, decide, load_thresholds
from knowledge_base.embedders import Embedder, get_embedder
from knowledge_base.hashing import kb_hash
from knowledge_base.index import MANIFEST, HybridIndex, IndexDoc, IndexMismatchError
from knowledge_base.overlay import load_kb_entries, source_signature
from knowledge_base.schema import KBEntry

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
EXPIRING_DAYS = 30  # stats: entries whose valid_to falls within this many days count as "expiring"
RELOAD_SECONDS = 2.0  # how often an opened KB looks at its files' signature for a change
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
    save_index_atomically(index, Path(index_dir), digest)  # the action server and the console may both build
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
        return index_vectors(HybridIndex.load(index_dir, embedder, kb_hash=str(manifest.get("kb_hash", ""))))
    except Exception as exc:  # noqa: BLE001 - an unreadable old index only means embedding everything again
        logger.info("cannot reuse vectors from %s (%s); embedding every sentence", index_dir, exc)
        return {}


def index_vectors(index: HybridIndex) -> dict[tuple[bool, str], np.ndarray]:
    """(is_question, text) → vector of every unit of ``index``."""
    if index.dense.ntotal == 0:
        return {}
    vectors = index.dense.reconstruct_n(0, index.dense.ntotal)
    units = zip(index.units.is_question.tolist(), index.units.texts, strict=True)
    return {(bool(is_q), text): vectors[i] for i, (is_q, text) in enumerate(units)}


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


class _Snapshot:
    """One version of the KB as served: entries, their index and what follow-ups need. Never changed after it is
    built; a reload builds a new one and swaps it in with a single assignment."""

    def __init__(self, entries: list[KBEntry], index: HybridIndex) -> None:
        self.entries = {e.id: e for e in entries}
        self.index = index
        self.kb_hash = kb_hash(entries)
        self.terms = followup.service_terms(entries)
        self.keywords = sorted({k for e in entries for k in e.keywords if len(k) >= 2})
        self.by_category: dict[str, set[str]] = {}
        for entry in entries:
            self.by_category.setdefault(entry.category, set()).add(entry.id)


@dataclass(frozen=True)
class _Sources:
    """Where an opened KB comes from, to notice changes: its paths, the upkeep overlay and the index directory."""

    paths: list[Path]
    upkeep_dir: Path | None
    index_dir: Path


class _LockedEmbedder:
    """The KB's embedder used under the KB's lock (a reload embeds new sentences while queries are served)."""

    def __init__(self, inner: Embedder, lock: threading.Lock) -> None:
        self.inner, self._lock = inner, lock
        self.name, self.id, self.dim = inner.name, inner.id, inner.dim

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self.inner.embed_passages(texts)


def save_index_atomically(index: HybridIndex, directory: Path, digest: str) -> None:
    """Save ``index`` next to ``directory`` and move its files in, the manifest removed first and written last, so
    a process opening the index meanwhile finds it incomplete (and rebuilds or waits) rather than mixed."""
    directory.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        index.save(staging, kb_hash=digest)
        (directory / MANIFEST).unlink(missing_ok=True)
        for part in staging.iterdir():
            if part.name != MANIFEST:
                os.replace(part, directory / part.name)
        os.replace(staging / MANIFEST, directory / MANIFEST)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _watch(ref: weakref.ref[KnowledgeBase], interval: float) -> None:
    """Poll the KB behind ``ref`` for changed files every ``interval`` seconds until it is closed or collected."""
    while True:
        time.sleep(interval)
        kb = ref()
        if kb is None or kb.closed:
            return
        try:
            kb.refresh()
        except Exception:  # noqa: BLE001 - the watcher must outlive any one failed reload
            logger.exception("KB reload check failed")
        del kb


class KnowledgeBase:
    """Entries, their index and the answer thresholds of the embedder in use.

    A KB opened from files (:meth:`open`) watches them: every ``reload_seconds`` a background thread compares their
    :func:`source_signature`; when it changed, the thread loads the entries (the upkeep overlay included), builds a
    new index (embedding only the new sentences), saves it, and swaps the new version in. Queries go on meanwhile
    against the old version, never see a half-built one, and a failing reload leaves the old one served (logged).
    """

    def __init__(self, entries: list[KBEntry], index: HybridIndex, embedder: Embedder, thresholds: Thresholds):
        self._snapshot = _Snapshot(entries, index)
        self.embedder = embedder
        self.thresholds = thresholds
        self._lock = threading.Lock()  # the embedder and index are not guaranteed thread-safe
        self._reload_lock = threading.Lock()  # one reload at a time
        self._sources: _Sources | None = None
        self._signature: tuple | None = None
        self.closed = False

    @property
    def entries(self) -> dict[str, KBEntry]:
        """Entry id → entry of the version being served."""
        return self._snapshot.entries

    @property
    def index(self) -> HybridIndex:
        return self._snapshot.index

    @property
    def kb_hash(self) -> str:
        return self._snapshot.kb_hash

    @classmethod
    def open(
        cls,
        kb_paths: Iterable[Path | str],
        index_dir: Path | str,
        embedder_spec: str | None = None,
        *,
        rebuild_if_stale: bool = True,
        progress: Progress | None = None,
        upkeep_path: Path | str | None = None,
        reload_seconds: float = RELOAD_SECONDS,
    ) -> KnowledgeBase:
        """Load entries (with the upkeep overlay in ``upkeep_path``, if given) and the saved index; rebuild and save
        the index when missing or stale (if allowed). Then watch the files every ``reload_seconds`` (0: never).

        Raises :class:`~knowledge_base.importer.KBImportError` for a bad KB and
        :class:`~knowledge_base.index.IndexMismatchError` for a stale index when ``rebuild_if_stale`` is False.
        """
        paths = [Path(p) for p in kb_paths]
        signature = source_signature(paths, upkeep_path)  # before reading: a change while opening is noticed
        entries = load_kb_entries(paths, upkeep_path)
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
        kb._sources = _Sources(paths, Path(upkeep_path) if upkeep_path is not None else None, directory)
        kb._signature = signature
        if reload_seconds > 0:
            threading.Thread(target=_watch, args=(weakref.ref(kb), reload_seconds), name="kb-reload",
                             daemon=True).start()
        return kb

    @classmethod
    def from_config(cls, settings: object | None = None, **kwargs: object) -> KnowledgeBase:
        """Open the KB described by the ``kb`` section of the Rexian configuration (its upkeep overlay included)."""
        from configuration import load_config

        cfg = settings or load_config()
        kb = cfg.kb  # type: ignore[attr-defined]
        kwargs.setdefault("upkeep_path", kb.upkeep_path)
        return cls.open(kb.paths, kb.index_dir, kb.embedder, **kwargs)  # type: ignore[arg-type]

    def refresh(self) -> bool:
        """Serve the files' current version if they changed since the last look: True when a new version was
        swapped in. Called by the watcher; a caller may call it to reload at once (it returns False at once
        while another reload is running). A KB that fails to load or index is logged and the old one kept."""
        sources = self._sources
        if sources is None or not self._reload_lock.acquire(blocking=False):
            return False
        try:
            signature = source_signature(sources.paths, sources.upkeep_dir)
            if signature == self._signature:
                return False
            self._signature = signature  # a broken version is tried again only when the files change again
            try:
                entries = load_kb_entries(sources.paths, sources.upkeep_dir)
                if kb_hash(entries) == self.kb_hash:
                    return False
                snapshot = _Snapshot(entries, self._rebuilt_index(entries))
            except Exception:  # noqa: BLE001 - any failure keeps the version being served
                logger.exception("KB reload failed; still serving the previous version (%d entries)",
                                 len(self.entries))
                return False
            try:
                save_index_atomically(snapshot.index, sources.index_dir, snapshot.kb_hash)
            except OSError:
                logger.exception("reloaded KB index could not be saved to %s; serving it from memory",
                                 sources.index_dir)
            self._snapshot = snapshot
            logger.info("KB reloaded after its files changed: %d entries", len(snapshot.entries))
            return True
        finally:
            self._reload_lock.release()

    def close(self) -> None:
        """Stop watching the files (the KB still answers)."""
        self.closed = True

    def _rebuilt_index(self, entries: list[KBEntry]) -> HybridIndex:
        """A new index for ``entries``, reusing the vectors of the one being served (so only new text is embedded)."""
        current = self.index
        reusing = ReusingEmbedder(_LockedEmbedder(self.embedder, self._lock), index_vectors(current))
        approximate = isinstance(current.dense, faiss.IndexHNSW)
        index = HybridIndex.build(to_index_docs(entries), reusing, approximate=approximate)
        index.embedder = self.embedder  # searches embed with the plain embedder (under the KB's lock)
        index.params = current.params
        logger.info("KB reload: %d sentences embedded, %d reused", reusing.embedded, reusing.reused)
        return index

    def warm_up(self) -> None:
        """Run one throw-away search so the first citizen does not wait for the model's first inference."""
        snapshot = self._snapshot
        self._decide(snapshot, "你好", set(snapshot.entries), 1)

    def get(self, entry_id: str) -> KBEntry | None:
        """The entry with ``entry_id`` (served or not), or None."""
        return self.entries.get(entry_id)

    def valid_ids(self, today: date | None = None) -> set[str]:
        """Ids of the entries that may be served on ``today``."""
        return _valid_ids(self._snapshot, today)

    def ask(
        self,
        query: str,
        *,
        today: date | None = None,
        previous_entry_id: str | None = None,
        k: int = 5,
    ) -> KBResult:
        """Answer ``query``; with ``previous_entry_id`` (the entry last answered) follow-ups stay on its topic."""
        snapshot = self._snapshot  # one version for the whole question, whatever a reload does meanwhile
        allowed = _valid_ids(snapshot, today)
        text = (query or "").strip()
        if not text or not allowed:
            return KBResult(Band.NO_MATCH, [], text, query or "")

        def search(q: str, ids: set[str]) -> BandDecision:
            return self._decide(snapshot, q, ids, k)

        previous = snapshot.entries.get(previous_entry_id) if previous_entry_id else None
        if previous is not None:
            chosen = followup.resolve_followup(
                text,
                previous,
                search=search,
                allowed=allowed,
                same_category=snapshot.by_category.get(previous.category, set()),
                terms=snapshot.terms,
                entries=snapshot.entries,
                keywords=snapshot.keywords,
            )
            if chosen is not None and chosen.rewritten:
                return _result(snapshot, chosen.decision, chosen.query, query, previous.id)
            if chosen is not None:  # the plain question won
                return _result(snapshot, chosen.decision, text, query, None)
        return _result(snapshot, search(text, allowed), text, query, None)

    def stats(self, today: date | None = None) -> KBStats:
        """:func:`kb_stats` plus a description of the loaded index."""
        base = kb_stats(list(self.entries.values()), today=today)
        info = {"embedder": self.embedder.id, "kb_hash": self.kb_hash, "thresholds": self.thresholds}
        return KBStats(**{**base.__dict__, "index": info})

    # ------------------------------------------------------------------------------------------ internals

    def _decide(self, snapshot: _Snapshot, query: str, allowed: set[str], k: int) -> BandDecision:
        with self._lock:
            hits = snapshot.index.search(query, k=k, allowed=allowed)
        hits = [h for h in hits if h.doc_id in allowed]  # belt and braces: expired entries are never served
        return decide(hits, self.thresholds)


def _valid_ids(snapshot: _Snapshot, today: date | None) -> set[str]:
    day = today or date.today()
    return {entry_id for entry_id, entry in snapshot.entries.items() if entry.is_valid_on(day)}


def _result(snapshot: _Snapshot, decision: BandDecision, searched: str, original: str,
            followup_of: str | None) -> KBResult:
    matches = [
        KBMatch(snapshot.entries[h.doc_id], float(h.similarity), float(h.score), h.matched_text)
        for h in decision.hits
        if h.doc_id in snapshot.entries
    ]
    return KBResult(decision.band, matches, searched, original, followup_of is not None, followup_of)
