"""Small builders shared by the dispatch tests."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

from dispatch_client import DispatchClient, NewServiceRequest
from domain import BEIJING

_counter = itertools.count(1)


def at(text: str) -> dt.datetime:
    """``"2025-10-09T10:00:00"`` read as Beijing time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def unique_phone() -> str:
    """A fake, unique 11-digit number (never a real subscriber format check)."""
    return f"199{next(_counter):04d}{uuid.uuid4().int % 10000:04d}"


def noise_request(description: str | None = None, **overrides: object) -> NewServiceRequest:
    """A 噪音扰民 complaint (社会生活噪音 → 市公安局) with a unique description and phone."""
    fields: dict[str, object] = {
        "service_code": "zaoyin",
        "description": description or f"楼下商铺晚上音响声音太大，影响休息 {uuid.uuid4().hex[:8]}",
        "address_string": "示例市幸福路 8 号",
        "attributes": {"noise_source": "life"},
        "phone": unique_phone(),
        "first_name": "张",
        "channel": "webchat",
        "channel_user_id": f"web-{uuid.uuid4().hex[:10]}",
    }
    fields.update(overrides)
    return NewServiceRequest(**fields)  # type: ignore[arg-type]


def lamp_request(**overrides: object) -> NewServiceRequest:
    """A 路灯故障 report (→ 市市政设施管理中心)."""
    fields: dict[str, object] = {
        "service_code": "ludeng",
        "description": f"路口的路灯晚上不亮，行人看不清路 {uuid.uuid4().hex[:8]}",
        "lat": 30.27,
        "long": 120.15,
        "phone": unique_phone(),
    }
    fields.update(overrides)
    return NewServiceRequest(**fields)  # type: ignore[arg-type]


def latest_cursor(client: DispatchClient) -> str:
    """The change feed's cursor after its last entry (what is written next comes after it)."""
    cursor = None
    while True:
        page = client.changes(cursor, limit=500)
        cursor = page.cursor
        if not page.has_more:
            return cursor
