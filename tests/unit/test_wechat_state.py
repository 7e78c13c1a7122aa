"""The connector's shared state (seen messages, contacts, kept messages), its envelope and its settings."""
from __future__ import annotations

import asyncio
import base64
import os
import threading
from pathlib import Path

import pytest
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from configuration import ConfigError, WechatSettings, load_config
from connectors.push import PushButton, PushMessage
from connectors.wechat.contacts import Contacts
from connectors.wechat.dedupe import ANSWERED, DEFERRED, PROCESSING, Seen, SeenMessages, message_key
from connectors.wechat.envelope import BadSignature, Envelope, Sealer
from connectors.wechat.settings import ConnectorSettings, SettingsError

AES_KEY = base64.b64encode(os.urandom(32)).decode()[:43]


def test_message_key_uses_msgid_or_sender_and_time() -> None:
    assert message_key(123, "o1", 1700000000) == "msg:123"
    assert message_key(0, "o1", 1700000000, "subscribe") == "event:o1:1700000000:subscribe"


def test_a_message_is_claimed_once_across_instances(tmp_path: Path) -> None:
    one, two = SeenMessages(tmp_path / "w.sqlite3"), SeenMessages(tmp_path / "w.sqlite3")
    assert one.claim("msg:1") is None
    assert two.claim("msg:1") == Seen(PROCESSING)
    one.answered("msg:1", "<xml>reply</xml>")
    assert two.claim("msg:1") == Seen(ANSWERED, "<xml>reply</xml>")
    assert two.claim("msg:2") is None
    two.deferred("msg:2")
    assert SeenMessages(tmp_path / "w.sqlite3").claim("msg:2") == Seen(DEFERRED)  # a restart remembers


def test_only_one_of_many_concurrent_claims_wins(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    SeenMessages(path)
    winners: list[bool] = []
    start = threading.Barrier(8)

    def claim() -> None:
        store = SeenMessages(path)
        start.wait()
        winners.append(store.claim("msg:race") is None)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(winners) == [False] * 7 + [True]


def test_a_retry_waits_for_the_first_answer(tmp_path: Path) -> None:
    seen = SeenMessages(tmp_path / "w.sqlite3", poll_seconds=0.01)
    seen.claim("msg:9")

    async def scenario() -> Seen:
        waiting = asyncio.ensure_future(seen.wait("msg:9", timeout=30))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        seen.answered("msg:9", "<xml>ok</xml>")
        return await waiting

    assert asyncio.run(scenario()) == Seen(ANSWERED, "<xml>ok</xml>")


def test_the_48_hour_window_and_kept_messages(tmp_path: Path) -> None:
    now = [1_000_000.0]
    contacts = Contacts(tmp_path / "w.sqlite3", window_hours=48, clock=lambda: now[0])
    assert not contacts.within_window("o1")  # never wrote
    contacts.wrote("o1")
    now[0] += 47.9 * 3600
    assert contacts.within_window("o1")
    now[0] += 0.2 * 3600
    assert not contacts.within_window("o1")
    survey = [PushMessage(text="满意吗？", buttons=[PushButton(title="满意", payload="/survey_resolved")])]
    contacts.keep("o1", survey)
    contacts.keep("o1", [PushMessage(text="第二条")])
    assert contacts.take_kept("o1") == [*survey, PushMessage(text="第二条")]
    assert contacts.take_kept("o1") == []


def _settings(mode: str) -> WechatSettings:
    return WechatSettings(app_id="wx1", secret="s", token="tok", aes_key=AES_KEY, mode=mode)


def test_sealer_opens_and_seals_encrypted_messages() -> None:
    crypto = WeChatCrypto("tok", AES_KEY, "wx1")
    xml = "<xml><ToUserName><![CDATA[gh]]></ToUserName><Content><![CDATA[你好]]></Content></xml>"
    sealed = crypto.encrypt_message(xml, "n1", "1700000000")
    encrypt = sealed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    msg_signature = sealed.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    signer = WeChatSigner()
    signer.add_data("tok", "1700000000", "n1")
    params = {"signature": signer.signature, "timestamp": "1700000000", "nonce": "n1", "encrypt_type": "aes",
              "msg_signature": msg_signature}
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    sealer = Sealer(_settings("safe"))
    opened, envelope = sealer.open(params, body)
    assert opened == xml and envelope == Envelope("1700000000", "n1", True)
    with pytest.raises(BadSignature):
        sealer.open({**params, "msg_signature": "0" * 40}, body)
    with pytest.raises(BadSignature):
        sealer.open({k: v for k, v in params.items() if k not in ("encrypt_type", "msg_signature")}, b"<xml/>")
    reply = sealer.seal("<xml><Content>好</Content></xml>", envelope)
    assert "<Encrypt>" in reply and "好" not in reply
    assert sealer.seal("", envelope) == ""
    with pytest.raises(BadSignature):  # plaintext mode has no key to open it with
        Sealer(_settings("plaintext")).open(params, body)


def test_wechat_settings_from_the_environment() -> None:
    settings = load_config({"REXIAN_WECHAT_APP_ID": " wx1 ", "REXIAN_WECHAT_MODE": "Safe",
                            "REXIAN_WECHAT_MENU": '{"button": [{"type": "click", "name": "投诉", "key": "COMPLAIN"}]}',
                            "REXIAN_WECHAT_PATH": "wx"}).wechat
    assert (settings.app_id, settings.mode, settings.path, settings.enabled) == ("wx1", "safe", "/wx", True)
    assert settings.menu == {"button": [{"type": "click", "name": "投诉", "key": "COMPLAIN"}]}
    assert settings.effective_public_url == "http://127.0.0.1:8030"
    assert load_config({}).wechat.menu["button"][0]["key"] == "CONSULT"
    with pytest.raises(ConfigError):
        load_config({"REXIAN_WECHAT_MODE": "encrypted"})


def test_connector_settings_say_what_is_missing() -> None:
    with pytest.raises(SettingsError, match="REXIAN_WECHAT_APP_ID"):
        ConnectorSettings(rasa_url="http://r").validate()
    with pytest.raises(SettingsError, match="REXIAN_WECHAT_AES_KEY"):
        ConnectorSettings(app_id="wx1", secret="s", token="t", mode="safe", rasa_url="http://r").validate()
    ConnectorSettings(app_id="wx1", secret="s", token="t", mode="safe", aes_key=AES_KEY, rasa_url="http://r").validate()
