"""Creating work orders from confirmed intakes against a real dispatch backend (subprocess, SQLite)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.actions.intake.session import IntakeSession
from bot.actions.intake.status import StatusLookup, find_reference
from bot.actions.intake.submit import WorkOrderSubmitter, submission_text
from dispatch_client.service_choice import choose_service
from dispatch_backend.launcher import BackendProcess, free_port, start_backend
from dispatch_client import DispatchClient, Outbox

KEY = "rexian-dev-key"


def confirmed_session(**overrides: object) -> IntakeSession:
    values: dict[str, object] = dict(
        stage="confirm", appeal_type="投诉举报", description="小区门口烧烤店每天晚上吵到凌晨两点",
        address="北京市朝阳区建国路88号", occurred="上周三开始每天晚上", category="城乡建设与管理/噪音扰民/社会生活噪音",
        name="王女士", phone="13812345678", callback_consent=True, anonymous=False)
    values.update(overrides)
    return IntakeSession(**values)  # type: ignore[arg-type]


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[BackendProcess]:
    process = start_backend(f"sqlite:///{tmp_path / 'dispatch.sqlite3'}", free_port(), tmp_path / "backend.log",
                            {"REXIAN_DISPATCH_API_KEY": KEY})
    yield process
    process.stop()


def submitter_for(url: str, tmp_path: Path) -> WorkOrderSubmitter:
    client = DispatchClient(url, api_key=KEY, timeout=5, retries=0)
    return WorkOrderSubmitter(client, Outbox(client, tmp_path / "outbox.sqlite3", retry_interval=0.2))


def test_created_order_carries_every_field_and_the_reply_gives_deadlines(backend: BackendProcess,
                                                                         tmp_path: Path) -> None:
    submitter = submitter_for(backend.url, tmp_path)
    result = submitter.submit(confirmed_session(), channel="webchat", channel_user_id="web:abcdefgh12345678")
    assert result.outcome == "created" and not result.provisional
    order = result.order
    assert order.appeal_type == "投诉举报" and order.category.path == "城乡建设与管理/噪音扰民/社会生活噪音"
    assert order.department == "gongan" and order.contact.phone == "13812345678"
    assert "上周三" in order.description and order.address == "北京市朝阳区建国路88号"
    text = submission_text(result)
    assert result.reference in text and "1个工作日" in text and "办结时限" in text and "市公安局" in text


def test_the_same_confirmation_twice_creates_one_order(backend: BackendProcess, tmp_path: Path) -> None:
    submitter = submitter_for(backend.url, tmp_path)
    session = confirmed_session()
    first = submitter.submit(session, channel="webchat", channel_user_id="web:abcdefgh12345678")
    second = submitter.submit(session, channel="webchat", channel_user_id="web:abcdefgh12345678")
    assert first.reference == second.reference and second.outcome == "replayed"
    client = DispatchClient(backend.url, api_key=KEY)
    assert len(client.list(channel="webchat", channel_user_id="web:abcdefgh12345678")) == 1


def test_a_repeat_of_an_open_order_is_a_reminder(backend: BackendProcess, tmp_path: Path) -> None:
    submitter = submitter_for(backend.url, tmp_path)
    first = submitter.submit(confirmed_session(), channel="webchat", channel_user_id="web:abcdefgh12345678")
    again = submitter.submit(confirmed_session(), channel="telegram", channel_user_id="tg:42")  # same phone
    assert again.outcome == "reminder" and again.reference == first.reference
    text = submission_text(again)
    assert "催办" in text and first.reference in text and "第 1 次" in text


def test_backend_down_queues_and_delivers_exactly_once(tmp_path: Path) -> None:
    port = free_port()
    submitter = submitter_for(f"http://127.0.0.1:{port}", tmp_path)
    session = confirmed_session()
    queued = submitter.submit(session, channel="webchat", channel_user_id="web:abcdefgh12345678")
    assert queued.provisional and queued.reference.startswith("LS")
    assert "临时受理号" in submission_text(queued) and find_reference(queued.reference) == queued.reference
    lookup = StatusLookup(submitter.client, submitter.outbox)
    assert "等待" in lookup.answer(f"查询{queued.reference}", channel="webchat", channel_user_id="x")
    backend = start_backend(f"sqlite:///{tmp_path / 'dispatch.sqlite3'}", port, tmp_path / "backend.log",
                            {"REXIAN_DISPATCH_API_KEY": KEY})
    try:
        assert submitter.outbox.flush() == 1
        again = submitter.submit(session, channel="webchat", channel_user_id="web:abcdefgh12345678")
        assert not again.provisional
        assert submitter.outbox.flush() == 0
        orders = submitter.client.list(channel="webchat", channel_user_id="web:abcdefgh12345678")
        assert [o.service_request_id for o in orders] == [again.reference]
        answer = lookup.answer(f"查询{queued.reference}", channel="webchat", channel_user_id="x")
        assert again.reference in answer and "当前状态" in answer
    finally:
        backend.stop()


def test_status_of_the_channels_recent_orders(backend: BackendProcess, tmp_path: Path) -> None:
    submitter = submitter_for(backend.url, tmp_path)
    created = submitter.submit(confirmed_session(), channel="webchat", channel_user_id="web:abcdefgh12345678")
    lookup = StatusLookup(submitter.client, submitter.outbox)
    mine = lookup.answer("我的工单怎么样了", channel="webchat", channel_user_id="web:abcdefgh12345678")
    assert created.reference in mine and "市公安局" in mine and "13812345678" not in mine
    assert "没有查到" in lookup.answer("我的工单怎么样了", channel="webchat", channel_user_id="web:someoneelse00")
    assert "没有找到" in lookup.answer("查询工单1999010100000001", channel="webchat", channel_user_id="x")


def test_channel_filter_needs_the_bot_key(backend: BackendProcess) -> None:
    import httpx

    answer = httpx.get(f"{backend.url}/requests.json", params={"channel": "webchat", "channel_user_id": "x"})
    assert answer.status_code == 403


def test_service_choice_uses_the_category_and_answers_required_attributes(backend: BackendProcess) -> None:
    client = DispatchClient(backend.url, api_key=KEY)
    services = client.services()
    choose = lambda category: choose_service(services, category, client.service_definition)  # noqa: E731
    assert choose("城乡建设与管理/市容环卫/占道经营") == ("zhandao", {})
    assert choose("城乡建设与管理/噪音扰民/社会生活噪音") == ("zaoyin", {"noise_source": "life"})
    assert choose("公用事业/供电/停电") == ("tingshuidianqi", {"utility_type": "power"})
    assert choose("劳动保障/劳动关系/拖欠工资")[0] == "qianxin"
    assert choose(None) == ("rexian", {})


def test_power_outage_keeps_the_24_hour_deadline(backend: BackendProcess, tmp_path: Path) -> None:
    submitter = submitter_for(backend.url, tmp_path)
    result = submitter.submit(confirmed_session(category="公用事业/供电/停电", description="整栋楼停电三个小时了",
                                                phone="13700000001"),
                              channel="webchat", channel_user_id="web:abcdefgh12345678")
    order = result.order
    assert order.service_code == "tingshuidianqi" and order.department == "power"
    assert (order.expected_datetime - order.requested_datetime).total_seconds() <= 24 * 3600
