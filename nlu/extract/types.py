"""Result type shared by the entity extractors."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Extraction:
    """One entity found in a message.

    ``start`` / ``end`` are offsets in the ORIGINAL message (before normalisation) and
    ``text`` is ``original[start:end]``; ``value`` is the normalised value (e.g. 11 digits for a
    mobile number). ``confidence`` is in ``[0, 1]``.
    """

    label: str
    value: str
    start: int
    end: int
    confidence: float
    text: str
