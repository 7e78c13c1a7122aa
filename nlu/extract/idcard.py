"""PRC resident identity card numbers (居民身份证号码).

* 18-digit numbers (GB 11643-1999): 6-digit area code (first digit 1–9), birth date
  ``YYYYMMDD`` that must be a real calendar date with year 1900–2099, 3-digit sequence and an
  ISO 7064 MOD 11-2 check character (``0``–``9`` or ``X``; a lower-case ``x`` is accepted and
  the value is upper-cased). A number whose check character is wrong is NOT returned.
  Confidence 0.99 (0.95 when normalisation changed the matched text, e.g. full-width digits).
* 15-digit old numbers: area code + ``YYMMDD`` (read as 19YY, must be a real date) + 3 digits,
  no check character. Returned with confidence 0.6 and label ``"id_number_15"``.

Numbers are never matched inside longer runs of digits or letters.
"""

from __future__ import annotations

import datetime
import re

from nlu.extract.types import Extraction
from nlu.normalize import normalize_with_offsets

ID_NUMBER = "id_number"
ID_NUMBER_15 = "id_number_15"

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(?:[1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14})(?![0-9A-Za-z])")

_CONFIDENCE = 0.99
_CONFIDENCE_CHANGED = 0.95
_CONFIDENCE_15 = 0.6


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("expected 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def _is_real_date(year: int, month: int, day: int) -> bool:
    if not 1900 <= year <= 2099:
        return False
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def is_valid_id_number(value: str) -> bool:
    """True for a well-formed 18-digit ID number: real birth date and a correct check character."""
    if len(value) != 18 or not value[:17].isdigit() or value[0] == "0":
        return False
    birth = value[6:14]
    if not _is_real_date(int(birth[:4]), int(birth[4:6]), int(birth[6:])):
        return False
    return check_character(value[:17]) == value[17].upper()


def is_valid_old_id_number(value: str) -> bool:
    """True for a 15-digit old ID number with a real birth date (19YYMMDD)."""
    if len(value) != 15 or not value.isdigit() or value[0] == "0":
        return False
    birth = value[6:12]
    return _is_real_date(1900 + int(birth[:2]), int(birth[2:4]), int(birth[4:]))


def extract_id_numbers(text: str) -> list[Extraction]:
    """Find valid ID numbers in ``text``; spans point into ``text``, sorted by start."""
    normalized = normalize_with_offsets(text)
    found: list[Extraction] = []
    for match in _ID_RE.finditer(normalized.text):
        candidate = match.group()
        start, end = normalized.original_span(*match.span())
        original = text[start:end]
        if len(candidate) == 18:
            if not is_valid_id_number(candidate):
                continue
            confidence = _CONFIDENCE if original == candidate else _CONFIDENCE_CHANGED
            found.append(Extraction(ID_NUMBER, candidate.upper(), start, end, confidence, original))
        elif is_valid_old_id_number(candidate):
            found.append(Extraction(ID_NUMBER_15, candidate, start, end, _CONFIDENCE_15, original))
    return found


def mask_id(value: str) -> str:
    """Keep the first 3 and last 4 characters, one ``*`` for each character in between.

    ``"110105199003071234"`` → ``"110***********1234"`` (3 + 11 stars + 4 = 18 characters);
    a 15-digit number gets 8 stars. Values of 7 characters or fewer are fully masked.
    """
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


ID_LIKE = "id_like"
_ID_LIKE_LENGTHS = (15, 17, 18)


def _id_like(digits: str, prefixed: bool) -> bool:
    """15 digits (old number), or 17 / 18 characters (a digit missing, or a wrong check character)."""
    if prefixed or len(digits) not in _ID_LIKE_LENGTHS or "X" in digits[:-1]:
        return False
    return len(digits) == 18 or digits.isdigit()


def extract_id_like(text: str) -> list[Extraction]:
    """Every number shaped like an ID number, valid or not: for keeping them out of free text.

    Unlike :func:`extract_id_numbers` neither the birth date nor the check character is checked, and digit groups
    written with spaces or hyphens ("110105 19900307 123X") count as one number. Label ``"id_like"``, value the
    characters without separators (upper-case X), confidence 0.5. Order numbers (16 digits) are not ID-like.
    """
    from nlu.extract.digits import number_runs

    return [Extraction(ID_LIKE, run.digits, run.start, run.end, 0.5, text[run.start:run.end])
            for run in number_runs(text, _id_like)]
