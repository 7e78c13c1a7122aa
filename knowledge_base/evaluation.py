"""Retrieval evaluation on a directory of ``corpus.jsonl`` + ``queries.jsonl`` (or ``queries_dev.jsonl``).

``corpus.jsonl``: ``{"id", "text", ...}``; queries: ``{"qid", "query", "gold": [ids]}``. The corpus is indexed as
answers-only entries (``questions=[]``) unless ``corpus_as="questions"`` (the FAQ / paraphrase case, where each
corpus text is a question). Metrics: recall@1, recall@5 (a query counts when any gold id is in the top n), MRR@10,
per-query search latency percentiles (query embedding included), build time.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

import numpy as np

from .embedders import DEFAULT_EMBEDDER, get_embedder
from .fusion import FusionParams
from .index import HybridIndex, IndexDoc, IndexMismatchError
from .index_text import ChunkConfig

logger = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "bm25", "rrf")


def read_jsonl(path: Path) -> list[dict]:
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def queries_file(directory: Path) -> Path:
    """``queries.jsonl`` or ``queries_dev.jsonl`` in ``directory`` (FileNotFoundError when neither exists)."""
    for name in ("queries.jsonl", "queries_dev.jsonl"):
        if (Path(directory) / name).is_file():
            return Path(directory) / name
    raise FileNotFoundError(f"no queries.jsonl or queries_dev.jsonl in {directory}")


def corpus_docs(directory: Path, corpus_as: str = "answers") -> list[IndexDoc]:
    rows = read_jsonl(Path(directory) / "corpus.jsonl")
    if corpus_as == "questions":
        return [IndexDoc(doc_id=str(r["id"]), questions=[r["text"]], answer="") for r in rows]
    return [IndexDoc(doc_id=str(r["id"]), questions=[], answer=r["text"]) for r in rows]


def params_for_mode(mode: str, base: FusionParams | None = None) -> FusionParams:
    """Fusion parameters for an evaluation mode (``hybrid`` = the index's tuned defaults)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
    params = FusionParams.from_dict((base or FusionParams()).to_dict())
    if mode != "hybrid":
        params.method = mode
    return params


def _corpus_hash(directory: Path, extra: str) -> str:
    digest = hashlib.sha256((Path(directory) / "corpus.jsonl").read_bytes())
    digest.update(extra.encode())
    return digest.hexdigest()[:16]


def build_or_load(
    directory: Path,
    *,
    embedder_spec: str | None = None,
    corpus_as: str = "answers",
    chunking: ChunkConfig | None = None,
    approximate: bool = False,
    index_dir: Path | None = None,
) -> tuple[HybridIndex, float]:
    """The index of ``directory``'s corpus and its build time; reuses ``index_dir`` when it matches."""
    embedder = get_embedder(embedder_spec or DEFAULT_EMBEDDER)
    chunking = chunking or ChunkConfig()
    kb_hash = _corpus_hash(directory, f"{corpus_as}|{chunking}|{approximate}")
    if index_dir is not None:
        try:
            index = HybridIndex.load(index_dir, embedder, kb_hash=kb_hash)
            return index, float(index.manifest.get("build_seconds", float("nan")))
        except IndexMismatchError as exc:
            logger.info("building a new evaluation index: %s", exc)
    docs = corpus_docs(directory, corpus_as)
    started = time.perf_counter()
    index = HybridIndex.build(docs, embedder, approximate=approximate, chunking=chunking)
    build_seconds = time.perf_counter() - started
    if index_dir is not None:
        index.save(index_dir, kb_hash=kb_hash)
        manifest_path = Path(index_dir) / "manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest["build_seconds"] = round(build_seconds, 2)
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return index, build_seconds


def evaluate_index(
    index: HybridIndex, queries: list[dict], *, params: FusionParams | None = None, k: int = 10
) -> dict[str, float]:
    """Quality and latency of ``index`` on ``queries`` (``params`` override the index's fusion parameters)."""
    r1 = r5 = rr = 0.0
    latencies: list[float] = []
    for q in queries:
        gold = set(map(str, q["gold"]))
        started = time.perf_counter()
        hits = index.search(q["query"], k=max(k, 5), params=params)
        latencies.append((time.perf_counter() - started) * 1000.0)
        ids = [h.doc_id for h in hits]
        if ids[:1] and ids[0] in gold:
            r1 += 1
        if gold.intersection(ids[:5]):
            r5 += 1
        for rank, doc_id in enumerate(ids[:10], start=1):
            if doc_id in gold:
                rr += 1.0 / rank
                break
    n = max(1, len(queries))
    lat = np.asarray(latencies) if latencies else np.zeros(1)
    return {
        "recall@1": r1 / n,
        "recall@5": r5 / n,
        "mrr@10": rr / n,
        "latency_p50_ms": float(np.percentile(lat, 50)),
        "latency_p95_ms": float(np.percentile(lat, 95)),
        "latency_p99_ms": float(np.percentile(lat, 99)),
        "n_queries": float(len(queries)),
    }


def evaluate_dir(
    directory: Path,
    *,
    embedder_spec: str | None = None,
    mode: str = "hybrid",
    k: int = 10,
    corpus_as: str = "answers",
    params: FusionParams | None = None,
    chunking: ChunkConfig | None = None,
    approximate: bool = False,
    index_dir: Path | None = None,
    limit: int | None = None,
) -> dict[str, float]:
    """Build (or reuse ``index_dir``) an index of ``directory``'s corpus and score its queries.

    Returns recall@1, recall@5, mrr@10, latency_p50_ms, latency_p95_ms, latency_p99_ms, n_queries, build_seconds.
    """
    directory = Path(directory)
    queries = read_jsonl(queries_file(directory))
    if limit:
        queries = queries[:limit]
    index, build_seconds = build_or_load(
        directory,
        embedder_spec=embedder_spec,
        corpus_as=corpus_as,
        chunking=chunking,
        approximate=approximate,
        index_dir=index_dir,
    )
    result = evaluate_index(index, queries, params=params_for_mode(mode, params or index.params), k=k)
    result["build_seconds"] = float(build_seconds)
    return result
