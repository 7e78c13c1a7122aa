"""The WeChat connector over real HTTP: messages signed and encrypted with wechatpy's own helpers (the simulator
plays WeChat's servers), a fake Rasa REST channel and the fake WeChat API (customer-service and template messages)."""
from __future__ import annotations

import base64
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from connectors.push import PUSH_PATH, PUSH_TOKEN_HEADER, effective_token
from connectors.rasa_bridge import BUSY
from connectors.wechat import texts
from connectors.wechat.app import Connector, build_connector
from connectors.wechat.bridge import sender_id
from connectors.wechat.settings import ConnectorSettings
from connectors.wechat.simulator import WeChatServer
from tests.fakes.rasa_rest import LONG_PAYLOAD, FakeRasa
from tests.fakes.servers import ThreadedServer, wait_until
from tests.fakes.wechat_api import APP_ID, APP_SECRET, FakeWeChatAPI

TOKEN = "rexian-test-token"
AES_KEY = base64.b64encode(os.urandom(32)).decode()[:43]
PUBLIC_URL = "https://wx.rexian.example"
MAX_BYTES = 2048


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def wechat_api() -> Iterator[FakeWeChatAPI]:
    fake = FakeWeChatAPI().start()
    yield fake
    fake.stop()


@dataclass
class Running:
    connector: Connector
    server: ThreadedServer
    wechat: WeChatServer

    @property
    def url(self) -> str:
        return self.server.url


def start(tmp_path: Path, rasa: FakeRasa, wechat_api: FakeWeChatAPI, mode: str = "plaintext",
          **overrides: object) -> Running:
    settings = ConnectorSettings(
        app_id=APP_ID, secret=APP_SECRET, token=TOKEN, aes_key=AES_KEY, mode=mode, api_base_url=wechat_api.base_url,
        db=tmp_path / "wechat.sqlite3", rasa_url=rasa.url, public_url=PUBLIC_URL, rasa_timeout=30.0,
        **overrides)
    settings.validate()
    connector = build_connector(settings)
    server = ThreadedServer(connector.app)
    server.start()
    return Running(connector, server, WeChatServer(server.url + settings.path, TOKEN, APP_ID, aes_key=AES_KEY,
                                                   mode=mode))


@pytest.fixture
def wx(tmp_path: Path, rasa: FakeRasa, wechat_api: FakeWeChatAPI) -> Iterator[Running]:
    running = start(tmp_path, rasa, wechat_api)
    yield running
    running.server.stop()


def citizen() -> str:
    return "o" + uuid.uuid4().hex[:27]


def push(url: str, recipient: str, messages: list[dict], token: str | None = None) -> httpx.Response:
    return httpx.post(url + PUSH_PATH, json={"recipient": recipient, "messages": messages},
                      headers={PUSH_TOKEN_HEADER: token or effective_token("")}, timeout=30)


# ------------------------------------------------------------------------------------------ signatures and modes
def test_server_url_verification(wx: Running) -> None:
    good = wx.wechat.verify("echo-42")
    assert (good.status_code, good.text) == (200, "echo-42")
    assert wx.wechat.verify("echo-42", forged=True).status_code == 403


@pytest.mark.parametrize("mode", ["plaintext", "compatible", "safe"])
def test_text_round_trip_in_every_mode(tmp_path: Path, rasa: FakeRasa, wechat_api: FakeWeChatAPI, mode: str,
                                       caplog: pytest.LogCaptureFixture) -> None:
    running = start(tmp_path, rasa, wechat_api, mode)
    try:
        openid = citizen()
        answer = running.wechat.post(running.wechat.text(openid, "居住证怎么办理"))
        assert (answer.status, answer.text) == (200, "收到：居住证怎么办理")
        assert ("<Encrypt>" in answer.raw) is (mode != "plaintext")  # encrypted requests get encrypted replies
        forged = running.wechat.post(running.wechat.text(openid, "伪造的消息 13800138000"), forged=True)
        assert forged.status == 403
        assert [r["message"] for r in rasa.received(sender_id(openid))] == ["居住证怎么办理"]
        assert "13800138000" not in caplog.text and "伪造" not in caplog.text  # refused, logged without the body
    finally:
        running.server.stop()


def test_safe_mode_refuses_plaintext_messages(tmp_path: Path, rasa: FakeRasa, wechat_api: FakeWeChatAPI) -> None:
    running = start(tmp_path, rasa, wechat_api, "safe")
    try:
        plain = WeChatServer(running.wechat.url, TOKEN, APP_ID)  # correctly signed, but not encrypted
        openid = citizen()
        assert plain.post(plain.text(openid, "你好")).status == 403
        assert rasa.received(sender_id(openid)) == []
    finally:
        running.server.stop()


# ------------------------------------------------------------------------------------------ retries and timing
def test_a_retry_gets_the_same_answer_and_never_reaches_rasa_twice(wx: Running, rasa: FakeRasa) -> None:
    openid = citizen()
    message = wx.wechat.text(openid, "路灯坏了")
    first, retry = wx.wechat.post(message), wx.wechat.post(message)
    assert first.text == retry.text == "收到：路灯坏了"
    assert len(rasa.received(sender_id(openid))) == 1


def test_retries_are_recognised_by_another_process_on_the_same_database(
        tmp_path: Path, rasa: FakeRasa, wechat_api: FakeWeChatAPI) -> None:
    one, two = start(tmp_path, rasa, wechat_api), start(tmp_path, rasa, wechat_api)
    try:
        openid = citizen()
        message = one.wechat.text(openid, "噪音扰民")
        assert one.wechat.post(message).text == two.wechat.post(message).text == "收到：噪音扰民"
        event = one.wechat.event(openid, "subscribe")
        assert one.wechat.post(event).text == two.wechat.post(event).text == texts.SUBSCRIBED
        assert len(rasa.received(sender_id(openid))) == 1
    finally:
        one.server.stop()
        two.server.stop()


def test_a_slow_answer_goes_out_through_customer_service(tmp_path: Path, rasa: FakeRasa,
                                                         wechat_api: FakeWeChatAPI) -> None:
    running = start(tmp_path, rasa, wechat_api, passive_seconds=0.3)
    try:
        openid = citizen()
        message = running.wechat.text(openid, "慢一点的问题")
        rasa.hold("慢一点的问题")
        try:
            first = running.wechat.post(message)
            assert (first.status, first.raw, first.text) == (200, "success", "")  # WeChat is not kept waiting
            retry = running.wechat.post(message)  # WeChat retries while Rasa is still thinking
            assert (retry.raw, retry.text) == ("success", "")
        finally:
            rasa.release()
        sent = wechat_api.wait_for_messages(openid)
        assert wechat_api.sent_texts(openid) == ["收到：慢一点的问题"]
        assert sent[0]["msgtype"] == "text"
        assert len(rasa.received(sender_id(openid))) == 1
    finally:
        running.server.stop()


def test_a_long_answer_is_split_within_wechats_limit(wx: Running, wechat_api: FakeWeChatAPI) -> None:
    openid = citizen()
    answer = wx.wechat.post(wx.wechat.text(openid, "要长文"))
    assert 0 < len(answer.text.encode()) <= MAX_BYTES
    assert answer.text.startswith("000 ")
    assert wait_until(lambda: any(t.startswith("081 ") or "\n081 " in t for t in wechat_api.sent_texts(openid)))
    rest = wechat_api.sent_texts(openid)
    assert all(len(t.encode()) <= MAX_BYTES for t in rest)
    lines = "\n".join([answer.text, *rest]).splitlines()
    assert [line[:3] for line in lines] == [f"{i:03d}" for i in range(82)]  # every line once, in order


def test_rasa_failing_gets_a_polite_busy_reply(wx: Running, rasa: FakeRasa) -> None:
    rasa.failing = True
    try:
        assert wx.wechat.post(wx.wechat.text(citizen(), "你好")).text == BUSY
    finally:
        rasa.failing = False


# ------------------------------------------------------------------------------------------ buttons
def test_buttons_are_numbered_and_read_back(wx: Running, rasa: FakeRasa) -> None:
    openid = citizen()
    offered = wx.wechat.post(wx.wechat.text(openid, "要按钮")).text
    assert "请问您要反映的是哪类问题？" in offered and "1. 是" in offered and "2. 市容环境" in offered
    wx.wechat.post(wx.wechat.text(openid, "２"))  # a full-width digit
    assert rasa.received(sender_id(openid))[-1]["message"] == LONG_PAYLOAD
    wx.wechat.post(wx.wechat.text(openid, "要按钮"))
    wx.wechat.post(wx.wechat.text(openid, "市容环境"))  # the option's title
    assert rasa.received(sender_id(openid))[-1]["message"] == LONG_PAYLOAD
    wx.wechat.post(wx.wechat.text(openid, "2"))  # nothing on offer any more: plain text
    assert rasa.received(sender_id(openid))[-1]["message"] == "2"


# ------------------------------------------------------------------------------------------ message types
def test_photo_location_and_voice_reach_the_bot(wx: Running, rasa: FakeRasa) -> None:
    openid = citizen()
    wx.wechat.post(wx.wechat.image(openid, "MEDIA-1"))
    photo = rasa.received(sender_id(openid))[-1]
    assert photo["message"] == "（图片）"
    [url] = photo["metadata"]["photos"]
    assert url.startswith(PUBLIC_URL + "/media/") and "access_token" not in url
    wx.wechat.post(wx.wechat.location(openid, 39.9087, 116.3975, "北京市东城区东长安街"))
    place = rasa.received(sender_id(openid))[-1]
    assert place["message"] == "北京市东城区东长安街"
    assert place["metadata"]["location"]["lat"] == pytest.approx(39.9087)
    assert place["metadata"]["location"]["long"] == pytest.approx(116.3975)
    assert wx.wechat.post(wx.wechat.voice(openid, "小区停电了")).text == "收到：小区停电了"
    assert wx.wechat.post(wx.wechat.voice(openid, "")).text == texts.VOICE_NOT_RECOGNISED
    assert [r["message"] for r in rasa.received(sender_id(openid))] == ["（图片）", "北京市东城区东长安街", "小区停电了"]


def test_events_greet_ignore_and_map_the_menu(wx: Running, rasa: FakeRasa) -> None:
    openid = citizen()
    assert wx.wechat.post(wx.wechat.event(openid, "subscribe")).text == texts.SUBSCRIBED
    unsubscribed = wx.wechat.post(wx.wechat.event(openid, "unsubscribe"))
    assert (unsubscribed.status, unsubscribed.raw) == (200, "success")
    assert wx.wechat.post(wx.wechat.event(openid, "CLICK", "CONSULT")).text == texts.CONSULT_PROMPT
    for key in ("COMPLAIN", "ORDER_STATUS", "AGENT"):
        wx.wechat.post(wx.wechat.event(openid, "CLICK", key, create_time=int(time.time()) + len(key)))
    assert [r["message"] for r in rasa.received(sender_id(openid))] == ["/complain", "/query_status", "/ask_human"]


# ------------------------------------------------------------------------------------------ pushes
def test_push_within_48_hours_goes_out_as_customer_service_with_a_menu(
        wx: Running, rasa: FakeRasa, wechat_api: FakeWeChatAPI) -> None:
    openid = citizen()
    wx.wechat.post(wx.wechat.text(openid, "你好"))
    survey = [{"text": "您对办理结果满意吗？", "buttons": [{"title": "满意", "payload": "/survey_rate{\"satisfaction\":\"satisfied\"}"},
                                                   {"title": "不满意", "payload": "/survey_unresolved"}]}]
    response = push(wx.url, sender_id(openid), survey)
    assert response.status_code == 200
    assert response.json() == {"delivered": True, "queued": False, "path": "customer_service"}
    [menu] = wechat_api.sent_messages(openid)
    assert menu["msgtype"] == "msgmenu"
    assert menu["msgmenu"]["head_content"] == "您对办理结果满意吗？"
    assert [(o["id"], o["content"]) for o in menu["msgmenu"]["list"]] == [("1", "满意"), ("2", "不满意")]
    wx.wechat.post(wx.wechat.text(openid, "不满意", menu_id="2"))  # a click on the menu
    assert rasa.received(sender_id(openid))[-1]["message"] == "/survey_unresolved"


def test_push_after_48_hours_invites_by_template_and_answers_the_next_message(
        tmp_path: Path, rasa: FakeRasa, wechat_api: FakeWeChatAPI) -> None:
    running = start(tmp_path, rasa, wechat_api, service_window_hours=0.0002, template_id="TPL-SURVEY")  # 0.72 s
    try:
        openid = citizen()
        running.wechat.post(running.wechat.text(openid, "你好"))
        assert wait_until(lambda: not running.connector.bridge.contacts.within_window(openid), 5)
        survey = [{"text": "请您对工单办理结果进行评价：", "buttons": [{"title": "满意", "payload": "/survey_resolved"}]}]
        response = push(running.url, sender_id(openid), survey)
        assert response.json() == {"delivered": False, "queued": True, "path": "template"}
        [template] = wechat_api.templates(openid)
        assert template["template_id"] == "TPL-SURVEY"
        assert wechat_api.sent_messages(openid) == []
        reply = running.wechat.post(running.wechat.text(openid, "在吗"))
        assert reply.text.startswith("请您对工单办理结果进行评价：") and "1. 满意" in reply.text
        assert [r["message"] for r in rasa.received(sender_id(openid))] == ["你好"]  # "在吗" is no survey answer
        running.wechat.post(running.wechat.text(openid, "1"))
        assert rasa.received(sender_id(openid))[-1]["message"] == "/survey_resolved"
    finally:
        running.server.stop()


def test_after_a_template_invitation_a_message_with_content_goes_to_the_bot(
        tmp_path: Path, rasa: FakeRasa, wechat_api: FakeWeChatAPI) -> None:
    """An emergency (or anything the citizen raises) written instead of "在吗" reaches the bot, whose survey form
    answers emergencies first; the kept survey is not sent in its place."""
    running = start(tmp_path, rasa, wechat_api, service_window_hours=0.0002, template_id="TPL-SURVEY")
    try:
        openid = citizen()
        running.wechat.post(running.wechat.text(openid, "你好"))
        assert wait_until(lambda: not running.connector.bridge.contacts.within_window(openid), 5)
        survey = [{"text": "请您对工单办理结果进行评价：", "buttons": [{"title": "满意", "payload": "/survey_resolved"}]}]
        assert push(running.url, sender_id(openid), survey).json()["path"] == "template"
        reply = running.wechat.post(running.wechat.text(openid, "我家楼下着火了，火很大，怎么办"))
        assert not reply.text.startswith("请您对工单办理结果进行评价")
        assert rasa.received(sender_id(openid))[-1]["message"] == "我家楼下着火了，火很大，怎么办"
    finally:
        running.server.stop()


def test_push_is_refused_without_the_token_or_for_another_channel(wx: Running) -> None:
    assert push(wx.url, "wx:o123", [{"text": "hi"}], token="wrong").status_code == 401
    assert push(wx.url, "tg:123", [{"text": "hi"}]).status_code == 404
