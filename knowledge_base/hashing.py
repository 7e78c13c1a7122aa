"""A stable fingerprint of the knowledge base, used to tell whether a saved index is stale."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from knowledge_base.schema import KBEntry


def canonical_json(entries: Iterable[KBEntry]) -> str:
    """The entries as canonical JSON: sorted by id, sorted keys, no whitespace, dates in ISO form."""
    records = [entry.model_dump(mode="json") for entry in sorted(entries, key=lambda e: e.id)]
    return json.dumps(records, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def kb_hash(entries: Iterable[KBEntry]) -> str:
    """sha256 (hex) of :func:`canonical_json`; independent of file layout and entry order."""
    return hashlib.sha256(canonical_json(entries).encode("utf-8")).hexdigest()
