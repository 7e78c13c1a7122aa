"""Phone and ID numbers inside free text: masked for display, removed where they must not travel.

One place finds them (ID numbers first; a phone-like run inside an ID number is part of the ID), so the summary,
the work-order description and the category text all agree on what a contact number is.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from nlu.extract import Extraction, extract_id_numbers, extract_phones, mask_id, mask_phone
from nlu.extract.person import extract_addressing

BEIJING = dt.timezone(dt.timedelta(hours=8))
_ID_LABEL = "id_number"
_CONTACT_LABEL = re.compile(r"[，,。；;\s]*(我的?|本人)?(联系)?(电话|手机|手机号|号码|联系方式)(号码)?(是|为)?[：:\s]*$")
_CLAUSE_SPLIT = re.compile(r"([，,。；;！!？?\n]+)")
_SELF_INTRO = re.compile(r"^(?:(?:我|本人)(?:的名字|的姓名)?(?:是|叫|姓|免贵姓)|本人)")
_MAX_INTRO_CHARS = 12


def contact_mentions(text: str) -> list[Extraction]:
    """ID numbers and phone numbers in ``text``, not overlapping, last first (so replacing keeps offsets valid)."""
    ids = [Extraction(_ID_LABEL, e.value, e.start, e.end, e.confidence, e.text) for e in extract_id_numbers(text)]
    phones = [p for p in extract_phones(text) if not any(p.start < i.end and i.start < p.end for i in ids)]
    return sorted(ids + phones, key=lambda e: e.start, reverse=True)


def _replace(text: str, replacement: Callable[[str, Extraction], str]) -> str:
    for found in contact_mentions(text):
        text = replacement(text[: found.start], found) + text[found.end:]
    return text


def mask_contacts(text: str) -> str:
    """The text with every ID and phone number masked (110105********002X, 138****5678)."""
    return _replace(text, lambda head, e: head + (mask_id(e.value) if e.label == _ID_LABEL else mask_phone(e.value)))


def remove_contacts(text: str, with_label: bool = True) -> str:
    """The text without ID and phone numbers (and, ``with_label``, without the "电话是" before them)."""
    return _replace(text, lambda head, _e: _CONTACT_LABEL.sub("", head) if with_label else head)


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
