"""Mainland China phone numbers: mobiles and landlines with area code (and extension).

Values:

* mobile (label ``"mobile"``): the 11 digits, e.g. ``"13812345678"`` (+86 / 0086 prefix dropped);
* landline (label ``"landline"``): ``"<area code>-<local number>"``, e.g. ``"0755-88886666"``;
  with an extension the extension follows a comma (the dial-string pause),
  e.g. ``"0755-88886666,8001"``.

Confidence: mobile 0.95 and landline 0.9 for a clean match (``13812345678``, ``075588886666``,
``0755-88886666``, an extension does not count against it); minus 0.05 when other separators,
brackets or a country prefix were used; minus 0.05 when normalisation changed the matched text (full-width
digits, Chinese numerals, spaces removed). Numbers are never matched inside a longer digit
string (e.g. an 18-digit ID number).
"""

from __future__ import annotations

import re

from nlu.extract.types import Extraction
from nlu.normalize import Normalized, normalize_with_offsets

MOBILE = "mobile"
LANDLINE = "landline"

_SEP = r"[ \-]?"  # one optional space or hyphen between digit groups
_MOBILE_RE = re.compile(
    r"(?<![0-9+])"
    rf"(?P<prefix>(?:\+|00)86{_SEP}|\(\+86\){_SEP})?"
    rf"(?P<a>1[3-9][0-9]){_SEP}(?P<b>[0-9]{{4}}){_SEP}(?P<c>[0-9]{{4}})"
    r"(?![0-9])"
)
_LANDLINE_RE = re.compile(
    r"(?<![0-9])"
    r"(?P<open>\()?(?P<area>0(?:10|2[0-9]|[3-9][0-9]{2}))(?(open)\))"
    rf"{_SEP}(?P<local>[1-9][0-9]{{2,3}}{_SEP}[0-9]{{4}})"
    r"(?:\s*(?:转|分机|-|ext\.?|x)\s*(?P<ext>[0-9]{1,6}))?"
    r"(?![0-9])",
    re.IGNORECASE,
)

_MOBILE_CONFIDENCE = 0.95
_LANDLINE_CONFIDENCE = 0.9
_PENALTY = 0.05


def _confidence(
    base: float, matched: str, clean: bool, normalized: Normalized, span: tuple[int, int]
) -> float:
    """``base``, lowered for separators / prefixes and for text changed by normalisation."""
    confidence = base
    if not clean:
        confidence -= _PENALTY
    if normalized.original_text(*span) != matched:
        confidence -= _PENALTY
    return round(confidence, 2)


def _extraction(
    label: str, value: str, confidence: float, normalized: Normalized, span: tuple[int, int]
) -> Extraction:
    """Build an :class:`Extraction` whose span points into the original message."""
    start, end = normalized.original_span(*span)
    return Extraction(label, value, start, end, confidence, normalized.original[start:end])


def extract_phones(text: str) -> list[Extraction]:
    """Find mobile and landline numbers in ``text``; spans point into ``text``, sorted by start."""
    normalized = normalize_with_offsets(text)
    found: list[Extraction] = []
    for match in _MOBILE_RE.finditer(normalized.text):
        value = match.group("a") + match.group("b") + match.group("c")
        clean = match.group() == value
        confidence = _confidence(_MOBILE_CONFIDENCE, match.group(), clean, normalized, match.span())
        found.append(_extraction(MOBILE, value, confidence, normalized, match.span()))
    for match in _LANDLINE_RE.finditer(normalized.text):
        local = re.sub(r"[ \-]", "", match.group("local"))
        if len(local) not in (7, 8):
            continue
        value = f"{match.group('area')}-{local}"
        if match.group("ext"):
            value += f",{match.group('ext')}"
        number_text = normalized.text[match.start() : match.end("local")]
        clean = number_text in (match.group("area") + local, f"{match.group('area')}-{local}")
        confidence = _confidence(_LANDLINE_CONFIDENCE, match.group(), clean, normalized, match.span())
        found.append(_extraction(LANDLINE, value, confidence, normalized, match.span()))
    return sorted(found, key=lambda extraction: extraction.start)


def mask_phone(value: str) -> str:
    """Mask a phone value for display or logs.

    Mobile ``"13812345678"`` → ``"138****5678"``; landline ``"0755-88886666,8001"`` →
    ``"0755-****6666"`` (the extension is dropped); anything else keeps its last 4 characters.
    """
    if len(value) == 11 and value.isdigit():
        return f"{value[:3]}****{value[-4:]}"
    if "-" in value:
        area, local = value.split(",", 1)[0].split("-", 1)
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    return "*" * max(len(value) - 4, 0) + value[-4:]


PHONE_LIKE = "phone_like"


def _phone_like(digits: str, prefixed: bool) -> bool:
    """11 digits starting with 1 (any second digit); 0 + area code + local number (10–12 digits)."""
    if not digits.isdigit():
        return False
    if len(digits) == 11 and digits[0] == "1":
        return True
    return not prefixed and digits[0] == "0" and digits[1:2] != "0" and 10 <= len(digits) <= 12


def _area_code_length(digits: str) -> int:
    return 3 if digits[1] in "12" else 4


def extract_phone_like(text: str) -> list[Extraction]:
    """Every number shaped like a phone number, valid or not: for keeping them out of free text.

    Unlike :func:`extract_phones` the mobile prefix is not checked (any 11 digits starting with 1) and landlines
    are any 0 + area code + local number of 10–12 digits in all. Label ``"phone_like"``, confidence 0.5; the value
    is the 11 digits of a mobile-like number or ``"<area>-<local>"`` for a landline-like one, so
    :func:`mask_phone` masks both.
    """
    from nlu.extract.digits import number_runs

    found = []
    for run in number_runs(text, _phone_like):
        digits = run.digits
        if digits[0] == "0":
            cut = _area_code_length(digits)
            digits = f"{digits[:cut]}-{digits[cut:]}"
        found.append(Extraction(PHONE_LIKE, digits, run.start, run.end, 0.5, text[run.start:run.end]))
    return found
