"""The WeChat connector's outbound API (connectors/wechat/api.py) against a fake WeChat API server: what is sent,
the shared token (one fetch for two processes, refreshed after expiry and after an invalid-credential answer), the
errors a caller acts on, and no token or secret in the logs."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

import httpx
import pytest

from configuration import PROJECT_ROOT, WechatSettings
from connectors.wechat.api import (
    CREDENTIAL_ERRORS,
    INVALID_MEDIA_ID,
    OUT_OF_SERVICE_WINDOW,
    TOO_MANY_CUSTOMER_SERVICE_MESSAGES,
    TRANSPORT_ERROR,
    WeChatAPI,
    WeChatAPIError,
)
from connectors.wechat.tokens import TokenStore
from tests.fakes.servers import free_port
from tests.fakes.wechat_api import APP_ID, APP_SECRET, FakeWeChatAPI

OPENID = "oRexianTestCitizen0000000001"


@pytest.fixture(scope="module")
def fake():
    server = FakeWeChatAPI().start()
    yield server
    server.stop()


def make_settings(base_url: str, db: Path, **extra) -> WechatSettings:
    return WechatSettings(app_id=APP_ID, secret=APP_SECRET, api_base_url=base_url, db=db, **extra)


@pytest.fixture
def api(fake, tmp_path):
    fake.token_delay = 0.0
    settings = make_settings(fake.base_url, tmp_path / "wechat.sqlite3")
    tokens = TokenStore(settings.db)
    client = WeChatAPI(settings, tokens)
    yield client
    client.close()
    tokens.close()


def test_a_customer_service_text_reaches_wechat_as_utf8_json(fake, api):
    api.send_text(OPENID, "您好，您的诉求已受理。")
    assert fake.sent_messages(OPENID)[-1] == {"touser": OPENID, "msgtype": "text",
                                               "text": {"content": "您好，您的诉求已受理。"}}
    raw = fake.raw_bodies[-1]
    assert "您好，您的诉求已受理。".encode("utf-8") in raw and b"\\u" not in raw


def test_a_menu_message_lists_the_options_with_their_ids(fake, api):
    api.send_menu(OPENID, "请问您对办理结果满意吗？", [("sat_1", "满意"), ("sat_2", "基本满意"), ("sat_3", "不满意")],
                  "也可以直接回复数字。")
    assert fake.sent_messages(OPENID)[-1] == {
        "touser": OPENID, "msgtype": "msgmenu",
        "msgmenu": {"head_content": "请问您对办理结果满意吗？",
                    "list": [{"id": "sat_1", "content": "满意"}, {"id": "sat_2", "content": "基本满意"},
                             {"id": "sat_3", "content": "不满意"}],
                    "tail_content": "也可以直接回复数字。"}}
    assert "基本满意".encode("utf-8") in fake.raw_bodies[-1]


def test_a_template_message_carries_its_data_and_link(fake, api):
    data = {"first": {"value": "您反映的问题已办结"}, "remark": {"value": "回复任意内容即可参与满意度回访。"}}
    api.send_template(OPENID, "TPL-survey", data, "https://12345.example.gov.cn/survey")
    api.send_template(OPENID, "TPL-survey", data, None)
    first, second = fake.templates(OPENID)[-2:]
    assert first == {"touser": OPENID, "template_id": "TPL-survey", "url": "https://12345.example.gov.cn/survey",
                     "data": data}
    assert second == {"touser": OPENID, "template_id": "TPL-survey", "data": data}
    assert "您反映的问题已办结".encode("utf-8") in fake.raw_bodies[-1]


def test_a_message_outside_the_48_hour_window_raises_45015(fake, api):
    late = "oRexianTestCitizen0000000002"
    fake.last_message(late, time.time() - 49 * 3600)
    with pytest.raises(WeChatAPIError) as error:
        api.send_text(late, "您好，请对我们的服务进行评价。")
    assert error.value.errcode == OUT_OF_SERVICE_WINDOW == 45015
    assert fake.sent_messages(late) == []
    fake.last_message(late, time.time() - 47 * 3600)
    api.send_text(late, "您好，请对我们的服务进行评价。")
    assert len(fake.sent_messages(late)) == 1


def test_too_many_customer_service_messages_is_its_own_error(fake, api):
    fake.fail_next("message/custom/send", TOO_MANY_CUSTOMER_SERVICE_MESSAGES)
    with pytest.raises(WeChatAPIError) as error:
        api.send_text(OPENID, "第二十一条消息")
    assert error.value.errcode == 45047


def test_the_token_is_fetched_once_for_many_calls(fake, api):
    before = fake.token_fetches
    for n in range(4):
        api.send_text(OPENID, f"消息 {n}")
    assert fake.token_fetches == before + 1


def test_the_token_is_replaced_before_wechat_would_refuse_it(fake, tmp_path):
    clock = [time.time()]
    settings = make_settings(fake.base_url, tmp_path / "wechat.sqlite3")
    client = WeChatAPI(settings, TokenStore(settings.db, clock=lambda: clock[0]))
    client.send_text(OPENID, "第一条")
    before, refused = fake.token_fetches, fake.refused_calls
    clock[0] += 7200 - 299  # five minutes before the token expires
    client.send_text(OPENID, "第二条")
    assert fake.token_fetches == before + 1
    assert fake.refused_calls == refused  # fetched ahead, not after a refusal
    client.close()


def test_a_token_that_expired_at_wechat_is_refreshed_on_the_refusal(fake, tmp_path):
    frozen = time.time()  # the store believes its token fresh; WeChat's clock says it expired
    settings = make_settings(fake.base_url, tmp_path / "wechat.sqlite3")
    client = WeChatAPI(settings, TokenStore(settings.db, clock=lambda: frozen))
    fake.expires_in = 1
    try:
        client.send_text(OPENID, "第一条")
        time.sleep(1.2)
        before, refused = fake.token_fetches, fake.refused_calls
        client.send_text(OPENID, "第二条")
    finally:
        fake.expires_in = 7200
        client.close()
    assert fake.refused_calls == refused + 1  # 42001, then the retry with a new token went through
    assert fake.token_fetches == before + 1
    assert fake.sent_texts(OPENID)[-1] == "第二条"


@pytest.mark.parametrize("refuse", ["expire_token", "invalidate_token"])
def test_a_refused_token_is_refreshed_and_the_call_retried_once(fake, api, refuse):
    api.send_text(OPENID, "第一条")
    before, sent = fake.token_fetches, len(fake.sent_messages(OPENID))
    getattr(fake, refuse)()  # 42001 access_token expired / 40001 invalid credential
    api.send_text(OPENID, "第二条")
    assert fake.token_fetches == before + 1
    assert fake.sent_messages(OPENID)[sent:] == [{"touser": OPENID, "msgtype": "text", "text": {"content": "第二条"}}]


def test_a_token_refused_twice_raises_after_one_retry(fake, api):
    api.send_text(OPENID, "第一条")
    before, sent = fake.token_fetches, len(fake.sent_messages(OPENID))
    fake.fail_next("message/custom/send", 40001, times=2)
    with pytest.raises(WeChatAPIError) as error:
        api.send_text(OPENID, "第二条")
    assert error.value.errcode in CREDENTIAL_ERRORS
    assert fake.token_fetches == before + 1
    assert len(fake.sent_messages(OPENID)) == sent


def test_a_wrong_secret_is_an_error_not_a_loop(fake, tmp_path):
    settings = WechatSettings(app_id=APP_ID, secret="wrong", api_base_url=fake.base_url, db=tmp_path / "w.sqlite3")
    client = WeChatAPI(settings, TokenStore(settings.db))
    with pytest.raises(WeChatAPIError) as error:
        client.send_text(OPENID, "你好")
    assert error.value.errcode == 40125


def test_media_download_returns_bytes_and_type_and_an_unknown_id_raises(fake, api):
    fake.register_media("media-photo-1", b"\x89PNG fake png", "image/png")
    assert api.download_media("media-photo-1") == (b"\x89PNG fake png", "image/png")
    with pytest.raises(WeChatAPIError) as error:
        api.download_media("media-unknown")
    assert error.value.errcode == INVALID_MEDIA_ID


def test_menu_create_publishes_the_menu(fake, api):
    menu = {"button": [{"type": "click", "name": "咨询", "key": "CONSULT"}]}
    api.create_menu(menu)
    assert fake.menus()[-1] == menu


@pytest.mark.parametrize("where", ["refused", "not found"])
def test_no_wechat_answer_is_a_transport_error_without_the_token(tmp_path, fake, api, where):
    api.access_token()  # the token is stored: the failing call's URL holds it
    base = f"http://127.0.0.1:{free_port()}" if where == "refused" else f"{fake.url}/elsewhere"  # HTTP 404
    client = WeChatAPI(make_settings(base, tmp_path / "wechat.sqlite3"), api.tokens)
    with pytest.raises(WeChatAPIError) as error:
        client.send_text(OPENID, "你好")
    assert error.value.errcode == TRANSPORT_ERROR
    logged = "".join(traceback.format_exception(error.value))  # what logger.exception would write
    assert "message/custom/send" in logged and fake.current_token not in logged


def test_neither_token_nor_secret_reaches_the_logs(fake, api, caplog):
    caplog.set_level(logging.DEBUG)
    api.send_text(OPENID, "第一条")
    fake.expire_token()
    api.send_text(OPENID, "第二条")
    fake.register_media("media-log", b"\xff\xd8jpeg", "image/jpeg")
    api.download_media("media-log")
    with pytest.raises(WeChatAPIError):
        api.download_media("media-missing")
    assert "cgi-bin/token?" in caplog.text and "access_token=***" in caplog.text  # httpx did log the requests
    tokens = fake.issued_tokens
    assert tokens and all(token not in caplog.text for token in tokens)
    assert APP_SECRET not in caplog.text


TOKEN_IN_A_PROCESS = """
import sys, time
from pathlib import Path
from configuration import WechatSettings
from connectors.wechat.api import WeChatAPI
from connectors.wechat.tokens import TokenStore
app_id, secret, base_url, db, meeting, me, everyone = sys.argv[1:8]
settings = WechatSettings(app_id=app_id, secret=secret, api_base_url=base_url, db=db)
api = WeChatAPI(settings, TokenStore(settings.db))
(Path(meeting) / me).touch()  # wait for the other process, so that both need the token at the same moment
deadline = time.monotonic() + 60
while len(list(Path(meeting).iterdir())) < int(everyone) and time.monotonic() < deadline:
    time.sleep(0.005)
print(api.access_token())
"""


def test_two_processes_share_one_fetch(fake, tmp_path):
    fake.token_delay = 1.0  # the first fetch is still running when the second process asks for a token
    before = fake.token_fetches
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    processes = [subprocess.Popen([sys.executable, "-c", TOKEN_IN_A_PROCESS, APP_ID, APP_SECRET, fake.base_url,
                                   str(tmp_path / "w.sqlite3"), str(meeting), str(n), "2"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=PROJECT_ROOT)
                 for n in range(2)]
    outputs = [p.communicate(timeout=90) for p in processes]
    fake.token_delay = 0.0
    assert all(p.returncode == 0 for p in processes), [err.decode() for _, err in outputs]
    assert {out.decode().strip() for out, _ in outputs} == {fake.current_token}
    assert fake.token_fetches == before + 1


def test_a_given_http_client_carries_the_calls_and_stays_open(fake, tmp_path):
    seen: list[str] = []
    http = httpx.Client(event_hooks={"request": [lambda request: seen.append(request.url.path)]})
    settings = make_settings(fake.base_url, tmp_path / "wechat.sqlite3")
    client = WeChatAPI(settings, TokenStore(settings.db), http=http)
    client.send_text(OPENID, "你好")
    client.close()
    assert seen == ["/cgi-bin/token", "/cgi-bin/message/custom/send"]
    assert not http.is_closed
    http.close()
