"""Text preparation for the index: answer chunking and boilerplate stripping.

Official answers are long (hundreds of characters) and start or end with courtesy formulas that say nothing about
the topic. The dense side embeds an answer as several overlapping windows of whole sentences and scores an entry by
its best window, which keeps one long answer from being reduced to a single blurred vector.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Sentence ends: Chinese and Western full stops, question/exclamation marks, semicolons and line breaks.
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")
_WHITESPACE = re.compile(r"\s+")

# Courtesy formulas that open or close official replies; removed only at the very start / end of an answer.
_LEADING = re.compile(
    r"^(?:(?:尊敬的)?(?:市民|网友|群众|来信人|先生|女士|同志|朋友)?(?:您好|你好)[，,！!。：:]*"
    r"|(?:感谢|非常感谢|谢谢)(?:您|你)?(?:的|对)?[^。！!，,]{0,20}?(?:来信|来电|留言|关注|支持|咨询|反映)[^。！!]{0,10}?[。！!，,]"
    r"|(?:关于|针对)?您(?:所)?(?:反映|咨询|来信|留言)(?:的|所涉及的)?(?:问题|事项|情况)?[，,：:]?(?:现)?(?:答复|回复)如下[：:，,。]?"
    r"|(?:现)?(?:答复|回复)如下[：:，,。]?)"
)
_TRAILING = re.compile(
    r"(?:(?:感谢|谢谢|非常感谢)(?:您|你)?(?:的|对我们)?[^。！!]{0,20}?(?:来信|来电|留言|关注|支持|理解|配合|咨询)[^。！!]{0,12}?[。！!]?"
    r"|(?:如有|若有|如还有)(?:其他|任何)?(?:疑问|问题)[^。！!]{0,40}?[。！!]?"
    r"|祝您?[^。！!]{0,12}?[。！!]?)\s*$"
)


def strip_boilerplate(text: str) -> str:
    """Remove courtesy openers and closers; returns the original text when nothing substantive would remain."""
    cleaned = text.strip()
    for _ in range(3):
        new = _LEADING.sub("", cleaned, count=1).strip()
        new = _TRAILING.sub("", new).strip()
        if new == cleaned:
            break
        cleaned = new
    return cleaned if len(cleaned) >= 8 else text.strip()


def split_sentences(text: str) -> list[str]:
    """Split on sentence-final punctuation and line breaks; whitespace collapsed, empty pieces dropped."""
    parts = (_WHITESPACE.sub(" ", p).strip() for p in _SENTENCE_END.split(text))
    return [p for p in parts if p]


@dataclass(frozen=True)
class ChunkConfig:
    """How answers are cut into dense units.

    ``max_chars``: target window length; ``stride``: sentences advanced between windows (0 = no overlap: the next
    window starts after the previous one; embedding cost grows with overlap);
    ``head_chars``: additionally embed the answer's first ``head_chars`` characters (0 = off);
    ``max_chunks``: cap per answer so one huge answer cannot dominate memory;
    ``whole_chars``: also embed the (stripped) answer as one unit, cut at this many characters — the "whole answer"
    view that complements the windows (0 = off).
    """

    max_chars: int = 160
    stride: int = 0
    head_chars: int = 0
    max_chunks: int = 24
    strip: bool = True
    whole_chars: int = 400


def chunk_answer(answer: str, config: ChunkConfig) -> list[str]:
    """The windows of ``answer`` to embed (always at least one, never empty strings)."""
    text = strip_boilerplate(answer) if config.strip else answer.strip()
    if not text:
        return []
    sentences = split_sentences(text)
    # Very long sentences are cut hard so that every window fits the target size.
    pieces: list[str] = []
    for s in sentences:
        while len(s) > config.max_chars:
            pieces.append(s[: config.max_chars])
            s = s[config.max_chars :]
        if s:
            pieces.append(s)
    if not pieces:
        return [text[: config.max_chars]]
    windows: list[str] = []
    seen: set[str] = set()
    start = 0
    while start < len(pieces):
        end = start
        length = 0
        while end < len(pieces) and (end == start or length + len(pieces[end]) <= config.max_chars):
            length += len(pieces[end])
            end += 1
        window = "".join(pieces[start:end])
        if window not in seen:
            windows.append(window)
            seen.add(window)
        if end >= len(pieces):
            break
        start = end if config.stride <= 0 else start + max(1, min(config.stride, end - start))
    if config.head_chars and len(text) > config.max_chars:
        head = text[: config.head_chars]
        if head not in seen:
            windows.insert(0, head)
    return windows[: config.max_chunks]


def answer_whole(answer: str, config: ChunkConfig) -> str:
    """The whole-answer unit (stripped, cut at ``whole_chars``); empty when off or the answer is empty."""
    if config.whole_chars <= 0:
        return ""
    text = strip_boilerplate(answer) if config.strip else answer.strip()
    return _WHITESPACE.sub(" ", text).strip()[: config.whole_chars]
