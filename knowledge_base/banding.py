"""Answer banding: decide whether to answer, ask "did you mean…", or admit there is no match.

The decision reads :attr:`Hit.similarity` (cosine between the query and the entry's closest question), whose
thresholds were calibrated per embedder on labelled paraphrase pairs (``benchmarks/kb_calibrate_thresholds.py``;
numbers in ``docs/retrieval.md``) and are stored in ``knowledge_base/thresholds.yaml``.

* ANSWER — the best hit is at or above ``answer`` and leads every other returned hit by at least ``margin``;
* DID_YOU_MEAN — the best hit is at or above ``suggest`` (up to three candidates, each at or above ``suggest``);
* NO_MATCH — otherwise; the closest hits at or above ``floor`` (up to three) are kept: the bot lists them as
  "the closest the KB has" next to 登记 and 人工, never as an answer.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import yaml

from .index import Hit

logger = logging.getLogger(__name__)

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.yaml")
SUGGESTIONS = 3


class Band(str, Enum):
    ANSWER = "answer"
    DID_YOU_MEAN = "did_you_mean"
    NO_MATCH = "no_match"


@dataclass
class Thresholds:
    """``answer`` > ``suggest`` > ``floor``; ``margin`` is the lead over the runner-up needed to answer outright."""

    answer: float
    suggest: float
    margin: float
    floor: float | None = None  # None: ``suggest`` minus three margins

    def __post_init__(self) -> None:
        if self.suggest > self.answer:
            raise ValueError(f"suggest ({self.suggest}) must not exceed answer ({self.answer})")
        if self.margin < 0:
            raise ValueError("margin must be >= 0")
        if self.floor is None:
            self.floor = self.suggest - 3 * self.margin
        if self.floor > self.suggest:
            raise ValueError(f"floor ({self.floor}) must not exceed suggest ({self.suggest})")


@dataclass
class BandDecision:
    band: Band
    hits: list[Hit] = field(default_factory=list)


def load_thresholds(embedder_name: str, path: Path | None = None) -> Thresholds:
    """Thresholds for ``embedder_name`` from ``thresholds.yaml``; unknown embedders get the ``default`` entry."""
    data = yaml.safe_load((path or THRESHOLDS_FILE).read_text(encoding="utf-8")) or {}
    entries = data.get("embedders", {})
    entry = entries.get(embedder_name)
    if entry is None:
        logger.warning("no calibrated thresholds for embedder %s; using the default entry", embedder_name)
        entry = data.get("default")
        if entry is None:
            raise KeyError(f"thresholds.yaml has neither {embedder_name!r} nor a default entry")
    floor = entry.get("floor")
    return Thresholds(answer=float(entry["answer"]), suggest=float(entry["suggest"]), margin=float(entry["margin"]),
                      floor=None if floor is None else float(floor))


def decide(hits: list[Hit], thresholds: Thresholds) -> BandDecision:
    """Band the ranked ``hits`` of one query (best first, as :meth:`HybridIndex.search` returns them)."""
    if not hits:
        return BandDecision(Band.NO_MATCH, [])
    top = hits[0]
    runner_up = max((h.similarity for h in hits[1:]), default=None)
    clear_lead = runner_up is None or top.similarity - runner_up >= thresholds.margin
    if top.similarity >= thresholds.answer and clear_lead:
        return BandDecision(Band.ANSWER, [top])
    if top.similarity >= thresholds.suggest:
        close = [h for h in hits if h.similarity >= thresholds.suggest]
        if hits[0] not in close:
            close.insert(0, hits[0])
        return BandDecision(Band.DID_YOU_MEAN, close[:SUGGESTIONS])
    floor = thresholds.floor if thresholds.floor is not None else thresholds.suggest
    near = [h for h in hits if h.similarity >= floor]
    return BandDecision(Band.NO_MATCH, near[:SUGGESTIONS])
