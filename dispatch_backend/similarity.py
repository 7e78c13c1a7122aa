"""Similarity of two complaint descriptions (repeat / 催办 detection)."""

from __future__ import annotations

import re

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
#: Two descriptions at least this similar are the same appeal.
REPEAT_THRESHOLD = 0.5


def _bigrams(text: str) -> set[str]:
    cleaned = _NOISE.sub("", text.lower())
    if len(cleaned) < 2:
        return {cleaned} if cleaned else set()
    return {cleaned[i:i + 2] for i in range(len(cleaned) - 1)}


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams (works for Chinese without segmentation), 0..1."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def is_repeat(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` describe the same appeal."""
    return similarity(a, b) >= REPEAT_THRESHOLD
