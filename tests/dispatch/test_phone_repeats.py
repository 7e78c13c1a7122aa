"""Phone numbers are normalised before repeat detection (催办), whatever the spelling."""

from __future__ import annotations

import uuid

import pytest

from dispatch_backend.intake import normalize_phone
from dispatch_client import DispatchClient

from .helpers import noise_request


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13600001111", "13600001111"),
        ("136 0000 1111", "13600001111"),
        ("136-0000-1111", "13600001111"),
        ("+86 136 0000 1111", "13600001111"),
        ("+86-13600001111", "13600001111"),
        ("0086 13600001111", "13600001111"),
        ("8613600001111", "13600001111"),
        ("（0571）8888-8888", "057188888888"),
        ("+86 571 8888 8888", "057188888888"),
        ("0571-88888888转123", "0571-88888888转123"),  # an extension: kept as given
    ],
)
def test_normalize_phone(raw: str, normal: str) -> None:
    assert normalize_phone(raw) == normal


@pytest.mark.parametrize("spelling", ["136 {a} {b}", "+86 136-{a}-{b}", "0086136{a}{b}"])
def test_differently_spelled_phone_links_as_a_reminder(client: DispatchClient, spelling: str) -> None:
    a, b = f"{uuid.uuid4().int % 10000:04d}", f"{uuid.uuid4().int % 10000:04d}"
    first = client.create(noise_request("小区楼下烧烤店每天晚上噪音很大，吵得睡不着", phone=f"136{a}{b}",
                                        channel=None, channel_user_id=None))
    again = client.create(noise_request("楼下烧烤店晚上噪音太大了，吵得睡不着觉", phone=spelling.format(a=a, b=b),
                                        channel=None, channel_user_id=None))
    assert again.outcome == "reminder" and again.service_request_id == first.service_request_id
    assert client.get(first.service_request_id or "").contact.phone == f"136{a}{b}"  # type: ignore[union-attr]
