"""The 12345 lifecycle over HTTP, with the test clock around the 2025 National Day holiday."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from dispatch_client import ConflictError, DispatchClient, verify_signature

from .conftest import DEPT_KEYS, WEBHOOK_SECRET, WebhookReceiver
from .helpers import at, lamp_request, noise_request



def test_full_lifecycle_with_history(client_at: Callable[[str], DispatchClient],
                                     webhook_receiver: WebhookReceiver) -> None:
    # Registered Tuesday 2025-09-30 10:00, the day before the National Day holiday (10-01..10-08).
    created = client_at("2025-09-30T10:00:00+08:00").create(noise_request())
    sid = created.service_request_id or ""
    order = client_at("2025-09-30T10:05:00+08:00").get(sid)
    assert order.department == "gongan"
    # 1 working day → Thursday 10-09; 5 working days → 10-09, 10-10, 10-11 (adjusted Saturday), 10-13, 10-14.
    assert order.first_contact_due_datetime == at("2025-10-09T10:00:00")
    assert order.expected_datetime == at("2025-10-14T10:00:00")

    police = client_at("2025-10-09T09:30:00+08:00")
    contacted = police.first_contact(sid, DEPT_KEYS["gongan"], "已电话联系来电人，约定上门查看")
    assert contacted.workflow_state == "contacted" and contacted.first_contact_datetime == at("2025-10-09T09:30:00")

    with pytest.raises(ConflictError):  # a survey before closure is refused
        client_at("2025-10-10T09:00:00+08:00").record_survey(sid, resolved=True, satisfaction="满意")

    closed = client_at("2025-10-13T16:00:00+08:00").close_request(sid, DEPT_KEYS["gongan"], "已责令商铺降低音量")
    assert closed.status == "closed" and closed.status_notes == "已责令商铺降低音量"
    assert closed.overdue is False

    surveyed = client_at("2025-10-14T10:00:00+08:00").record_survey(
        sid, resolved=True, satisfaction="满意", comment="处理很快")
    assert surveyed.workflow_state == "callback_done" and surveyed.status == "closed"
    assert surveyed.survey and surveyed.survey.satisfaction == "满意" and surveyed.survey.resolved is True

    archived = client_at("2025-10-15T10:00:00+08:00").archive(sid)
    assert archived.workflow_state == "archived"
    assert [n.type for n in archived.notes] == [
        "registered", "dispatched", "contacted", "closed", "callback_done", "archived"]
    assert archived.notes[2].actor == "市公安局" and archived.notes[2].datetime == at("2025-10-09T09:30:00")
    assert all(n.text for n in archived.notes)

    # The closure was announced by a signed webhook.
    headers, body = webhook_receiver.wait_for(
        lambda p: p["event"] == "request.closed" and p["request"]["service_request_id"] == sid)  # type: ignore[index]
    assert verify_signature(WEBHOOK_SECRET, headers["X-Rexian-Timestamp"], body, headers["X-Rexian-Signature"])
    assert not verify_signature("wrong-secret", headers["X-Rexian-Timestamp"], body,
                                headers["X-Rexian-Signature"])
    assert json.loads(body)["request"]["status"] == "closed"


def test_unsatisfied_survey_reopens_for_review_within_5_working_days(
        client_at: Callable[[str], DispatchClient]) -> None:
    sid = client_at("2025-09-22T09:00:00+08:00").create(lamp_request()).service_request_id or ""
    client_at("2025-09-22T15:00:00+08:00").first_contact(sid, DEPT_KEYS["shizheng"], "已联系")
    client_at("2025-09-24T15:00:00+08:00").close_request(sid, DEPT_KEYS["shizheng"], "已更换灯泡")
    # Survey on Friday 09-26: review due 5 working days later: 09-28 (adjusted Sunday), 09-29, 09-30, 10-09, 10-10.
    reopened = client_at("2025-09-26T11:00:00+08:00").record_survey(
        sid, resolved=False, satisfaction="不满意", comment="灯还是不亮")
    assert reopened.status == "open" and reopened.workflow_state == "reopened" and reopened.reopen_count == 1
    assert reopened.expected_datetime == at("2025-10-10T11:00:00")
    assert [n.type for n in reopened.notes][-2:] == ["callback_done", "reopened"]
    # The department handles it again, then the citizen is satisfied.
    client_at("2025-09-28T09:00:00+08:00").first_contact(sid, DEPT_KEYS["shizheng"], "再次联系")
    client_at("2025-09-29T09:00:00+08:00").close_request(sid, DEPT_KEYS["shizheng"], "已更换整套灯具")
    final = client_at("2025-09-29T15:00:00+08:00").record_survey(sid, resolved=True, satisfaction="基本满意")
    assert final.workflow_state == "callback_done" and final.survey and final.survey.satisfaction == "基本满意"


def test_explicit_reopen_after_callback(client_at: Callable[[str], DispatchClient]) -> None:
    sid = client_at("2025-11-03T09:00:00+08:00").create(lamp_request()).service_request_id or ""
    client_at("2025-11-03T10:00:00+08:00").first_contact(sid, DEPT_KEYS["shizheng"], "已联系")
    client_at("2025-11-04T10:00:00+08:00").close_request(sid, DEPT_KEYS["shizheng"], "已修复")
    client_at("2025-11-05T10:00:00+08:00").record_survey(sid, resolved=True, satisfaction="满意")
    reopened = client_at("2025-11-06T10:00:00+08:00").reopen(sid, "第二天又坏了")
    assert reopened.workflow_state == "reopened" and reopened.status == "open"
    assert reopened.expected_datetime == at("2025-11-13T10:00:00")
    assert "第二天又坏了" in reopened.notes[-1].text


def test_close_requires_first_contact_and_archive_requires_callback(
        client_at: Callable[[str], DispatchClient]) -> None:
    sid = client_at("2025-11-10T09:00:00+08:00").create(lamp_request()).service_request_id or ""
    with pytest.raises(ConflictError) as info:
        client_at("2025-11-10T10:00:00+08:00").close_request(sid, DEPT_KEYS["shizheng"], "已修复")
    assert "首次联系" in info.value.description
    with pytest.raises(ConflictError):
        client_at("2025-11-10T10:00:00+08:00").archive(sid)


def test_unanswered_callback_archives_with_reason_no_reply(client_at: Callable[[str], DispatchClient]) -> None:
    sid = client_at("2025-11-10T09:00:00+08:00").create(lamp_request()).service_request_id or ""
    client_at("2025-11-10T10:00:00+08:00").first_contact(sid, DEPT_KEYS["shizheng"], "已联系")
    client_at("2025-11-11T10:00:00+08:00").close_request(sid, DEPT_KEYS["shizheng"], "已修复")
    with pytest.raises(ConflictError):
        client_at("2025-11-11T11:00:00+08:00").archive(sid)  # consent given: the callback comes first
    order = client_at("2025-11-12T11:00:00+08:00").archive(sid, reason="no_reply")
    assert order.workflow_state == "archived" and "回访未果" in order.notes[-1].text


def test_closed_order_without_callback_consent_can_be_archived_directly(
        client_at: Callable[[str], DispatchClient]) -> None:
    sid = client_at("2025-11-10T09:00:00+08:00").create(
        lamp_request(callback_consent=False)).service_request_id or ""
    client_at("2025-11-10T10:00:00+08:00").first_contact(sid, DEPT_KEYS["shizheng"], "已联系")
    client_at("2025-11-11T10:00:00+08:00").close_request(sid, DEPT_KEYS["shizheng"], "已修复")
    assert client_at("2025-11-11T11:00:00+08:00").archive(sid).workflow_state == "archived"
