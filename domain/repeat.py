"""When two appeal descriptions are the same appeal (repeat / 催办 detection).

The Dice coefficient of character bigrams (Chinese needs no segmentation): the dispatch backend links a new
request to an open one at least :data:`REPEAT_THRESHOLD` alike (docs/dispatch.md, *Repeats*), and the agent
console ranks similar open orders by the same measure. Whitespace and punctuation are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
#: Two descriptions at least this similar are the same appeal.
REPEAT_THRESHOLD = 0.5


def bigrams(text: str) -> set[str]:
    """The set of character bigrams of ``text`` without whitespace and punctuation."""
    cleaned = _NOISE.sub("", (text or "").lower())
    if len(cleaned) < 2:
        return {cleaned} if cleaned else set()
    return {cleaned[i:i + 2] for i in range(len(cleaned) - 1)}


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams, 0..1."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def best_similarity(text: str, others: Iterable[str]) -> float:
    """The highest similarity of ``text`` to any of ``others`` (0 when there are none)."""
    return max((similarity(text, other) for other in others if other), default=0.0)


def is_repeat(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` describe the same appeal."""
    return similarity(a, b) >= REPEAT_THRESHOLD
