"""Reference numbers the citizen is told: the backend's order id, or a provisional ``LS…`` one while the backend is
unreachable (the real number follows once the order is delivered)."""

from __future__ import annotations

import secrets

from .time import beijing_now

PROVISIONAL_PREFIX = "LS"


def new_provisional_reference() -> str:
    """``LS`` + Beijing date-time + random suffix, e.g. ``LS202611271530-7F3A2C``."""
    return f"{PROVISIONAL_PREFIX}{beijing_now():%Y%m%d%H%M}-{secrets.token_hex(3).upper()}"


def is_provisional(reference: str | None) -> bool:
    """Whether ``reference`` is a provisional number (no order in the backend yet)."""
    return bool(reference) and str(reference).upper().startswith(PROVISIONAL_PREFIX)
