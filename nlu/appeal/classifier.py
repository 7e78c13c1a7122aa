"""``AppealClassifier``: appeal type with an ``unsure`` flag, and top-k category / department suggestions."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from configuration import load_config
from nlu.appeal.features import has_framing_cue
from nlu.appeal.taxonomy import Taxonomy, load_taxonomy
from nlu.appeal.training import (
    MODEL_FILE,
    TrainedModels,
    load_models,
    save_models,
    seed_fingerprint,
    train_models,
)
from nlu.appeal.types import AppealPrediction, CategorySuggestion

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEED_CACHE_DIR = PROJECT_ROOT / "var" / "appeal_seed_cache"
"""The seed-trained model is cached here, keyed by a fingerprint of the seed data, routing config and code."""
MODEL_DIR_ENV = "REXIAN_APPEAL_MODEL_DIR"  # appeal.model_dir, read through configuration

UNSURE_BELOW = 0.4
"""A message is ``unsure`` when the chosen type's score is below this, or when the best two types are closer than
:data:`UNSURE_MARGIN`, or when it is short and has no framing word at all (nothing tells what the citizen wants).
The averaged n-gram + embedding model gives softer scores than one model alone, hence the low values: on 400
development messages they flag about 20%, whose 3-class accuracy is about 0.53 against 0.81 for the others."""
UNSURE_MARGIN = 0.15
SHORT_MESSAGE = 20


class AppealClassifier:
    """Classifies a citizen's first message. Thread-safe for reading; build with :func:`load_classifier`."""

    def __init__(self, models: TrainedModels, taxonomy: Taxonomy | None = None, source: str = "seed") -> None:
        self._models = models
        self._taxonomy = taxonomy or load_taxonomy()
        self.source = source

    def with_taxonomy(self, taxonomy: Taxonomy) -> AppealClassifier:
        """The same models suggesting the leaves of ``taxonomy`` (the tree the dispatch backend serves)."""
        return AppealClassifier(self._models, taxonomy, self.source)

    @property
    def meta(self) -> dict:
        return dict(self._models.meta)

    def classify(self, text: str) -> AppealPrediction:
        """The appeal type with its score; ``unsure`` when the dialogue should ask the citizen."""
        scores = self._models.appeal.predict_scores([text or ""])[0]
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        (best, p1), (_, p2) = ranked[0], ranked[1]
        stripped = (text or "").strip()
        vague = len(stripped) < SHORT_MESSAGE and not has_framing_cue(stripped)
        unsure = p1 < UNSURE_BELOW or p1 - p2 < UNSURE_MARGIN or not stripped or vague
        return AppealPrediction(best, round(p1, 4), {k: round(v, 4) for k, v in scores.items()}, unsure)

    def classify_many(self, texts: list[str]) -> list[AppealPrediction]:
        return [self.classify(t) for t in texts]

    def suggest_categories(self, text: str, k: int = 3) -> list[CategorySuggestion]:
        """The ``k`` most likely leaves of the routing tree, best first, each with its department."""
        scores = self._models.category.leaf_scores(text or "")
        for path, leaf in self._taxonomy.leaves.items():  # a routing keyword in the message is strong evidence
            hits = sum(len(kw) for kw in leaf.keywords if kw and kw in (text or ""))
            if hits and path in scores:
                scores[path] += 0.05 * min(hits, 6)
        total = sum(scores.values()) or 1.0
        out = []
        for path, score in sorted(scores.items(), key=lambda kv: kv[1], reverse=True):
            leaf = self._taxonomy.leaves.get(path)
            if leaf is None:  # a leaf that routing.yml no longer has
                continue
            out.append(CategorySuggestion(leaf, round(score / total, 4)))
            if len(out) >= k:
                break
        return out


_lock = threading.Lock()
_cache: dict[str, AppealClassifier] = {}


def model_dir() -> Path:
    """Where a retrained model is looked for: ``appeal.model_dir`` (``$REXIAN_APPEAL_MODEL_DIR``), default
    ``var/appeal_model``."""
    return load_config().appeal.model_dir


def load_classifier(reload: bool = False) -> AppealClassifier:
    """The shared classifier: the retrained model in :func:`model_dir` if there is one, else the seed model."""
    directory = model_dir()
    key = str(directory.resolve())
    with _lock:
        if reload or key not in _cache:
            if (directory / MODEL_FILE).is_file():
                logger.info("loading appeal model from %s", directory)
                _cache[key] = AppealClassifier(load_models(directory), source=str(directory))
            else:
                logger.info("no retrained appeal model in %s: training on the project's seed data", directory)
                _cache[key] = _seed_locked()
        return _cache[key]


def _seed_locked() -> AppealClassifier:
    if "<seed>" not in _cache:
        cache_dir = SEED_CACHE_DIR / seed_fingerprint()
        models = None
        if (cache_dir / MODEL_FILE).is_file():
            try:
                models = load_models(cache_dir)
            except Exception:  # noqa: BLE001 - a damaged cache is rebuilt
                logger.warning("appeal seed cache %s unreadable; retraining", cache_dir)
        if models is None:
            models = train_models()
            try:
                save_models(models, cache_dir)
            except OSError as exc:  # read-only checkout: keep the in-memory model
                logger.warning("cannot cache the appeal seed model in %s: %s", cache_dir, exc)
        _cache["<seed>"] = AppealClassifier(models, source="seed")
    return _cache["<seed>"]


def seed_classifier() -> AppealClassifier:
    """The classifier trained only on the project's own data (ignores any retrained model)."""
    with _lock:
        return _seed_locked()
