"""Runs of digits that may be one number written in groups ("138 1234 5678", "110105-19900307-123X").

The strict extractors (:mod:`nlu.extract.phone`, :mod:`nlu.extract.idcard`) only return numbers that are valid
(a real mobile prefix, a correct ID check character). For keeping personal numbers out of free text that is not
enough: a mistyped ID number or a made-up mobile is still someone's number. :func:`number_runs` finds every run of
digit groups joined by single spaces or hyphens (optionally after a +86 / 0086 prefix, optionally ending in an ID
check character X), and for each run also the sub-runs of consecutive groups, so that a number written next to a
date ("2026-11-27 13812345678") is still seen. Callers decide by length and first digit what a run is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from nlu.normalize import normalize_with_offsets

_RUN = re.compile(
    r"(?<![0-9A-Za-z+])"
    r"(?P<prefix>(?:\+|00)86[ \-]?)?"
    r"(?P<body>[0-9]+(?:[ \-][0-9]+)*[Xx]?)"
    r"(?![0-9A-Za-z])"
)
_GROUP = re.compile(r"[0-9]+[Xx]?")
_MAX_GROUPS = 8  # more groups than this is a table of numbers, not one number


@dataclass(frozen=True)
class NumberRun:
    """Digit groups read as one number; ``start``/``end`` index the ORIGINAL text, ``digits`` has no separators."""

    digits: str
    start: int
    end: int
    country_prefix: bool


def _candidates(count: int) -> Iterator[tuple[int, int]]:
    """(first, last) indexes of runs of consecutive groups out of ``count``, longest first."""
    for size in range(count, 0, -1):
        for first in range(0, count - size + 1):
            yield first, first + size - 1


def number_runs(text: str, accept: Callable[[str, bool], bool]) -> list[NumberRun]:
    """Non-overlapping runs of digit groups in ``text`` whose joined digits ``accept(digits, has_prefix)`` takes.

    The whole run is tried first; when it is not accepted, shorter runs of consecutive groups are (longest first),
    so one number inside a longer sequence of groups is still found. Spans point into the original ``text``.
    """
    normalized = normalize_with_offsets(text)
    body_text = normalized.text
    found: list[NumberRun] = []
    for match in _RUN.finditer(body_text):
        groups = [(g.start() + match.start("body"), g.end() + match.start("body"), g.group())
                  for g in _GROUP.finditer(match.group("body"))]
        if len(groups) > _MAX_GROUPS:
            continue
        taken: list[tuple[int, int]] = []
        for first, last in _candidates(len(groups)):
            if any(not (last < a or first > b) for a, b in taken):
                continue
            parts = [g[2] for g in groups[first:last + 1]]
            if any(p[-1] in "Xx" for p in parts[:-1]):
                continue  # an X can only end the number
            digits = "".join(parts).upper()
            prefixed = first == 0 and match.group("prefix") is not None
            if not accept(digits, prefixed):
                continue
            taken.append((first, last))
            start = match.start() if prefixed else groups[first][0]
            original_start, original_end = normalized.original_span(start, groups[last][1])
            found.append(NumberRun(digits, original_start, original_end, prefixed))
    return sorted(found, key=lambda run: run.start)
