"""Text surgery on the description: where an old value stands in it, and the text with it replaced or cut out."""
from __future__ import annotations

import re
from typing import Any

from bot.actions.intake import understand

_CLAUSE_END = re.compile(r"[，,。；;！!？?\n]")
MIN_STALE_CHARS = 2  # an old value shorter than this is only replaced where it was seen, never searched for


def occurrences(text: str, part: str) -> list[list[Any]]:
    """``[[start, part], …]`` for every place ``part`` stands in ``text`` (none for a very short part)."""
    if len(part) < MIN_STALE_CHARS:
        return []
    return [[m.start(), part] for m in re.finditer(re.escape(part), text)]


def rewrite(text: str, stale: list[list[Any]], new: str) -> str:
    """``text`` with the first old mention replaced by ``new`` and the others removed (all removed without ``new``).

    A mention is looked for where it was seen; if the text changed since, it is searched (unless very short)."""
    spans: list[tuple[int, int]] = []
    for start, old in stale:
        old = str(old)
        if not (isinstance(start, int) and text[start:start + len(old)] == old):
            start = text.find(old) if len(old) >= MIN_STALE_CHARS else -1
        end = start + len(old)
        if start >= 0 and not any(start < e and s < end for s, e in spans):
            spans.append((start, end))
    spans.sort()
    for index in range(len(spans) - 1, -1, -1):
        start, end = spans[index]
        text = text[:start] + new + text[end:] if index == 0 and new else _cut(text, start, end)
    return text


def _cut(text: str, start: int, end: int) -> str:
    """``text`` without ``text[start:end]``; a clause left with only a label ("电话", "我姓") goes too."""
    head, tail = text[:start], text[end:]
    left = max((m.end() for m in _CLAUSE_END.finditer(head)), default=0)
    after = _CLAUSE_END.search(tail)
    right = after.start() if after else len(tail)
    if len(understand.compact(head[left:] + tail[:right])) > 3:
        return head + tail
    if after is not None:
        return head[:left] + tail[after.end():]
    return head[:left].rstrip("，,。；;！!？? \n") + tail[right:]
