"""Verification of the backend's signed webhooks (HMAC-SHA256 over ``"<timestamp>.<body>"``)."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Rexian-Signature"
TIMESTAMP_HEADER = "X-Rexian-Timestamp"
EVENT_HEADER = "X-Rexian-Event"


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str,
                     max_age_seconds: int = 300, now: float | None = None) -> bool:
    """True when ``signature`` is valid for ``body`` and ``timestamp`` is recent (replay protection).

    An empty ``secret`` never verifies: anyone can compute an HMAC with an empty key.
    """
    if not secret or not isinstance(signature, str) or not signature:
        return False
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    if age > max_age_seconds:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
