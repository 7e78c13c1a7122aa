"""Text normalisation for Chinese hotline messages, with an offset map back to the original.

Every step either maps one character to exactly one character or drops a character, so each
character of the normalised text comes from exactly one character of the original message.
``Normalized.offsets[i]`` is the index in the original text of normalised character ``i``;
``Normalized.original_span`` turns a span of the normalised text into a span of the original.

Steps, in order:

1. full-width → half-width (ASCII digits, letters and punctuation U+FF01–U+FF5E; the
   ideographic space U+3000 becomes a normal space);
2. traditional → simplified Chinese, one character at a time with ``zhconv`` (if it is not
   installed, this step is skipped);
3. emoji (and the joiners / variation selectors / keycap marks that go with them) removed;
4. Chinese digit characters (零〇一二三四五六七八九, 幺 = 1, 两 = 2) turned into ASCII digits
   inside phone-number-like runs only: a run (digits optionally separated by one space or
   hyphen) with at least 7 Chinese digit characters, or with both Chinese and ASCII digits and
   at least 7 digits in total, after dropping a leading / trailing streak of fewer than 3
   Chinese digits ("13812345678两次" keeps "两次"). Words such as "一下" or "三三两两" are left
   alone;
5. spaces between two ASCII digit groups removed ("138 1234 5678" → "13812345678") unless one
   of the groups already has 11 or more digits or the two together have more than 18, so two
   separate phone numbers written "13812345678 13987654321" stay apart.

Deterministic and offline.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)

try:  # pragma: no cover - exercised implicitly when the package is installed
    import zhconv as _zhconv
except ImportError:  # pragma: no cover - depends on the environment
    _zhconv = None
    logger.warning("zhconv is not installed; traditional Chinese will not be simplified")

CHINESE_DIGITS: dict[str, str] = {
    "零": "0",
    "〇": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
MIN_CHINESE_DIGIT_RUN = 7
MIN_MIXED_DIGIT_RUN = 7
_LONG_GROUP = 11
_MAX_JOINED_GROUP = 18

_DIGITISH = "0-9" + "".join(CHINESE_DIGITS)
_DIGIT_RUN_RE = re.compile(f"[{_DIGITISH}](?:[ \\-]?[{_DIGITISH}])*")
_SPACED_DIGITS_RE = re.compile(r"[0-9]+(?: +[0-9]+)+")

# Emoji blocks plus the invisible characters that build emoji sequences.
_EMOJI_RANGES: tuple[tuple[int, int], ...] = (
    (0x1F000, 0x1FAFF),  # mahjong .. symbols and pictographs extended-A (incl. skin tones)
    (0x2600, 0x27BF),  # miscellaneous symbols, dingbats
    (0x2B00, 0x2BFF),  # arrows / stars such as ⭐
    (0x1F1E6, 0x1F1FF),  # regional indicators (flags)
    (0xE0020, 0xE007F),  # tag characters
    (0xFE00, 0xFE0F),  # variation selectors
    (0x200D, 0x200D),  # zero-width joiner
    (0x20E3, 0x20E3),  # combining enclosing keycap
)


def is_emoji(char: str) -> bool:
    """True when ``char`` is an emoji or an emoji-sequence helper character."""
    code = ord(char)
    return any(low <= code <= high for low, high in _EMOJI_RANGES)


def to_half_width(char: str) -> str:
    """Map a full-width ASCII variant (or the ideographic space) to its half-width form."""
    code = ord(char)
    if code == 0x3000:
        return " "
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    return char


@functools.lru_cache(maxsize=8192)
def to_simplified(char: str) -> str:
    """Simplify one traditional Chinese character; keeps ``char`` when there is no 1:1 mapping."""
    if _zhconv is None or char.isascii():
        return char
    converted = _zhconv.convert(char, "zh-hans")
    return converted if len(converted) == 1 else char


@dataclass(frozen=True)
class Normalized:
    """A normalised message with the map back to the original.

    ``offsets[i]`` is the index in ``original`` of the character ``text[i]``.
    """

    original: str
    text: str
    offsets: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the span ``text[start:end]`` to ``(start, end)`` offsets in ``original``."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) outside normalised text of length {len(self.text)}")
        if start == end:
            position = self.offsets[start] if start < len(self.offsets) else len(self.original)
            return position, position
        return self.offsets[start], self.offsets[end - 1] + 1

    def original_text(self, start: int, end: int) -> str:
        """The part of the original message that ``text[start:end]`` came from."""
        original_start, original_end = self.original_span(start, end)
        return self.original[original_start:original_end]


def _trim_short_chinese_ends(indexes: list[int], chars: list[str]) -> list[int]:
    """Drop a leading / trailing streak of fewer than 3 Chinese digits from a mixed run."""
    for reverse in (False, True):
        ordered = indexes[::-1] if reverse else indexes
        streak = 0
        while streak < len(ordered) and chars[ordered[streak]] in CHINESE_DIGITS:
            streak += 1
        if 0 < streak < 3:
            ordered = ordered[streak:]
        indexes = ordered[::-1] if reverse else ordered
    return indexes


def _convert_chinese_digit_runs(chars: list[str]) -> None:
    """Step 4, in place: Chinese digits → ASCII digits inside phone-number-like runs.

    In a mixed run a leading or trailing streak of fewer than 3 Chinese digits is not part of
    the number, so "13812345678两次" and "打了13812345678一次" keep their words.
    """
    joined = "".join(chars)
    for match in _DIGIT_RUN_RE.finditer(joined):
        indexes = [i for i in range(match.start(), match.end()) if chars[i] not in " -"]
        chinese = sum(1 for i in indexes if chars[i] in CHINESE_DIGITS)
        if chinese < MIN_CHINESE_DIGIT_RUN:
            indexes = _trim_short_chinese_ends(indexes, chars)
            chinese = sum(1 for i in indexes if chars[i] in CHINESE_DIGITS)
            if chinese == 0 or chinese == len(indexes) or len(indexes) < MIN_MIXED_DIGIT_RUN:
                continue
        for index in indexes:
            chars[index] = CHINESE_DIGITS.get(chars[index], chars[index])


def _spaces_to_drop(text: str) -> set[int]:
    """Step 5: indexes of spaces between digit groups that belong to one number."""
    drop: set[int] = set()
    for match in _SPACED_DIGITS_RE.finditer(text):
        position = match.start()
        groups = re.finditer(r"[0-9]+| +", match.group())
        pieces = [(m.start() + position, m.group()) for m in groups]
        for index in range(1, len(pieces) - 1, 2):
            left, right = pieces[index - 1][1], pieces[index + 1][1]
            if len(left) >= _LONG_GROUP or len(right) >= _LONG_GROUP:
                continue
            if len(left) + len(right) > _MAX_JOINED_GROUP:
                continue
            space_start, spaces = pieces[index]
            drop.update(range(space_start, space_start + len(spaces)))
    return drop


def normalize_with_offsets(text: str) -> Normalized:
    """Normalise ``text`` and keep the offset map back to it (see the module docstring)."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        if is_emoji(char):
            continue
        chars.append(to_simplified(to_half_width(char)))
        offsets.append(index)

    _convert_chinese_digit_runs(chars)

    drop = _spaces_to_drop("".join(chars))
    kept = [i for i in range(len(chars)) if i not in drop]
    return Normalized(
        original=text,
        text="".join(chars[i] for i in kept),
        offsets=tuple(offsets[i] for i in kept),
    )


def normalize(text: str) -> str:
    """Normalise ``text`` (see the module docstring) and return only the normalised string."""
    return normalize_with_offsets(text).text
