"""Fusion of dense (embedding) and sparse (BM25) evidence into one ranking score.

Plain reciprocal-rank fusion throws the score gaps away and, on the development data, does not beat the dense side
alone. The default here keeps the gaps: BM25 scores are divided by the query's best BM25 score (so they lie in
[0, 1] whatever the query length), dense cosines are min-max scaled over the candidate set, and the two are mixed
with a tuned weight. ``rrf`` is kept for comparison in the benchmarks.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

FUSION_METHODS = ("weighted", "rrf", "dense", "bm25")


@dataclass
class FusionParams:
    """Search-time knobs; stored in the manifest and tunable without rebuilding the index.

    ``method``: ``weighted`` (normalised scores mixed by ``bm25_weight``), ``rrf``, ``dense`` or ``bm25`` only.
    ``bm25_weight``: share of the BM25 side in ``weighted`` (the dense side gets ``1 - bm25_weight``).
    ``dense_norm``: ``minmax`` (over the candidates), ``zscore`` (distance below the best candidate in standard
    deviations of the candidates' cosines) or ``raw`` (cosine as is).
    ``dense_units``: nearest dense units fetched from FAISS; ``bm25_docs``: top BM25 documents added as candidates.
    ``answer_weight``: multiplier of answer-chunk cosines against question cosines when an entry has both.
    """

    method: str = "weighted"
    bm25_weight: float = 0.3
    dense_norm: str = "minmax"
    dense_units: int = 200
    bm25_docs: int = 50
    rrf_k: float = 60.0
    answer_weight: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "FusionParams":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


# BM25 share tuned per embedder on gov_qa_retrieval (checked on lcqmc_retrieval); see docs/retrieval.md.
# USE's dense side is weaker on long answers, so BM25 gets more say.
TUNED_BM25_WEIGHT: dict[str, float] = {"e5": 0.2, "use": 0.5}


def default_params(embedder_name: str) -> FusionParams:
    """The tuned fusion parameters for an embedder (generic defaults for untuned ones)."""
    params = FusionParams()
    params.bm25_weight = TUNED_BM25_WEIGHT.get(embedder_name, params.bm25_weight)
    return params


@dataclass
class Candidates:
    """Per-candidate evidence for one query (parallel arrays over candidate documents)."""

    doc_idx: np.ndarray
    dense: np.ndarray
    bm25: np.ndarray
    extra: dict = field(default_factory=dict)


def _minmax(x: np.ndarray) -> np.ndarray:
    if x.size == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    if hi - lo < 1e-9:
        return np.ones_like(x)
    return (x - lo) / (hi - lo)


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(-x, kind="stable")
    ranks = np.empty_like(order)
    ranks[order] = np.arange(1, len(x) + 1)
    return ranks


def fuse(cands: Candidates, params: FusionParams) -> np.ndarray:
    """Fused score per candidate (higher is better)."""
    dense, bm25 = cands.dense.astype(np.float64), cands.bm25.astype(np.float64)
    if params.method == "dense":
        return dense
    if params.method == "bm25":
        return bm25 + 1e-6 * dense  # dense only breaks ties
    if params.method == "rrf":
        return 1.0 / (params.rrf_k + _ranks(dense)) + 1.0 / (params.rrf_k + _ranks(bm25))
    if params.method != "weighted":
        raise ValueError(f"unknown fusion method {params.method!r}; expected one of {FUSION_METHODS}")
    top_bm25 = float(bm25.max()) if bm25.size else 0.0
    bm25_n = bm25 / top_bm25 if top_bm25 > 0 else np.zeros_like(bm25)
    if params.dense_norm == "minmax":
        dense_n = _minmax(dense)
    elif params.dense_norm == "zscore":
        # spread of the candidates' cosines in units of their standard deviation, scaled to about [0, 1]
        std = float(dense.std()) if dense.size > 1 else 0.0
        dense_n = (dense - float(dense.max())) / (4.0 * std) + 1.0 if std > 1e-9 else np.ones_like(dense)
    elif params.dense_norm == "raw":
        dense_n = dense
    else:
        raise ValueError(f"unknown dense_norm {params.dense_norm!r}")
    w = params.bm25_weight
    return (1.0 - w) * dense_n + w * bm25_n
