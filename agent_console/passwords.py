"""Password hashing with the standard library's scrypt (no extra dependency).

Parameters: N=2**14, r=8, p=5 (16 MiB, about 0.2 s here), one of OWASP's equivalent minimum settings for scrypt
(Password Storage Cheat Sheet). A hash is self-describing: ``scrypt$<log2 N>$<r>$<p>$<salt b64>$<key b64>``, so
stronger parameters later still verify old hashes (:func:`needs_rehash` tells when to store a new one at login).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

MIN_LENGTH = 8
MAX_LENGTH = 256


@dataclass(frozen=True)
class ScryptParams:
    log2_n: int = 14
    r: int = 8
    p: int = 5
    salt_bytes: int = 16
    key_bytes: int = 32

    @property
    def maxmem(self) -> int:
        return 128 * self.r * (2 ** self.log2_n) * 2 + 1024 * 1024


DEFAULT = ScryptParams()


class WeakPassword(ValueError):
    """The password is too short or too long (the message says which, in Chinese)."""


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"密码至少需要 {MIN_LENGTH} 个字符。")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"密码不能超过 {MAX_LENGTH} 个字符。")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, params: ScryptParams) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2 ** params.log2_n, r=params.r, p=params.p,
                          maxmem=params.maxmem, dklen=params.key_bytes)


def hash_password(password: str, params: ScryptParams = DEFAULT) -> str:
    salt = secrets.token_bytes(params.salt_bytes)
    key = _derive(password, salt, params)
    return f"scrypt${params.log2_n}${params.r}${params.p}${_b64(salt)}${_b64(key)}"


def _parse(encoded: str) -> tuple[ScryptParams, bytes, bytes] | None:
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return None
    try:
        salt, key = base64.b64decode(parts[4], validate=True), base64.b64decode(parts[5], validate=True)
        params = ScryptParams(int(parts[1]), int(parts[2]), int(parts[3]), len(salt), len(key))
    except ValueError:
        return None
    if not (10 <= params.log2_n <= 20 and 1 <= params.r <= 32 and 1 <= params.p <= 16
            and len(salt) >= 8 and 16 <= len(key) <= 64):
        return None
    return params, salt, key


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded``; False for a wrong password or a malformed hash."""
    parsed = _parse(encoded)
    if parsed is None or len(password) > MAX_LENGTH:
        return False
    params, salt, key = parsed
    return hmac.compare_digest(_derive(password, salt, params), key)


def needs_rehash(encoded: str, params: ScryptParams = DEFAULT) -> bool:
    parsed = _parse(encoded)
    return parsed is None or (parsed[0].log2_n, parsed[0].r, parsed[0].p) != (params.log2_n, params.r, params.p)


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def burn_time(password: str) -> None:
    """Verify against a throw-away hash: a login with an unknown name takes as long as one with a wrong password."""
    verify_password(password, _dummy_hash())
