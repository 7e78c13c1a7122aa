"""The Telegram bridge (``python -m connectors.telegram``) against a fake Bot API server and a fake Rasa.

The bridge runs as a real subprocess configured only through REXIAN_* variables, exactly as in production; the
fakes run in threads of the test process. The bridge handles one chat's updates one after another in arrival
order, so a later update of the same chat that was handled proves that the earlier ones were.
"""
from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from connectors.push import PUSH_PATH, PUSH_TOKEN_HEADER
from connectors.telegram import texts
from connectors.telegram.outgoing import MAX_CALLBACK_DATA_BYTES
from configuration import PROJECT_ROOT
from tests.fakes.rasa_rest import LONG_PAYLOAD, LONG_REPLY, FakeRasa
from tests.fakes.servers import free_port, wait_until
from tests.fakes.telegram_api import FakeTelegramAPI

PUSH_TOKEN = "test-push-token"
RATE_LIMIT = 6
WEBHOOK_SECRET = "good-Secret_123"
_chat_ids = itertools.count(10_001)


@dataclass
class RunningBridge:
    process: subprocess.Popen
    push_url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_bridge(api: FakeTelegramAPI, rasa: FakeRasa, log: Path, **extra: str) -> RunningBridge:
    (log.parent / "empty.yml").write_text("{}\n", encoding="utf-8")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REXIAN_")}
    env.update({
        "REXIAN_CONFIG": str(log.parent / "empty.yml"),
        "REXIAN_TELEGRAM_TOKEN": api.token,
        "REXIAN_TELEGRAM_API_BASE_URL": api.base_url,
        "REXIAN_TELEGRAM_HOST": "127.0.0.1",
        "REXIAN_TELEGRAM_PORT": str(port),
        "REXIAN_TELEGRAM_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT),
        "REXIAN_RASA_URL": rasa.url,
        "REXIAN_CALLBACKS_PUSH_TOKEN": PUSH_TOKEN,
        **extra,
    })
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "connectors.telegram"], cwd=PROJECT_ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    bridge = RunningBridge(process, f"http://127.0.0.1:{port}", log)

    def healthy() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"bridge exited early ({process.returncode}):\n{bridge.log_text()}")
        try:
            return httpx.get(bridge.push_url + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    if not wait_until(healthy, timeout=60, interval=0.2):
        stop_bridge(bridge)
        raise AssertionError(f"bridge did not become healthy:\n{bridge.log_text()}")
    return bridge


def stop_bridge(bridge: RunningBridge) -> int:
    if bridge.process.poll() is None:
        bridge.process.send_signal(signal.SIGTERM)
        try:
            bridge.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            bridge.process.kill()
            bridge.process.wait(timeout=10)
    return bridge.process.returncode


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def api() -> Iterator[FakeTelegramAPI]:
    fake = FakeTelegramAPI().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def bridge(api: FakeTelegramAPI, rasa: FakeRasa, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBridge]:
    running = start_bridge(api, rasa, tmp_path_factory.mktemp("tg") / "bridge.log")
    yield running
    stop_bridge(running)


@pytest.fixture
def chat_id() -> int:
    """A chat of its own for every test (the fakes are shared within the module)."""
    return next(_chat_ids)


@pytest.fixture(autouse=True)
def _rasa_up(rasa: FakeRasa) -> Iterator[None]:
    rasa.failing = False
    yield
    rasa.failing = False


def test_start_relays_a_greeting(bridge: RunningBridge, api: FakeTelegramAPI, rasa: FakeRasa, chat_id: int) -> None:
    api.queue_text(chat_id, "/start")
    assert rasa.wait_for_received(f"tg:{chat_id}")[0]["message"] == texts.GREETING_MESSAGE
    assert api.wait_for_messages(chat_id)[0]["text"] == f"收到：{texts.GREETING_MESSAGE}"


def test_start_up_talks_to_the_bot_api_as_polling(bridge: RunningBridge, api: FakeTelegramAPI) -> None:
    api.wait_for_call("getUpdates")
    methods = [c["_method"] for c in api.calls()]
    assert {"getMe", "deleteWebhook", "getUpdates"} <= set(methods)
    assert "setWebhook" not in methods
    assert all(m in {"getMe", "deleteWebhook", "getUpdates", "sendMessage", "answerCallbackQuery", "getFile"}
               for m in methods), methods


def test_text_is_relayed_and_reply_sent(bridge: RunningBridge, api: FakeTelegramAPI, rasa: FakeRasa,
                                        chat_id: int) -> None:
    update_id = api.queue_text(chat_id, "小区门口路灯坏了")
    body = rasa.wait_for_received(f"tg:{chat_id}")[0]
    assert body == {"sender": f"tg:{chat_id}", "message": "小区门口路灯坏了", "metadata": {"message_id": f"tg:{update_id}"}}
    sent = api.wait_for_messages(chat_id)
    assert sent[0]["text"] == "收到：小区门口路灯坏了"
    assert sent[0]["reply_markup"] is None


def test_typed_slash_cannot_inject_an_intent(bridge: RunningBridge, api: FakeTelegramAPI, rasa: FakeRasa,
                                             chat_id: int) -> None:
    api.queue_text(chat_id, "/affirm")
    assert rasa.wait_for_received(f"tg:{chat_id}")[0]["message"] == "affirm"


def test_buttons_become_an_inline_keyboard_and_presses_are_relayed(
        bridge: RunningBridge, api: FakeTelegramAPI, rasa: FakeRasa, chat_id: int) -> None:
    api.queue_text(chat_id, "要按钮")
    message = api.wait_for_messages(chat_id)[0]
    rows = message["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in rows] == [["是"], ["市容环境"]]
    short, long_key = rows[0][0]["callback_data"], rows[1][0]["callback_data"]
    assert short == "/affirm"
    assert long_key != LONG_PAYLOAD and len(long_key.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES

    pressed = [api.queue_callback(chat_id, long_key), api.queue_callback(chat_id, short)]
    received = rasa.wait_for_received(f"tg:{chat_id}", 3)
    assert [r["message"] for r in received] == ["要按钮", LONG_PAYLOAD, "/affirm"]
    assert set(pressed) <= set(api.answered_callbacks())


def test_unknown_button_key_is_answered_and_explained(bridge: RunningBridge, api: FakeTelegramAPI,
                                                      rasa: FakeRasa, chat_id: int) -> None:
    query_id = api.queue_callback(chat_id, "rx#" + "0" * 24)
    assert api.wait_for_messages(chat_id)[0]["text"] == texts.BUTTON_EXPIRED
    assert query_id in api.answered_callbacks()
    assert rasa.received(f"tg:{chat_id}") == []


def test_photo_relays_largest_file_url_and_caption(bridge: RunningBridge, api: FakeTelegramAPI, rasa: FakeRasa,
                                                   chat_id: int) -> None:
    largest = api.queue_photo(chat_id, caption="垃圾堆在路边")
    api.queue_photo(chat_id)
    first, second = rasa.wait_for_received(f"tg:{chat_id}", 2)
    assert first["message"] == "垃圾堆在路边"
    assert largest.endswith("_1.jpg")  # the 1280x960 size, not the first or the last listed
    photo_url = first["metadata"]["photos"][0]
    # The work order gets the bridge's own address, never Telegram's file URL with the bot token in it.
    assert photo_url.startswith(bridge.push_url.rstrip("/") + "/files/") and api.token not in photo_url
    assert second["message"] == texts.PHOTO_PLACEHOLDER
    served = httpx.get(photo_url)  # the bridge really fetches the file from Telegram
    assert served.status_code == 200 and served.content.startswith(b"\xff\xd8")
    assert httpx.get(bridge.push_url.rstrip("/") + "/files/unknown_file").status_code == 404


def test_location_relays_coordinates(bridge: RunningBridge, api: FakeTelegramAPI, rasa: FakeRasa,
                                     chat_id: int) -> None:
    api.queue_location(chat_id, 39.9042, 116.4074)
    body = rasa.wait_for_received(f"tg:{chat_id}")[0]
    assert body["message"] == texts.LOCATION_PLACEHOLDER
    assert body["metadata"]["location"] == {"lat": 39.9042, "long": 116.4074}
    assert body["metadata"]["message_id"].startswith("tg:")  # the update id: the actions recognise a repeat by it


def test_unsupported_content_gets_a_polite_notice(bridge: RunningBridge, api: FakeTelegramAPI, rasa: FakeRasa,
                                                  chat_id: int) -> None:
    api.queue_voice(chat_id)
    api.queue_sticker(chat_id)
    api.queue_text(chat_id, "标记")
    assert rasa.wait_for_received(f"tg:{chat_id}")[0]["message"] == "标记"
    sent = api.wait_for_messages(chat_id, 3)
    assert [m["text"] for m in sent] == [texts.UNSUPPORTED, texts.UNSUPPORTED, "收到：标记"]
    assert len(rasa.received(f"tg:{chat_id}")) == 1


def test_long_reply_is_split_at_line_breaks(bridge: RunningBridge, api: FakeTelegramAPI, chat_id: int) -> None:
    api.queue_text(chat_id, "要长文")
    api.wait_for_messages(chat_id, 3)
    sent = api.sent_messages(chat_id)
    assert len(sent) == 3
    assert all(len(m["text"].encode("utf-16-le")) // 2 <= 4096 for m in sent)
    assert "\n".join(m["text"] for m in sent) == LONG_REPLY
    assert all(m["text"][:3].isdigit() and m["text"][3] == " " for m in sent)  # every chunk starts a line


def test_rate_limit_notifies_once_and_stops_relaying(bridge: RunningBridge, api: FakeTelegramAPI, rasa: FakeRasa,
                                                     chat_id: int) -> None:
    for i in range(RATE_LIMIT + 3):
        api.queue_text(chat_id, f"消息{i}")
    # a button press is answered even over the limit: once it is, every text before it was handled
    api.wait_for_answer(api.queue_callback(chat_id, "/affirm"))
    assert [r["message"] for r in rasa.received(f"tg:{chat_id}")] == [f"消息{i}" for i in range(RATE_LIMIT)]
    texts_sent = [m["text"] for m in api.wait_for_messages(chat_id, RATE_LIMIT + 1)]
    assert texts_sent.count(texts.RATE_LIMITED) == 1
    assert len(texts_sent) == RATE_LIMIT + 1


def test_rasa_down_gets_busy_reply(bridge: RunningBridge, api: FakeTelegramAPI, rasa: FakeRasa,
                                   chat_id: int) -> None:
    rasa.failing = True
    api.queue_text(chat_id, "有人吗")
    assert api.wait_for_messages(chat_id)[0]["text"] == texts.BUSY
    rasa.failing = False
    api.queue_text(chat_id, "现在呢")  # the bridge survived and relays again
    assert api.wait_for_messages(chat_id, 2)[1]["text"] == "收到：现在呢"
    assert bridge.process.poll() is None


def test_slow_rasa_for_one_chat_does_not_hold_up_others(bridge: RunningBridge, api: FakeTelegramAPI,
                                                         rasa: FakeRasa, chat_id: int) -> None:
    other = next(_chat_ids)
    rasa.hold("请稍等我想想")
    try:
        api.queue_text(chat_id, "请稍等我想想")
        api.queue_text(chat_id, "第二句")
        rasa.wait_for_received(f"tg:{chat_id}")
        api.queue_text(other, "别的市民")
        assert api.wait_for_messages(other)[0]["text"] == "收到：别的市民"  # answered while chat_id waits
        assert api.sent_messages(chat_id) == []
        assert len(rasa.received(f"tg:{chat_id}")) == 1  # the same chat's next message waits its turn
    finally:
        rasa.release()
    assert [m["text"] for m in api.wait_for_messages(chat_id, 2)] == ["收到：请稍等我想想", "收到：第二句"]


def _push(bridge: RunningBridge, recipient: str, token: str = PUSH_TOKEN) -> httpx.Response:
    body = {"recipient": recipient,
            "messages": [{"text": "您反映的问题已办结，请问您是否满意？",
                          "buttons": [{"title": "满意", "payload": "/survey_score{\"score\": 5}"},
                                      {"title": "不满意", "payload": LONG_PAYLOAD}]}]}
    return httpx.post(bridge.push_url + PUSH_PATH, json=body, headers={PUSH_TOKEN_HEADER: token}, timeout=15)


def test_push_delivers_with_inline_keyboard(bridge: RunningBridge, api: FakeTelegramAPI, rasa: FakeRasa,
                                            chat_id: int) -> None:
    response = _push(bridge, f"tg:{chat_id}")
    assert response.status_code == 200
    assert response.json()["delivered"] is True
    message = api.sent_messages(chat_id)[0]
    assert message["text"] == "您反映的问题已办结，请问您是否满意？"
    rows = message["reply_markup"]["inline_keyboard"]
    assert rows[0][0]["callback_data"] == "/survey_score{\"score\": 5}"
    api.queue_callback(chat_id, rows[1][0]["callback_data"])  # a long payload pushed, then pressed
    assert rasa.wait_for_received(f"tg:{chat_id}")[0]["message"] == LONG_PAYLOAD


def test_push_rejects_wrong_token_and_foreign_recipient(bridge: RunningBridge, api: FakeTelegramAPI,
                                                       chat_id: int) -> None:
    assert _push(bridge, f"tg:{chat_id}", token="wrong").status_code == 401
    assert _push(bridge, "web:abcdefgh12").status_code == 404
    assert api.sent_messages(chat_id) == []


def test_push_refused_by_telegram_is_502(bridge: RunningBridge, api: FakeTelegramAPI, chat_id: int) -> None:
    api.failing_chats.add(chat_id)
    try:
        assert _push(bridge, f"tg:{chat_id}").status_code == 502
    finally:
        api.failing_chats.discard(chat_id)
    assert bridge.process.poll() is None


# -- webhook mode ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def webhook_api() -> Iterator[FakeTelegramAPI]:
    fake = FakeTelegramAPI(token="987654:WEBHOOK-fake").start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def webhook_bridge(webhook_api: FakeTelegramAPI, rasa: FakeRasa,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningBridge, str]]:
    port = free_port()
    hook_url = f"http://127.0.0.1:{port}/telegram/hook"
    running = start_bridge(webhook_api, rasa, tmp_path_factory.mktemp("tgwh") / "bridge.log",
                           REXIAN_TELEGRAM_MODE="webhook", REXIAN_TELEGRAM_WEBHOOK_URL=hook_url,
                           REXIAN_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET, REXIAN_TELEGRAM_WEBHOOK_HOST="127.0.0.1",
                           REXIAN_TELEGRAM_WEBHOOK_PORT=str(port))
    yield running, hook_url
    stop_bridge(running)


def _update(update_id: int, chat_id: int, text: str) -> dict:
    return {"update_id": update_id,
            "message": {"message_id": update_id, "date": 1_700_000_000, "text": text,
                        "chat": {"id": chat_id, "type": "private", "first_name": "测试"},
                        "from": {"id": chat_id, "is_bot": False, "first_name": "测试"}}}


def test_webhook_mode_registers_the_webhook_with_its_secret(webhook_bridge: tuple[RunningBridge, str],
                                                            webhook_api: FakeTelegramAPI) -> None:
    _, hook_url = webhook_bridge
    call = webhook_api.wait_for_call("setWebhook")[0]
    assert call["url"] == hook_url
    assert call["secret_token"] == WEBHOOK_SECRET
    assert webhook_api.calls("getUpdates") == []


def test_webhook_rejects_wrong_secret_and_accepts_right_one(webhook_bridge: tuple[RunningBridge, str],
                                                            webhook_api: FakeTelegramAPI, rasa: FakeRasa,
                                                            chat_id: int) -> None:
    _, hook_url = webhook_bridge
    header = "X-Telegram-Bot-Api-Secret-Token"
    wrong = httpx.post(hook_url, json=_update(1, chat_id, "伪造的消息"), headers={header: "wrong"}, timeout=10)
    missing = httpx.post(hook_url, json=_update(2, chat_id, "伪造的消息"), timeout=10)
    assert wrong.status_code == 403
    assert missing.status_code == 403
    right = httpx.post(hook_url, json=_update(3, chat_id, "真实的消息"), headers={header: WEBHOOK_SECRET}, timeout=10)
    assert right.status_code == 200
    assert [r["message"] for r in rasa.wait_for_received(f"tg:{chat_id}")] == ["真实的消息"]
    assert webhook_api.wait_for_messages(chat_id)[0]["text"] == "收到：真实的消息"


def test_webhook_update_delivered_twice_is_relayed_once(webhook_bridge: tuple[RunningBridge, str],
                                                         webhook_api: FakeTelegramAPI, rasa: FakeRasa,
                                                         chat_id: int) -> None:
    # Telegram redelivers an update whose answer it did not get: the citizen's message is still one turn.
    _, hook_url = webhook_bridge
    header = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    update_id = 900_000 + chat_id
    for _ in range(2):
        response = httpx.post(hook_url, json=_update(update_id, chat_id, "路灯坏了"), headers=header, timeout=10)
        assert response.status_code == 200
    later = httpx.post(hook_url, json=_update(update_id + 1, chat_id, "在哪里"), headers=header, timeout=10)
    assert later.status_code == 200
    received = rasa.wait_for_received(f"tg:{chat_id}", 2)  # updates of one chat are handled in order
    assert [r["message"] for r in received] == ["路灯坏了", "在哪里"]
    assert received[0]["metadata"]["message_id"] == f"tg:{update_id}"
    assert [m["text"] for m in webhook_api.wait_for_messages(chat_id, 2)] == ["收到：路灯坏了", "收到：在哪里"]


def test_bridge_stops_cleanly_on_sigterm(rasa: FakeRasa, tmp_path: Path) -> None:
    api = FakeTelegramAPI().start()
    try:
        running = start_bridge(api, rasa, tmp_path / "bridge.log")
        assert stop_bridge(running) == 0
    finally:
        api.stop()
    assert "Telegram bridge stopped" in running.log_text()
    assert "Traceback" not in running.log_text()
