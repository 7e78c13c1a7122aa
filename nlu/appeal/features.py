"""Text features for the appeal classifiers: character n-grams plus cue words.

Cue words are the words citizens use to frame a message ("请问", "投诉", "麻烦帮忙", "建议"); where they stand
matters (an opening "请问" is a question, a closing "建议…" a suggestion), so each cue group gives a count and
two position flags. Everything is deterministic and cheap (well under a millisecond a message).
"""

from __future__ import annotations

import re
from typing import ClassVar

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

_MASK = re.compile(r"[*＊×]{1,}|[Xx]{2,}")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")

CUES: dict[str, tuple[str, ...]] = {
    "question": ("请问", "问一下", "问下", "咨询", "想了解", "想知道", "打听", "请教", "是否", "能否告知", "告知",
                 "吗", "？", "?", "怎么办理", "如何办理", "需要什么", "哪些材料", "在哪里", "多久", "什么时候",
                 "怎么", "如何", "可不可以", "能不能", "有没有", "是不是", "多少"),
    "complaint": ("投诉", "举报", "反映", "曝光", "查处", "严惩", "违规", "违法", "不作为", "推诿", "敷衍",
                  "态度恶劣", "太过分", "没人管", "无人管", "要求", "强烈", "整改", "处理", "扰民", "严重影响",
                  "拖欠", "不给", "不退", "跑路", "欺骗", "乱收费"),
    "help": ("求助", "帮忙", "帮帮", "帮我", "帮助", "麻烦", "救", "急", "尽快", "派人", "协调", "解决",
             "盼", "没办法", "怎么办", "希望能帮"),
    "suggest": ("建议", "意见", "希望", "呼吁", "提议", "倡议", "应该", "应当", "能否", "可否", "加强", "完善",
                "增设", "增加", "改进", "优化", "规范", "考虑", "采纳", "建立", "推广", "出台", "更好", "合理"),
    "politeness": ("谢谢", "感谢", "辛苦", "领导"),
}


def has_framing_cue(text: str) -> bool:
    """Whether ``text`` has any word that frames it as a question, complaint, help request or suggestion."""
    return any(w in text for group in ("question", "complaint", "help", "suggest") for w in CUES[group])


def normalize_for_features(text: str) -> str:
    """Lower-case, digits → ``0``, masked names (``***``, ``XX``) → ``某``, whitespace collapsed."""
    text = _MASK.sub("某", text or "")
    text = _DIGITS.sub("0", text.lower())
    return _SPACE.sub(" ", text).strip()


class CueFeatures(BaseEstimator, TransformerMixin):
    """Counts and position flags of each cue group, plus message length (all roughly on a 0–1 scale)."""

    def __init__(self, head: int = 12, tail: int = 24) -> None:
        self.head = head
        self.tail = tail

    def fit(self, texts, y=None):
        return self

    def _row(self, text: str) -> list[float]:
        head, tail = text[: self.head], text[-self.tail :]
        row: list[float] = []
        for words in CUES.values():
            count = sum(text.count(w) for w in words)
            row.append(min(count, 6) / 6.0)
            row.append(float(any(w in head for w in words)))
            row.append(float(any(w in tail for w in words)))
        length = len(text)
        row.extend([min(length, 400) / 400.0, float(length < 30), float(length > 150)])
        row.append(min(text.count("？") + text.count("?"), 4) / 4.0)
        return row

    def transform(self, texts):
        return sparse.csr_matrix(np.asarray([self._row(t) for t in texts], dtype=np.float64))


def clip_for_embedding(text: str, max_chars: int) -> str:
    """At most ``max_chars`` characters of ``text``: its head and its tail, where citizens put what they want.

    Sentence encoders cost time in proportion to length; a long narrative's middle (the details) says little about
    whether it is a question, a complaint or a suggestion.
    """
    if len(text) <= max_chars:
        return text
    half = max_chars // 2
    return text[:half] + "……" + text[-(max_chars - half) :]


class SentenceEmbeddingFeatures(BaseEstimator, TransformerMixin):
    """Sentence embeddings from :func:`knowledge_base.embedders.get_embedder` (weights ship in the package).

    Texts are clipped with :func:`clip_for_embedding`. Vectors are memoised per text (bounded), so the two appeal
    models and repeated training folds embed each message once; :func:`warm_embeddings` fills the memo from the
    disk cache of the seed data. Returns a dense float64 array.
    """

    _memo: ClassVar[dict[tuple[str, str], np.ndarray]] = {}
    _MEMO_MAX = 50000

    def __init__(self, spec: str = "e5", max_chars: int = 128) -> None:
        self.spec = spec
        self.max_chars = max_chars

    def fit(self, texts, y=None):
        return self

    @classmethod
    def remember(cls, spec: str, clipped: list[str], vectors: np.ndarray) -> None:
        """Add vectors of already clipped texts to the memo."""
        if len(cls._memo) + len(clipped) > cls._MEMO_MAX:
            cls._memo.clear()
        for t, v in zip(clipped, vectors):
            cls._memo[(spec, t)] = np.asarray(v, dtype=np.float32)

    def transform(self, texts):
        from knowledge_base.embedders import get_embedder

        texts = [clip_for_embedding(t, self.max_chars) for t in texts]
        missing = list(dict.fromkeys(t for t in texts if (self.spec, t) not in self._memo))
        if len(missing) == 1 and len(texts) == 1:  # the per-message path: nothing worth remembering
            return get_embedder(self.spec).embed_queries(missing).astype(np.float64)
        if missing:
            self.remember(self.spec, missing, get_embedder(self.spec).embed_queries(missing))
        rows = [self._memo.get((self.spec, t)) for t in texts]
        if any(r is None for r in rows):  # memo cleared mid-call by a very large batch
            return get_embedder(self.spec).embed_queries(texts).astype(np.float64)
        return np.vstack(rows).astype(np.float64)


def warm_embeddings(spec: str, texts: list[str], max_chars: int) -> None:
    """Put the vectors of ``texts`` (the project's seed data) into the memo, from the disk cache where possible."""
    from knowledge_base.embedders import get_embedder
    from nlu.appeal.embed_cache import cached_embed

    embedder = get_embedder(spec)
    clipped = list(dict.fromkeys(clip_for_embedding(t, max_chars) for t in texts))
    vectors = cached_embed(clipped, embedder.embed_queries, embedder.id)
    SentenceEmbeddingFeatures.remember(spec, clipped, vectors)


def embedder_available(spec: str) -> bool:
    """Whether the sentence embedder ``spec`` can be loaded here."""
    try:
        from knowledge_base.embedders import get_embedder

        get_embedder(spec)
        return True
    except Exception:  # noqa: BLE001 - missing package or engine: fall back to n-grams only
        return False


def appeal_features(cue_weight: float = 1.0, embedder: str | None = None, embed_weight: float = 1.0) -> FeatureUnion:
    """Character 1–3-gram TF-IDF joined with :class:`CueFeatures` (and sentence embeddings when ``embedder``).

    The appeal model keeps embeddings in a model of their own (see :mod:`nlu.appeal.model`); ``embedder`` remains
    for experiments that concatenate them instead."""
    parts = [
        ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, max_features=60000)),
        ("cues", CueFeatures()),
    ]
    weights = {"chars": 1.0, "cues": cue_weight}
    if embedder:
        parts.append(("embed", SentenceEmbeddingFeatures(embedder)))
        weights["embed"] = embed_weight
    return FeatureUnion(parts, transformer_weights=weights)


def category_features() -> TfidfVectorizer:
    """Character 1–3-gram TF-IDF for routing (topic words matter, framing does not)."""
    return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1, max_features=80000)
