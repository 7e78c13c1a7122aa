"""WeChat's side of the server URL, played locally: messages as WeChat's servers post them — signed, and in
compatible and safe modes encrypted, with wechatpy's own crypto — and their passive replies read back.

For the connector's tests and the benchmark (``benchmarks/wechat_passive_window.py``), and for trying a running
connector by hand without a real account.
"""
from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass

import httpx
import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

ACCOUNT = "gh_rexian_test"  # the account's own id (ToUserName)
_ids = itertools.count(int(time.time() * 1000) % 10**12 * 1000)


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


@dataclass(frozen=True)
class Inbound:
    """One message as WeChat would post it (its XML and the ``MsgId`` a retry repeats)."""

    xml: str
    msg_id: int = 0


@dataclass(frozen=True)
class Answer:
    """WeChat's view of the connector's answer: the HTTP status and the passive reply's text ("" for none)."""

    status: int
    text: str
    raw: str


class WeChatServer:
    """Posts messages to a connector at ``url`` (its server URL) as WeChat would for one account."""

    def __init__(self, url: str, token: str, app_id: str, *, aes_key: str = "", mode: str = "plaintext",
                 account: str = ACCOUNT, timeout: float = 30.0) -> None:
        self.url = url
        self.token = token
        self.mode = mode
        self.account = account
        self.timeout = timeout
        self.crypto = WeChatCrypto(token, aes_key, app_id) if mode != "plaintext" else None

    # -- messages ------------------------------------------------------------------------------------------------
    def _message(self, openid: str, kind: str, fields: dict[str, str], msg_id: int | None,
                 create_time: int | None = None) -> Inbound:
        number = next(_ids) if msg_id is None else msg_id
        body = "".join(f"<{k}>{_cdata(v)}</{k}>" for k, v in fields.items())
        xml = (f"<xml><ToUserName>{_cdata(self.account)}</ToUserName><FromUserName>{_cdata(openid)}</FromUserName>"
               f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType>{_cdata(kind)}</MsgType>{body}"
               + (f"<MsgId>{number}</MsgId>" if kind != "event" else "") + "</xml>")
        return Inbound(xml, number if kind != "event" else 0)

    def text(self, openid: str, content: str, *, msg_id: int | None = None, menu_id: str = "") -> Inbound:
        fields = {"Content": content}
        if menu_id:
            fields["bizmsgmenuid"] = menu_id
        return self._message(openid, "text", fields, msg_id)

    def image(self, openid: str, media_id: str, *, msg_id: int | None = None) -> Inbound:
        return self._message(openid, "image", {"PicUrl": "http://mmbiz.qpic.cn/fake", "MediaId": media_id}, msg_id)

    def location(self, openid: str, lat: float, long: float, label: str, *, msg_id: int | None = None) -> Inbound:
        fields = {"Location_X": str(lat), "Location_Y": str(long), "Scale": "15", "Label": label}
        return self._message(openid, "location", fields, msg_id)

    def voice(self, openid: str, recognition: str = "", *, msg_id: int | None = None) -> Inbound:
        fields = {"MediaId": "voice-" + secrets.token_hex(4), "Format": "amr", "Recognition": recognition}
        return self._message(openid, "voice", fields, msg_id)

    def event(self, openid: str, event: str, key: str = "", *, create_time: int | None = None) -> Inbound:
        return self._message(openid, "event", {"Event": event, "EventKey": key}, None, create_time)

    # -- the HTTP side ---------------------------------------------------------------------------------------
    def verify(self, echostr: str = "echo-123", *, forged: bool = False) -> httpx.Response:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        signature = _signature(self.token + ("x" if forged else ""), timestamp, nonce)
        return httpx.get(self.url, params={"signature": signature, "timestamp": timestamp, "nonce": nonce,
                                           "echostr": echostr}, timeout=self.timeout)

    def post(self, message: Inbound, *, forged: bool = False) -> Answer:
        """Post ``message`` as WeChat would (``forged``: signed with a wrong token) and read the passive reply."""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        token = self.token + ("x" if forged else "")
        params = {"signature": _signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                  "openid": self._openid(message)}
        body = message.xml
        if self.crypto is not None:
            sealed = xmltodict.parse(self.crypto.encrypt_message(message.xml, nonce, timestamp))["xml"]
            encrypt = sealed["Encrypt"]
            params.update(encrypt_type="aes", msg_signature=_signature(token, timestamp, nonce, encrypt))
            inner = message.xml[len("<xml>"):-len("</xml>")] if self.mode == "compatible" else \
                f"<ToUserName>{_cdata(self.account)}</ToUserName>"
            body = f"<xml>{inner}<Encrypt>{_cdata(encrypt)}</Encrypt></xml>"
        response = httpx.post(self.url, params=params, content=body.encode("utf-8"), timeout=self.timeout,
                              headers={"Content-Type": "text/xml"})
        return Answer(response.status_code, self._reply_text(response), response.text)

    def _openid(self, message: Inbound) -> str:
        return str(xmltodict.parse(message.xml)["xml"]["FromUserName"])

    def _reply_text(self, response: httpx.Response) -> str:
        raw = response.text
        if response.status_code != 200 or not raw.strip().startswith("<xml"):
            return ""
        if "<Encrypt>" in raw:
            if self.crypto is None:
                raise ValueError("an encrypted reply in plaintext mode")
            sealed = xmltodict.parse(raw)["xml"]
            raw = self.crypto.decrypt_message(raw, sealed["MsgSignature"], sealed["TimeStamp"], sealed["Nonce"])
        reply = parse_message(raw)
        return str(getattr(reply, "content", "") or "")

