"""Console passwords: salted scrypt, self-describing hashes, constant-time checks, strength rules."""

from __future__ import annotations

import pytest

from agent_console import passwords
from agent_console.passwords import ScryptParams, WeakPassword, check_strength, hash_password, needs_rehash, \
    verify_password


def test_the_right_password_verifies_and_a_wrong_one_does_not() -> None:
    encoded = hash_password("柜台密码 2026")
    assert verify_password("柜台密码 2026", encoded)
    assert not verify_password("柜台密码 2025", encoded)
    assert not verify_password("", encoded)


def test_hashes_are_salted_and_never_contain_the_password() -> None:
    first, second = hash_password("same password"), hash_password("same password")
    assert first != second and "same password" not in first
    assert first.startswith("scrypt$14$8$5$")


def test_malformed_or_foreign_hashes_never_verify() -> None:
    for encoded in ("", "plain", "scrypt$14$8$5$!!$!!", "bcrypt$2b$12$abc", "scrypt$40$8$1$AAAA$AAAA"):
        assert not verify_password("anything", encoded)


def test_old_parameters_still_verify_and_ask_for_a_rehash() -> None:
    weak = ScryptParams(log2_n=10, r=8, p=1)
    encoded = hash_password("old password", weak)
    assert verify_password("old password", encoded)
    assert needs_rehash(encoded) and not needs_rehash(hash_password("new password"))


def test_strength_rules() -> None:
    with pytest.raises(WeakPassword):
        check_strength("short")
    with pytest.raises(WeakPassword):
        check_strength("x" * (passwords.MAX_LENGTH + 1))
    check_strength("long enough")
