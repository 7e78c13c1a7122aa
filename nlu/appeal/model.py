"""The two learned models: appeal type (hierarchical logistic regression) and category (routing leaf).

Appeal type is learned in two steps so that data which does not tell complaints from help requests (the merged
``投诉举报|求助`` label of many work-order exports) can still be used: a 3-class model (咨询 / 投诉举报|求助 /
意见建议) trained on every row, and a 2-class model (求助 vs 投诉举报) trained on the rows that do tell them apart.
The four scores are ``P(咨询)``, ``P(意见建议)``, ``P(合并)·P(求助|合并)`` and ``P(合并)·P(投诉举报|合并)``.

Each step averages two logistic regressions: one over character n-grams + cue words (what the words look like) and
one over multilingual-e5-small sentence embeddings (what the message means), weighted :data:`NGRAM_WEIGHT` :
``1 - NGRAM_WEIGHT``. The embeddings generalise much better from the project's template seed data to real citizen
text; the n-grams adapt faster to a city's own wording.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from configuration import load_config
from nlu.appeal.features import (
    SentenceEmbeddingFeatures,
    appeal_features,
    category_features,
    embedder_available,
    normalize_for_features,
)
from nlu.appeal.types import (
    COMPLAINT,
    CONSULT,
    EVAL_CLASSES,
    HELP,
    MERGED,
    SUGGEST,
    to_eval_class,
)

logger = logging.getLogger(__name__)

TOP_C = 4.0
SUB_C = 4.0


def appeal_embedder() -> str | None:
    """Sentence embedder of the second appeal model (a :func:`knowledge_base.embedders.get_embedder` spec; ``e5`` by
    default, ``appeal.embedder: none`` / ``REXIAN_APPEAL_EMBEDDER=none`` before training for n-grams only). On the
    development data (3-class macro-F1) it moved out-of-the-box from 0.731 to about 0.75 and adapted from 0.794 to
    about 0.81."""
    return load_config().appeal.effective_embedder


EMBED_C = 1.0
EMBED_MAX_CHARS = 128
"""Characters of a message given to the embedder (head and tail); e5 time grows with length."""
NGRAM_WEIGHT = 0.35
"""Weight of the n-gram model in the average (the embedding model gets the rest)."""
CATEGORY_C = 0.5
CATEGORY_TEMPERATURE = 0.3
"""Softmax temperature that turns the linear SVM's margins into leaf scores."""


@dataclass
class Example:
    """One training row (labels already normalised)."""

    text: str
    appeal_type: str | None = None  # one of the four labels or MERGED
    category: str | None = None  # "一级/二级/三级"
    department: str | None = None  # department code
    weight: float = 1.0


def _pipeline(features, c: float) -> Pipeline:
    return Pipeline([("features", features), ("lr", LogisticRegression(C=c, max_iter=2000, class_weight="balanced"))])


def _embed_pipeline(embedder: str, c: float) -> Pipeline:
    return Pipeline([("embed", SentenceEmbeddingFeatures(embedder, EMBED_MAX_CHARS)),
                     ("lr", LogisticRegression(C=c, max_iter=3000, class_weight="balanced"))])


def _mixed_proba(ngram: Pipeline, embed: Pipeline | None, texts: list[str], vectors: np.ndarray | None,
                 weight: float) -> np.ndarray:
    """``weight · P_ngram + (1 - weight) · P_embed`` (columns in ``ngram.classes_`` order).

    ``vectors`` are the texts' embeddings, computed once for both steps (embedding is the slow part)."""
    proba = ngram.predict_proba(texts)
    if embed is None or vectors is None:
        return proba
    other = embed.named_steps["lr"].predict_proba(vectors)
    order = [list(embed.classes_).index(c) for c in ngram.classes_]
    return weight * proba + (1.0 - weight) * other[:, order]


def _svm_pipeline(c: float) -> Pipeline:
    """Linear SVM over character n-grams: trains in about a second for a few dozen leaves."""
    return Pipeline([("features", category_features()), ("lr", LinearSVC(C=c))])


def _softmax_scores(model: Pipeline, text: str) -> dict[str, float]:
    margins = np.atleast_2d(model.decision_function([text]))[0]
    if len(model.classes_) == 2:  # binary SVMs give one margin
        margins = np.asarray([-margins[0], margins[0]])
    z = np.exp((margins - margins.max()) / CATEGORY_TEMPERATURE)
    z /= z.sum()
    return {str(label): float(v) for label, v in zip(model.classes_, z)}


@dataclass
class AppealTypeModel:
    """3-class model + complaint/help split; ``predict_scores`` gives the four probabilities.

    ``top`` / ``sub`` are the n-gram models, ``embed_top`` / ``embed_sub`` the sentence-embedding models (``None``
    when trained without an embedder, or in models saved before they existed).
    """

    top: Pipeline
    sub: Pipeline | None
    embed_top: Pipeline | None = None
    embed_sub: Pipeline | None = None
    ngram_weight: float = NGRAM_WEIGHT

    @classmethod
    def train(cls, examples: Sequence[Example], top_c: float = TOP_C, sub_c: float = SUB_C, *,
              embedder: str | None) -> AppealTypeModel:
        rows = [e for e in examples if e.appeal_type]
        texts = [normalize_for_features(e.text) for e in rows]
        weights = np.asarray([e.weight for e in rows])
        if embedder and not embedder_available(embedder):
            logger.warning("sentence embedder %s unavailable: appeal model uses character n-grams only", embedder)
            embedder = None
        labels = [to_eval_class(e.appeal_type) for e in rows]
        top = _pipeline(appeal_features(), top_c)
        top.fit(texts, labels, lr__sample_weight=weights)
        embed_top = None
        if embedder:
            embed_top = _embed_pipeline(embedder, EMBED_C)
            embed_top.fit(texts, labels, lr__sample_weight=weights)
        split = [(t, e) for t, e in zip(texts, rows) if e.appeal_type in (HELP, COMPLAINT)]
        sub = embed_sub = None
        if len({e.appeal_type for _, e in split}) == 2:
            split_texts = [t for t, _ in split]
            split_labels = [e.appeal_type for _, e in split]
            split_weights = np.asarray([e.weight for _, e in split])
            sub = _pipeline(appeal_features(), sub_c)
            sub.fit(split_texts, split_labels, lr__sample_weight=split_weights)
            if embedder:
                embed_sub = _embed_pipeline(embedder, EMBED_C)
                embed_sub.fit(split_texts, split_labels, lr__sample_weight=split_weights)
        return cls(top, sub, embed_top, embed_sub, NGRAM_WEIGHT)

    def predict_scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        norm = [normalize_for_features(t) for t in texts]
        vectors = self.embed_top.named_steps["embed"].transform(norm) if self.embed_top is not None else None
        top = _mixed_proba(self.top, self.embed_top, norm, vectors, self.ngram_weight)
        top_index = {label: i for i, label in enumerate(self.top.classes_)}
        if self.sub is not None:
            sub = _mixed_proba(self.sub, self.embed_sub, norm, vectors, self.ngram_weight)
            help_col = list(self.sub.classes_).index(HELP)
            p_help = sub[:, help_col]
        else:
            p_help = np.full(len(norm), 0.5)
        out = []
        for i in range(len(norm)):
            merged = top[i, top_index[MERGED]] if MERGED in top_index else 0.0
            out.append(
                {
                    CONSULT: float(top[i, top_index[CONSULT]]) if CONSULT in top_index else 0.0,
                    HELP: float(merged * p_help[i]),
                    COMPLAINT: float(merged * (1.0 - p_help[i])),
                    SUGGEST: float(top[i, top_index[SUGGEST]]) if SUGGEST in top_index else 0.0,
                }
            )
        return out

    def predict_eval_classes(self, texts: Sequence[str]) -> list[str]:
        """The 3-class label (咨询 / 投诉举报|求助 / 意见建议) of each text."""
        labels = []
        for scores in self.predict_scores(texts):
            merged = {CONSULT: scores[CONSULT], MERGED: scores[HELP] + scores[COMPLAINT], SUGGEST: scores[SUGGEST]}
            labels.append(max(EVAL_CLASSES, key=lambda c: merged[c]))
        return labels


@dataclass
class CategoryModel:
    """Leaf classifier over the routing tree, with an optional department classifier blended in."""

    leaf: Pipeline | None
    department: Pipeline | None = None
    leaf_department: dict[str, str] = field(default_factory=dict)

    @classmethod
    def train(cls, examples: Sequence[Example], leaf_department: dict[str, str]) -> CategoryModel:
        rows = [e for e in examples if e.category]
        leaf = None
        if len({e.category for e in rows}) >= 2:
            leaf = _svm_pipeline(CATEGORY_C)
            leaf.fit([normalize_for_features(e.text) for e in rows], [e.category for e in rows],
                     lr__sample_weight=np.asarray([e.weight for e in rows]))
        department = None
        if any(e.department and not e.category for e in examples):  # department-only history: learn departments too
            dept_rows = [(e, e.department or leaf_department.get(e.category or "")) for e in examples]
            dept_rows = [(e, d) for e, d in dept_rows if d]
            if len({d for _, d in dept_rows}) >= 2:
                department = _svm_pipeline(CATEGORY_C)
                department.fit([normalize_for_features(e.text) for e, _ in dept_rows], [d for _, d in dept_rows],
                               lr__sample_weight=np.asarray([e.weight for e, _ in dept_rows]))
        return cls(leaf, department, dict(leaf_department))

    def leaf_scores(self, text: str) -> dict[str, float]:
        """Probability of each known leaf (empty when no leaf model)."""
        if self.leaf is None:
            return {}
        norm = normalize_for_features(text)
        scores = _softmax_scores(self.leaf, norm)
        if self.department is not None:
            dept = _softmax_scores(self.department, norm)
            scores = {leaf: 0.5 * p + 0.5 * float(dept.get(self.leaf_department.get(leaf, ""), 0.0)) for leaf, p in scores.items()}
        return scores
