"""Phone and ID numbers inside free text, found once for everyone who masks them (the bot's summaries and work
orders, the agent console's screens).

Two kinds:

* **contact numbers** — valid mobiles and landlines (:func:`extract_phones`) and valid ID numbers
  (:func:`extract_id_numbers`): a citizen's own details;
* **number-shaped runs** — anything shaped like an ID or phone number whatever its checksum or prefix (a mistyped
  ID, "110 1234 5678", an 18-character number with a wrong check character): never shown in full.

ID numbers are found first (a phone-like run inside an ID number is part of the ID). Order numbers (16 digits),
dates and amounts are neither.
"""
from __future__ import annotations

from .idcard import extract_id_like, extract_id_numbers, mask_id
from .phone import extract_phone_like, extract_phones, mask_phone
from .types import Extraction

ID_LABEL = "id_number"
ID_LIKE_LABEL = "id_like"
LOOSE_LABELS = ("id_like", "phone_like")


def overlaps(found: Extraction, others: list[Extraction]) -> bool:
    """Whether ``found`` overlaps any of ``others``."""
    return any(found.start < o.end and o.start < found.end for o in others)


def contact_mentions(text: str) -> list[Extraction]:
    """Valid ID numbers and phone numbers in ``text``, not overlapping, last first (so replacing keeps offsets)."""
    ids = [Extraction(ID_LABEL, e.value, e.start, e.end, e.confidence, e.text) for e in extract_id_numbers(text)]
    phones = [p for p in extract_phones(text) if not overlaps(p, ids)]
    return sorted(ids + phones, key=lambda e: e.start, reverse=True)


def number_mentions(text: str) -> list[Extraction]:
    """Contact numbers and every other ID- or phone-shaped number, not overlapping, last first."""
    found = contact_mentions(text)
    for loose in (extract_id_like(text), extract_phone_like(text)):
        found.extend(e for e in loose if not overlaps(e, found))
    return sorted(found, key=lambda e: e.start, reverse=True)


def masked(found: Extraction) -> str:
    """The masked form of one mention (110***********002X, 138****5678)."""
    return mask_id(found.value) if found.label in (ID_LABEL, ID_LIKE_LABEL) else mask_phone(found.value)


def mask_numbers(text: str) -> str:
    """``text`` with every ID- and phone-shaped number masked."""
    for found in number_mentions(text):
        text = text[: found.start] + masked(found) + text[found.end:]
    return text
