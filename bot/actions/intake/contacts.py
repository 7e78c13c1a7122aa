"""Phone and ID numbers inside free text: masked for display, removed where they must not travel.

One place finds them (ID numbers first; a phone-like run inside an ID number is part of the ID), so the summary,
the work-order description and the category text all agree on what a contact number is.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from nlu.extract import Extraction, extract_id_numbers, extract_phones, mask_id, mask_phone

BEIJING = dt.timezone(dt.timedelta(hours=8))
_ID_LABEL = "id_number"
_CONTACT_LABEL = re.compile(r"[，,。；;\s]*(我的)?(联系)?(电话|手机|手机号|号码|联系方式)(号码)?(是|为)?[：:\s]*$")


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


def beijing_time(value: dt.datetime | None) -> str:
    """"11月30日 19:24" in Beijing time; empty for None."""
    if value is None:
        return ""
    local = value.astimezone(BEIJING)
    return f"{local.month}月{local.day}日 {local:%H:%M}"
