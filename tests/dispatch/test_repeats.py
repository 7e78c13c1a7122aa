"""Repeat requests become reminders (催办); too many reminders raise supervision (督办)."""

from __future__ import annotations

from dispatch_client import ConflictError, DispatchClient

from .conftest import DEPT_KEYS
from .helpers import noise_request, unique_phone

import pytest


def test_same_contact_similar_description_is_linked_as_a_reminder(client: DispatchClient) -> None:
    phone = unique_phone()
    first = client.create(noise_request("小区楼下烧烤店每天晚上噪音很大，吵得睡不着", phone=phone))
    again = client.create(noise_request("楼下烧烤店晚上噪音太大了，吵得睡不着觉", phone=phone))
    assert again.outcome == "reminder" and again.service_request_id == first.service_request_id
    assert again.reminder_count == 1 and "催办" in (again.service_notice or "")
    order = client.get(first.service_request_id or "")
    assert order.reminder_count == 1 and order.notes[-1].type == "reminder"
    assert "吵得睡不着觉" in order.notes[-1].text


def test_channel_identity_also_links_repeats(client: DispatchClient) -> None:
    first = client.create(noise_request("广场舞音响声音太大，每天晚上九点多还在跳", phone=None,
                                        channel="wechat", channel_user_id="wx-openid-abc"))
    again = client.create(noise_request("广场舞音响太大声了，晚上九点多还在跳", phone=None,
                                        channel="wechat", channel_user_id="wx-openid-abc"))
    assert again.outcome == "reminder" and again.service_request_id == first.service_request_id


def test_different_description_or_contact_makes_a_new_order(client: DispatchClient) -> None:
    phone = unique_phone()
    first = client.create(noise_request("小区门口的餐馆油烟和噪音很大", phone=phone))
    other_topic = client.create(noise_request("隔壁工地凌晨还在用电钻施工", phone=phone))
    other_person = client.create(noise_request("小区门口的餐馆油烟和噪音很大"))
    ids = {first.service_request_id, other_topic.service_request_id, other_person.service_request_id}
    assert len(ids) == 3
    assert other_topic.outcome == other_person.outcome == "created"


def test_closed_order_is_not_reminded(client: DispatchClient) -> None:
    phone = unique_phone()
    description = "物业把消防通道锁起来了，出入很不方便"
    first = client.create(noise_request(description, phone=phone)).service_request_id or ""
    client.first_contact(first, DEPT_KEYS["gongan"], "已联系")
    client.close_request(first, DEPT_KEYS["gongan"], "已要求物业打开")
    again = client.create(noise_request(description, phone=phone))
    assert again.outcome == "created" and again.service_request_id != first
    with pytest.raises(ConflictError):
        client.remind(first, "还是锁着")


def test_more_than_ten_reminders_raise_supervision(client: DispatchClient) -> None:
    sid = client.create(noise_request()).service_request_id or ""
    for _ in range(10):
        order = client.remind(sid, "怎么还没处理")
    assert order.reminder_count == 10 and order.supervised is False
    order = client.remind(sid, "第十一次催办")
    assert order.reminder_count == 11 and order.supervised is True
    assert order.notes[-1].type == "supervision"
