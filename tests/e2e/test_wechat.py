"""The WeChat channel end to end: messages signed and encrypted by wechatpy as WeChat's servers send them, the real
connector in front of the real Rasa, action server and dispatch backend, the fake WeChat API behind it."""
from __future__ import annotations

import base64
import os
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from connectors.push import PUSH_PATH, PUSH_TOKEN_HEADER, effective_token
from connectors.wechat.app import Connector, build_connector
from connectors.wechat.bridge import sender_id
from connectors.wechat.settings import ConnectorSettings
from connectors.wechat.simulator import Inbound, WeChatServer
from dispatch_client import DispatchClient
from rexian.stack import Stack
from tests.fakes.servers import ThreadedServer, wait_until
from tests.fakes.wechat_api import APP_ID, APP_SECRET, FakeWeChatAPI

pytestmark = pytest.mark.e2e

TOKEN = "rexian-e2e-token"
AES_KEY = base64.b64encode(os.urandom(32)).decode()[:43]
ORDER_ID = re.compile(r"工单号：(\d{16})")
PUBLIC_URL = "https://wx.rexian.example"

ANSWERS = [  # what to answer when the bot asks for a field (words of its question → answer)
    ("哪一类", "1"), ("投诉举报、求助", "投诉举报"), ("发生在哪里", "朝阳区建国路88号"), ("涉及具体地点", "无"),
    ("什么时候", "昨天晚上十点"), ("识别出时间", "昨天晚上十点"), ("怎么称呼", "吴先生"), ("联系电话", "13812340077"),
    ("需要我们回访", "是"),
    ("保密", "否"), ("具体说一下", "路面塌陷出一个大坑，很危险"),
]


class Citizen:
    """One WeChat user writing to the account: the passive reply, else the customer-service messages that follow."""

    def __init__(self, wechat: WeChatServer, api: FakeWeChatAPI) -> None:
        self.wechat = wechat
        self.api = api
        self.openid = "o" + uuid.uuid4().hex[:27]

    def post(self, message: Inbound) -> str:
        before = len(self.api.sent_texts(self.openid))
        answer = self.wechat.post(message)
        assert answer.status == 200
        if answer.text:
            return answer.text
        self.api.wait_for_messages(self.openid, before + 1, timeout=60)
        return "\n".join(self.api.sent_texts(self.openid)[before:])

    def say(self, text: str) -> str:
        return self.post(self.wechat.text(self.openid, text))


@pytest.fixture(scope="module")
def wechat_api() -> Iterator[FakeWeChatAPI]:
    fake = FakeWeChatAPI().start()
    yield fake
    fake.stop()


def _connector(stack: Stack, api: FakeWeChatAPI, tmp_path_factory: pytest.TempPathFactory, mode: str,
               **overrides: object) -> tuple[Connector, ThreadedServer, WeChatServer]:
    settings = ConnectorSettings(
        app_id=APP_ID, secret=APP_SECRET, token=TOKEN, aes_key=AES_KEY, mode=mode, api_base_url=api.base_url,
        db=tmp_path_factory.mktemp("wechat") / "wechat.sqlite3", rasa_url=stack.settings.rasa.url or "",
        public_url=PUBLIC_URL, **{"passive_seconds": 4.5, **overrides})
    settings.validate()
    connector = build_connector(settings)
    server = ThreadedServer(connector.app)
    server.start()
    return connector, server, WeChatServer(server.url + settings.path, TOKEN, APP_ID, aes_key=AES_KEY, mode=mode)


@pytest.fixture(scope="module", params=["plaintext", "compatible", "safe"])
def wx(request: pytest.FixtureRequest, stack: Stack, wechat_api: FakeWeChatAPI,
       tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Connector, ThreadedServer, WeChatServer]]:
    running = _connector(stack, wechat_api, tmp_path_factory, request.param)
    yield running
    running[1].stop()


@pytest.fixture
def dispatch(stack: Stack) -> Iterator[DispatchClient]:
    client = DispatchClient(stack.settings.dispatch.url, api_key="rexian-dev-key", timeout=10, retries=1)
    yield client
    client.close()


def test_consultation_answered_passively_and_a_numbered_choice_read_back(wx, wechat_api: FakeWeChatAPI) -> None:
    _, _, wechat = wx
    citizen = Citizen(wechat, wechat_api)
    citizen.say("你好")  # warms Rasa and the action server up for this citizen
    answer = wechat.post(wechat.text(citizen.openid, "办理居住证需要满足什么条件"))
    assert answer.status == 200 and "居住证" in answer.text  # within WeChat's 5 seconds, as the passive reply
    assert "1. 有帮助" in answer.text and "2. 没帮助" in answer.text
    assert "感谢您的反馈" in citizen.say("1")


def test_a_forged_message_is_refused(wx, wechat_api: FakeWeChatAPI) -> None:
    _, _, wechat = wx
    citizen = Citizen(wechat, wechat_api)
    assert wechat.post(wechat.text(citizen.openid, "我要投诉"), forged=True).status == 403
    assert wechat.verify(forged=True).status_code == 403
    assert wechat.verify("hello").text == "hello"


def test_a_slow_reply_is_delivered_through_customer_service(stack: Stack, wechat_api: FakeWeChatAPI,
                                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    connector, server, wechat = _connector(stack, wechat_api, tmp_path_factory, "compatible", passive_seconds=0.01)
    try:
        citizen = Citizen(wechat, wechat_api)
        answer = wechat.post(wechat.text(citizen.openid, "办理居住证需要满足什么条件"))
        assert (answer.status, answer.raw) == (200, "success")  # nothing passively: the bot took longer
        [sent] = wechat_api.wait_for_messages(citizen.openid, 1, timeout=60)
        assert "居住证" in "\n".join(wechat_api.sent_texts(citizen.openid))
        assert sent["msgtype"] in ("text", "msgmenu")
    finally:
        server.stop()


def test_complaint_with_photo_and_location_filed_once_despite_retries(
        stack: Stack, wechat_api: FakeWeChatAPI, dispatch: DispatchClient,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    connector, server, wechat = _connector(stack, wechat_api, tmp_path_factory, "safe")
    try:
        citizen = Citizen(wechat, wechat_api)
        wechat_api.register_media("PHOTO-PIT-1", b"\xff\xd8\xff\xe0fake-jpeg", "image/jpeg")
        reply = citizen.say("我要投诉，朝阳区建国路88号路面塌陷出一个大坑，电话13812340077，我姓吴")
        reply = _twice_retried(citizen, wechat.image(citizen.openid, "PHOTO-PIT-1"))
        reply = citizen.post(wechat.location(citizen.openid, 39.9087, 116.4605, "北京市朝阳区建国路88号"))
        for _ in range(12):
            if "请核对" in reply:
                break
            answer = next((a for marker, a in ANSWERS if marker in reply), None)
            assert answer is not None, f"unexpected bot reply inside the form: {reply!r}"
            reply = citizen.say(answer)
        assert "请核对" in reply
        sent_before = len(wechat_api.sent_texts(citizen.openid))
        done = _twice_retried(citizen, wechat.text(citizen.openid, "确认"))
        if not ORDER_ID.search(done):  # a slow turn: the answer comes as customer-service messages, maybe several
            assert wait_until(lambda: ORDER_ID.search("\n".join(wechat_api.sent_texts(citizen.openid)[sent_before:])),
                              60), done
            done = "\n".join(wechat_api.sent_texts(citizen.openid)[sent_before:])
        number = ORDER_ID.search(done).group(1)
        orders = dispatch.list(channel="wechat", channel_user_id=sender_id(citizen.openid))
        assert [o.service_request_id for o in orders] == [number]  # filed once
        order = dispatch.get(number)
        assert order.media_url and order.media_url.startswith(PUBLIC_URL + "/media/")
        assert (order.lat, order.long) == pytest.approx((39.9087, 116.4605))
        photo = httpx.get(server.url + order.media_url[len(PUBLIC_URL):], timeout=10)  # our proxy serves it
        assert (photo.status_code, photo.content) == (200, b"\xff\xd8\xff\xe0fake-jpeg")
    finally:
        server.stop()


def _twice_retried(citizen: Citizen, message: Inbound) -> str:
    """Post ``message`` and, while it is being handled, WeChat's two retries of it; the citizen's view of it."""
    before = len(citizen.api.sent_texts(citizen.openid))
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(citizen.wechat.post, message)
        time.sleep(0.3)  # the first is being handled when the retries come
        retries = [pool.submit(citizen.wechat.post, message) for _ in range(2)]
        answers = [first.result(), *(r.result() for r in retries)]
    assert all(a.status == 200 for a in answers)
    passive = {a.text for a in answers if a.text}
    assert len(passive) <= 1  # never two different answers
    if passive:
        return passive.pop()
    citizen.api.wait_for_messages(citizen.openid, before + 1, timeout=60)
    return "\n".join(citizen.api.sent_texts(citizen.openid)[before:])


def test_survey_inside_and_outside_the_48_hour_window(stack: Stack, wechat_api: FakeWeChatAPI,
                                                      tmp_path_factory: pytest.TempPathFactory) -> None:
    connector, server, wechat = _connector(stack, wechat_api, tmp_path_factory, "plaintext",
                                           service_window_hours=0.0005, template_id="TPL-INVITE")  # 1.8 s
    try:
        citizen = Citizen(wechat, wechat_api)
        citizen.say("你好")
        survey = {"text": "您好，您反映的问题已办结。请问问题解决了吗？",
                  "buttons": [{"title": "已解决", "payload": "/survey_resolved"},
                              {"title": "未解决", "payload": "/survey_unresolved"}]}

        def push() -> dict:
            response = httpx.post(server.url + PUSH_PATH, json={"recipient": sender_id(citizen.openid),
                                                               "messages": [survey]},
                                  headers={PUSH_TOKEN_HEADER: effective_token("")}, timeout=30)
            response.raise_for_status()
            return response.json()

        assert push() == {"delivered": True, "queued": False, "path": "customer_service"}
        assert wechat_api.sent_messages(citizen.openid)[-1]["msgtype"] == "msgmenu"
        assert wait_until(lambda: not connector.bridge.contacts.within_window(citizen.openid), 10)
        assert push() == {"delivered": False, "queued": True, "path": "template"}
        assert [t["template_id"] for t in wechat_api.templates(citizen.openid)] == ["TPL-INVITE"]
        reply = wechat.post(wechat.text(citizen.openid, "你好，什么事？")).text
        assert reply.startswith("您好，您反映的问题已办结") and "1. 已解决" in reply
    finally:
        server.stop()
