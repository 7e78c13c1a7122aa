"""Phone and ID numbers inside free text: masked for display, removed where they must not travel.

One place finds them (ID numbers first; a phone-like run inside an ID number is part of the ID), so the summary,
the work-order description and the category text all agree on what a contact number is. Two kinds:

* **contact numbers** — valid mobiles and landlines (:func:`nlu.extract.extract_phones`) and valid ID numbers
  (:func:`nlu.extract.extract_id_numbers`): the citizen's own details, which travel in the order's contact fields;
* **number-shaped runs** — anything shaped like an ID or phone number whatever its checksum or prefix (a mistyped
  ID, "110 1234 5678", an 18-character number with a wrong check character): never shown in full, always masked.

Order numbers (16 digits), dates and amounts are neither.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from domain import BEIJING
from nlu.extract.number_masking import (
    ID_LABEL,
    LOOSE_LABELS,
    mask_numbers,
    masked,
    number_mentions,
)
from nlu.extract.person import extract_addressing
from nlu.extract.types import Extraction

_CONTACT_LABEL = re.compile(r"[，,。；;\s]*(我的?|本人)?(联系)?(电话|手机|手机号|号码|联系方式)(号码)?(是|为)?[：:\s]*$")
_EXTENSION = re.compile(r"^\s*(转|分机|ext\.?|x)\s*[0-9]{1,6}(?![0-9])", re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(r"([，,。；;！!？?\n]+)")
_SELF_INTRO = re.compile(r"^(?:(?:我|本人)(?:的名字|的姓名)?(?:是|叫|姓|免贵姓)|本人)")
_MAX_INTRO_CHARS = 12


def _replace(text: str, replacement: Callable[[str, Extraction, str], tuple[str, str]]) -> str:
    for found in number_mentions(text):
        head, tail = replacement(text[: found.start], found, text[found.end:])
        text = head + tail
    return text


def mask_contacts(text: str) -> str:
    """The text with every ID- and phone-shaped number masked (110***********002X, 138****5678)."""
    return mask_numbers(text)


def remove_contacts(text: str, with_label: bool = True) -> str:
    """The text for a work order's description: contact numbers removed (and, ``with_label``, the "电话是" before
    them and an extension after them), every other ID- or phone-shaped number masked."""
    def replacement(head: str, found: Extraction, tail: str) -> tuple[str, str]:
        if found.label in LOOSE_LABELS:
            return head + masked(found), tail
        if found.label != ID_LABEL:
            tail = _EXTENSION.sub("", tail)
        return (_CONTACT_LABEL.sub("", head) if with_label else head), tail

    return _replace(text, replacement)


def remove_self_introductions(text: str) -> str:
    """The text without the clauses that only say who the speaker is ("我姓王", "我叫张伟", "本人李女士").

    The name travels in the order's contact fields, which an anonymous order hides from departments; left in the
    free text it would not be hidden. A clause goes only when it starts like an introduction, is short, and ends
    with the name, so "我是王先生的邻居" stays.
    """
    parts = _CLAUSE_SPLIT.split(text)
    kept: list[str] = []
    for i in range(0, len(parts), 2):
        clause, separator = parts[i], parts[i + 1] if i + 1 < len(parts) else ""
        if not _is_self_introduction(clause.strip()):
            kept.append(clause + separator)
    return "".join(kept)


def _is_self_introduction(clause: str) -> bool:
    if not _SELF_INTRO.match(clause) or len(clause) > _MAX_INTRO_CHARS:
        return False
    return any(e.end == len(clause) and e.confidence >= 0.9 for e in extract_addressing(clause))


def beijing_time(value: dt.datetime | None) -> str:
    """"11月30日 19:24" in Beijing time; empty for None."""
    if value is None:
        return ""
    local = value.astimezone(BEIJING)
    return f"{local.month}月{local.day}日 {local:%H:%M}"
