"""Phone and ID numbers in what agents see: masked (138****5678, 110***********002X) until an audited reveal.

The console never sends a citizen's full number to a browser except in the answer to an explicit reveal
(``POST /api/conversations/{id}/reveal``). ID numbers are never revealed. The finders are the project's own
(:mod:`nlu.extract`): valid numbers first, then anything merely shaped like one, ID numbers before phones.
"""

from __future__ import annotations

from typing import Any

from nlu.extract import Extraction, extract_id_numbers, extract_phone_like, extract_phones
from nlu.extract.number_masking import mask_numbers as _mask_all
from nlu.extract.number_masking import overlaps

_DIGITS = "0123456789\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19零〇一二三四五六七八九幺两"


def mask_numbers(text: str) -> str:
    """``text`` with every phone- and ID-shaped number masked (the finders of :mod:`nlu.extract.number_masking`,
    which the bot's summaries use too)."""
    if not text or not any(ch in _DIGITS for ch in text):
        return text
    return _mask_all(text)


def phones_in(text: str) -> list[str]:
    """The phone numbers in ``text`` as the citizen gave them (normalised: ``13812345678``, ``0755-88886666``)."""
    ids = [e for e in extract_id_numbers(text)]
    found: list[Extraction] = []
    for finder in (extract_phones, extract_phone_like):
        found.extend(e for e in finder(text) if not overlaps(e, ids) and not overlaps(e, found))
    return [e.value for e in sorted(found, key=lambda e: e.start)]


def mask_tree(value: Any) -> Any:
    """A JSON-like value (an understanding) with every string in it masked."""
    if isinstance(value, str):
        return mask_numbers(value)
    if isinstance(value, dict):
        return {k: mask_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_tree(v) for v in value]
    return value
