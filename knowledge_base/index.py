"""The knowledge base's hybrid index: FAISS over embeddings + BM25 over jieba tokens, fused.

Each entry contributes several dense *units*: its standard question, its similar questions (embedded the way
queries are, since a citizen's question is compared with them) and windows of its answer (embedded as passages).
An entry's dense score is its best unit's cosine; its BM25 score comes from one bag of words over questions and
answer. The two are fused (see :mod:`knowledge_base.fusion`).

On disk (one directory): ``manifest.json``, ``dense.faiss``, ``bm25.npz``, ``docs.json``. ``load`` refuses an index
built with another embedder, another dimension, another KB hash or with missing files (:class:`IndexMismatchError`).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import faiss
import numpy as np

from configuration import load_config

from .embedders import Embedder
from .fusion import Candidates, FusionParams, default_params, fuse
from .index_bm25 import BM25Index
from .index_text import ChunkConfig, answer_whole, chunk_answer

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
DENSE_FILE = "dense.faiss"
BM25_FILE = "bm25.npz"
DOCS_FILE = "docs.json"
_FILES = (MANIFEST, DENSE_FILE, BM25_FILE, DOCS_FILE)



def _use_configured_threads() -> None:
    """One FAISS (OpenMP) thread by default: a single query is answered fastest without thread hand-offs, and on a
    shared CPU idle spinning threads make it several times slower. ``faiss.threads`` (REXIAN_FAISS_THREADS)
    overrides, e.g. for large HNSW builds. Set before every build and load: every search follows one."""
    faiss.omp_set_num_threads(load_config().faiss.effective_threads)


HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


@dataclass
class IndexDoc:
    """One FAQ entry as the index sees it: standard + similar questions and the answer.

    An answers-only corpus has ``questions=[]``.
    """

    doc_id: str
    questions: list[str]
    answer: str


@dataclass
class Hit:
    """One search result.

    ``score``: the fused ranking score (only comparable within one query).
    ``similarity``: cosine between the query and the entry's closest question (closest answer window for entries
    without questions); this is what the answer bands are calibrated on.
    ``matched_text``: the question or answer window that gave ``similarity``.
    """

    doc_id: str
    score: float
    similarity: float
    matched_text: str


class IndexMismatchError(Exception):
    """The index on disk does not belong to this embedder / knowledge base, or is incomplete."""


QUESTION, WINDOW, WHOLE = 0, 1, 2  # unit kinds


@dataclass
class _Units:
    """Dense units, contiguous per document: ``offsets[d]:offsets[d+1]`` are document ``d``'s units.

    ``kinds``: QUESTION (standard or similar question), WINDOW (a window of the answer) or WHOLE (the answer as
    one text, only when it is longer than its single window).
    """

    texts: list[str]
    kinds: np.ndarray  # int8, per unit
    offsets: np.ndarray  # int64, n_docs + 1
    unit_doc: np.ndarray = field(init=False)
    is_question: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        counts = np.diff(self.offsets)
        self.unit_doc = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        self.is_question = self.kinds == QUESTION


def _make_faiss(dim: int, approximate: bool) -> faiss.Index:
    if approximate:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return index
    return faiss.IndexFlatIP(dim)


def _index_type(index: faiss.Index) -> str:
    return "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"


class HybridIndex:
    """FAISS (flat inner product, or HNSW when ``approximate``) + BM25, fused at query time."""

    def __init__(
        self,
        *,
        doc_ids: list[str],
        units: _Units,
        dense: faiss.Index,
        bm25: BM25Index,
        embedder: Embedder,
        chunking: ChunkConfig,
        params: FusionParams | None = None,
        manifest: dict | None = None,
    ) -> None:
        self.doc_ids = doc_ids
        self.units = units
        self.dense = dense
        self.bm25 = bm25
        self.embedder = embedder
        self.chunking = chunking
        self.params = params or FusionParams()
        self.manifest = manifest or {}
        self._doc_pos = {d: i for i, d in enumerate(doc_ids)}
        self._xb: np.ndarray | None = None
        self._has_questions = np.zeros(len(doc_ids), dtype=bool)
        np.logical_or.at(self._has_questions, units.unit_doc, units.is_question)

    # ------------------------------------------------------------------ build

    @classmethod
    def build(
        cls,
        docs: list[IndexDoc],
        embedder: Embedder,
        *,
        approximate: bool = False,
        progress: Callable[[int, int], None] | None = None,
        chunking: ChunkConfig | None = None,
        params: FusionParams | None = None,
        batch_size: int = 64,
    ) -> "HybridIndex":
        """Embed and index ``docs``. ``progress(done, total)`` is called as dense units are embedded."""
        _use_configured_threads()
        ids = [d.doc_id for d in docs]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate doc_id in the documents to index")
        chunking = chunking or ChunkConfig()
        texts: list[str] = []
        kinds: list[int] = []
        offsets = [0]
        for doc in docs:
            questions = list(dict.fromkeys(q.strip() for q in doc.questions if q and q.strip()))
            chunks = chunk_answer(doc.answer, chunking) if doc.answer else []
            whole = answer_whole(doc.answer, chunking) if doc.answer else ""
            texts.extend(questions)
            kinds.extend([QUESTION] * len(questions))
            texts.extend(chunks)
            kinds.extend([WINDOW] * len(chunks))
            if whole and whole not in chunks:
                texts.append(whole)
                kinds.append(WHOLE)
            offsets.append(len(texts))
        units = _Units(texts=texts, kinds=np.asarray(kinds, dtype=np.int8), offsets=np.asarray(offsets, np.int64))

        vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
        total = len(texts)
        started = time.perf_counter()
        for start in range(0, total, batch_size):
            end = min(total, start + batch_size)
            q_mask = units.is_question[start:end]
            batch = texts[start:end]
            q_idx = [i for i, q in enumerate(q_mask) if q]
            p_idx = [i for i, q in enumerate(q_mask) if not q]
            if q_idx:
                vectors[[start + i for i in q_idx]] = embedder.embed_queries([batch[i] for i in q_idx])
            if p_idx:
                vectors[[start + i for i in p_idx]] = embedder.embed_passages([batch[i] for i in p_idx])
            if progress:
                progress(end, total)
        logger.info("embedded %d units of %d entries in %.1fs", total, len(docs), time.perf_counter() - started)

        dense = _make_faiss(embedder.dim, approximate)
        if total:
            dense.add(vectors)
        bm25 = BM25Index.build([" ".join([*d.questions, d.answer]) for d in docs])
        return cls(
            doc_ids=ids,
            units=units,
            dense=dense,
            bm25=bm25,
            embedder=embedder,
            chunking=chunking,
            params=params or default_params(embedder.name),
        )

    # ------------------------------------------------------------------ persistence

    def save(self, directory: Path, *, kb_hash: str) -> None:
        """Write the index files and ``manifest.json`` into ``directory`` (created if needed)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.dense, str(directory / DENSE_FILE))
        self.bm25.save(directory / BM25_FILE)
        docs = {
            "doc_ids": self.doc_ids,
            "offsets": self.units.offsets.tolist(),
            "kinds": self.units.kinds.astype(int).tolist(),
            "texts": self.units.texts,
        }
        (directory / DOCS_FILE).write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
        manifest = {
            "format_version": FORMAT_VERSION,
            "embedder_id": self.embedder.id,
            "embedder_name": self.embedder.name,
            "dim": int(self.embedder.dim),
            "kb_hash": kb_hash,
            "index_type": _index_type(self.dense),
            "doc_count": len(self.doc_ids),
            "unit_count": len(self.units.texts),
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "chunking": self.chunking.__dict__,
            "fusion": self.params.to_dict(),
        }
        # The manifest goes last: a directory with a manifest is a complete index.
        (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        self.manifest = manifest

    @staticmethod
    def read_manifest(directory: Path) -> dict:
        """The manifest of the index in ``directory`` (IndexMismatchError when absent or unreadable)."""
        path = Path(directory) / MANIFEST
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise IndexMismatchError(f"索引清单缺失：{path}") from exc
        except (OSError, ValueError) as exc:
            raise IndexMismatchError(f"索引清单无法读取：{path}（{exc}）") from exc

    @classmethod
    def load(cls, directory: Path, embedder: Embedder, *, kb_hash: str) -> "HybridIndex":
        """Load an index saved by :meth:`save`; refuses (IndexMismatchError) anything that does not match."""
        _use_configured_threads()
        directory = Path(directory)
        missing = [name for name in _FILES if not (directory / name).is_file()]
        if missing:
            raise IndexMismatchError(f"索引文件缺失：{', '.join(missing)}（目录 {directory}），请重新构建索引")
        manifest = cls.read_manifest(directory)
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexMismatchError(
                f"索引格式版本 {manifest.get('format_version')} 与当前版本 {FORMAT_VERSION} 不符，请重新构建索引"
            )
        if manifest.get("embedder_id") != embedder.id:
            raise IndexMismatchError(
                f"索引由另一个向量模型构建（索引：{manifest.get('embedder_id')}；当前：{embedder.id}），请重新构建索引"
            )
        if int(manifest.get("dim", -1)) != int(embedder.dim):
            raise IndexMismatchError(f"向量维度不符（索引：{manifest.get('dim')}；当前：{embedder.dim}），请重新构建索引")
        if manifest.get("kb_hash") != kb_hash:
            raise IndexMismatchError(
                f"索引对应的知识库版本已过期（索引：{manifest.get('kb_hash')}；当前：{kb_hash}），请重新构建索引"
            )
        dense = faiss.read_index(str(directory / DENSE_FILE))
        if dense.d != embedder.dim:
            raise IndexMismatchError(f"FAISS 索引维度 {dense.d} 与向量模型维度 {embedder.dim} 不符")
        if isinstance(dense, faiss.IndexHNSW):
            dense.hnsw.efSearch = HNSW_EF_SEARCH
        docs = json.loads((directory / DOCS_FILE).read_text(encoding="utf-8"))
        units = _Units(
            texts=docs["texts"],
            kinds=np.asarray(docs["kinds"], dtype=np.int8),
            offsets=np.asarray(docs["offsets"], dtype=np.int64),
        )
        bm25 = BM25Index.load(directory / BM25_FILE)
        n_docs = len(docs["doc_ids"])
        if dense.ntotal != len(units.texts) or bm25.n_docs != n_docs or n_docs != manifest.get("doc_count"):
            raise IndexMismatchError("索引文件之间条目数不一致（可能是构建中断），请重新构建索引")
        return cls(
            doc_ids=docs["doc_ids"],
            units=units,
            dense=dense,
            bm25=bm25,
            embedder=embedder,
            chunking=ChunkConfig(**manifest.get("chunking", {})),
            params=FusionParams.from_dict(manifest.get("fusion", {})),
            manifest=manifest,
        )

    # ------------------------------------------------------------------ search

    def __len__(self) -> int:
        return len(self.doc_ids)

    def _allowed_mask(self, allowed: set[str] | None) -> np.ndarray | None:
        if allowed is None:
            return None
        mask = np.zeros(len(self.doc_ids), dtype=bool)
        for doc_id in allowed:
            pos = self._doc_pos.get(doc_id)
            if pos is not None:
                mask[pos] = True
        return mask

    def _dense_candidates(self, qvec: np.ndarray, n_units: int, mask: np.ndarray | None) -> np.ndarray:
        """Document indices of the nearest ``n_units`` dense units (restricted to ``mask``)."""
        n_units = min(n_units, self.dense.ntotal)
        if n_units <= 0:
            return np.zeros(0, dtype=np.int64)
        search_params = None
        if mask is not None:
            unit_ids = np.flatnonzero(mask[self.units.unit_doc]).astype(np.int64)
            if unit_ids.size == 0:
                return np.zeros(0, dtype=np.int64)
            selector = faiss.IDSelectorBatch(unit_ids)
            if isinstance(self.dense, faiss.IndexHNSW):
                search_params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, n_units))
            else:
                search_params = faiss.SearchParameters(sel=selector)
        elif isinstance(self.dense, faiss.IndexHNSW):
            search_params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, n_units))
        _, ids = self.dense.search(qvec, n_units, params=search_params)
        ids = ids[0]
        ids = ids[ids >= 0]
        return np.unique(self.units.unit_doc[ids])

    def _vectors(self) -> np.ndarray:
        """Zero-copy (n_units, dim) view of the vectors stored in the FAISS index."""
        if self._xb is None:
            flat = faiss.downcast_index(self.dense.storage) if isinstance(self.dense, faiss.IndexHNSW) else self.dense
            n, d = flat.ntotal, flat.d
            self._xb = faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d) if n else np.zeros((0, d), np.float32)
        return self._xb

    def _exact_dense(self, qvec: np.ndarray, doc_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per candidate document: best question cosine, answer score and best answer-unit cosine.

        The answer score is the mean of the best window's cosine and the whole answer's (just the best window's
        when the answer fits one window): the windows find the passage that answers, the whole text adds the
        topic. −1 where a document has no such unit.
        """
        starts = self.units.offsets[doc_idx]
        lens = self.units.offsets[doc_idx + 1] - starts
        n = len(doc_idx)
        best = {kind: np.full(n, -1.0, dtype=np.float32) for kind in (QUESTION, WINDOW, WHOLE)}
        total = int(lens.sum())
        if total:
            seg = np.cumsum(lens) - lens
            unit_ids = np.repeat(starts - seg, lens) + np.arange(total)
            sims = self._vectors()[unit_ids] @ qvec[0]
            kinds = self.units.kinds[unit_ids]
            nonempty = lens > 0
            for kind, target in best.items():
                top = np.maximum.reduceat(np.where(kinds == kind, sims, -np.inf), seg[nonempty])
                target[nonempty] = np.where(np.isfinite(top), top, -1.0)
        window, whole = best[WINDOW], best[WHOLE]
        whole = np.where(whole > -1.0, whole, window)
        answer = np.where(window > -1.0, (window + whole) / 2.0, -1.0)
        return best[QUESTION], answer, np.maximum(window, whole)

    def _best_unit(self, doc: int, qvec: np.ndarray, questions: bool) -> int:
        """Id of the document's unit (question or answer window) closest to the query; −1 when none."""
        start, end = int(self.units.offsets[doc]), int(self.units.offsets[doc + 1])
        ids = [u for u in range(start, end) if bool(self.units.is_question[u]) == questions]
        if not ids:
            return -1
        sims = self._vectors()[ids] @ qvec[0]
        return ids[int(np.argmax(sims))]

    def _bm25_only(self, bm25_all: np.ndarray, mask: np.ndarray | None, k: int) -> list[Hit]:
        if mask is not None:
            bm25_all = np.where(mask, bm25_all, -1.0)
        order = np.argsort(-bm25_all, kind="stable")[:k]
        return [
            Hit(doc_id=self.doc_ids[int(i)], score=float(bm25_all[i]), similarity=0.0, matched_text="")
            for i in order
            if bm25_all[i] > 0
        ]

    def search(
        self,
        query: str,
        k: int = 10,
        *,
        allowed: set[str] | None = None,
        params: FusionParams | None = None,
    ) -> list[Hit]:
        """The ``k`` best entries for ``query``, best first; only ids in ``allowed`` when it is given."""
        params = params or self.params
        query = (query or "").strip()
        if not query or k <= 0 or not self.doc_ids:
            return []
        mask = self._allowed_mask(allowed)
        if mask is not None and not mask.any():
            return []
        bm25_all = self.bm25.scores(query)
        if params.method == "bm25":  # lexical only (benchmarks): no query embedding, no similarity
            return self._bm25_only(bm25_all, mask, k)
        qvec = self.embedder.embed_queries([query]).astype(np.float32, copy=False)

        cand = self._dense_candidates(qvec, params.dense_units, mask)
        if mask is not None:
            bm25_all = np.where(mask, bm25_all, -1.0)
        n_b = min(params.bm25_docs, len(bm25_all))
        if n_b > 0:
            top_b = np.argpartition(-bm25_all, n_b - 1)[:n_b]
            top_b = top_b[bm25_all[top_b] > 0]
            cand = np.union1d(cand, top_b)
        if cand.size == 0:
            return []

        best_q, answer_score, best_a = self._exact_dense(qvec, cand)
        has_q = self._has_questions[cand]
        dense = np.maximum(best_q, np.where(answer_score > -1.0, answer_score * params.answer_weight, -1.0))
        scores = fuse(Candidates(doc_idx=cand, dense=dense, bm25=np.maximum(bm25_all[cand], 0.0)), params)
        order = np.argsort(-scores, kind="stable")[:k]
        hits: list[Hit] = []
        for i in order:
            use_q = bool(has_q[i]) and best_q[i] > -1.0
            unit = self._best_unit(int(cand[i]), qvec, questions=use_q)
            hits.append(
                Hit(
                    doc_id=self.doc_ids[int(cand[i])],
                    score=float(scores[i]),
                    similarity=float(best_q[i] if use_q else best_a[i]),
                    matched_text=self.units.texts[unit] if unit >= 0 else "",
                )
            )
        return hits
