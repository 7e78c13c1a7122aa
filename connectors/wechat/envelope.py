"""WeChat's envelope around every request and passive reply: the signature and, in compatible and safe modes, the
AES encryption — all with wechatpy's own helpers.

* URL verification (``GET``): ``signature`` of token + timestamp + nonce; the answer is ``echostr``.
* Messages (``POST``): ``signature`` always; with ``encrypt_type=aes`` the body is ``<Encrypt>`` checked against
  ``msg_signature`` and decrypted, and the passive reply is encrypted the same way. Plaintext mode takes only plain
  bodies, safe mode only encrypted ones, compatible mode either (WeChat then sends both and we answer encrypted).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from configuration import WechatSettings

PLAINTEXT = "plaintext"
COMPATIBLE = "compatible"
SAFE = "safe"


class BadSignature(Exception):
    """The request was not signed with our token (or not encrypted for our account): 403."""


@dataclass(frozen=True)
class Envelope:
    """How one request came (its query parameters) and so how its passive reply goes back."""

    timestamp: str
    nonce: str
    encrypted: bool


class Sealer:
    """Checks and opens requests and seals passive replies for one account's token, AES key and mode."""

    def __init__(self, settings: WechatSettings) -> None:
        self.token = settings.token
        self.mode = settings.mode
        self.app_id = settings.app_id
        self._crypto = (WeChatCrypto(settings.token, settings.aes_key, settings.app_id)
                        if settings.mode in (COMPATIBLE, SAFE) and settings.aes_key else None)

    def _check(self, params: Mapping[str, str]) -> None:
        try:
            check_signature(self.token, params.get("signature", ""), params.get("timestamp", ""),
                            params.get("nonce", ""))
        except InvalidSignatureException as exc:
            raise BadSignature("signature") from exc

    def verify_url(self, params: Mapping[str, str]) -> str:
        """The ``echostr`` to answer WeChat's server-URL check with; raises :class:`BadSignature`."""
        self._check(params)
        return params.get("echostr", "")

    def open(self, params: Mapping[str, str], body: bytes) -> tuple[str, Envelope]:
        """The message XML of a ``POST`` and its envelope; raises :class:`BadSignature`."""
        self._check(params)
        encrypted = params.get("encrypt_type", "").lower() == "aes"
        envelope = Envelope(params.get("timestamp", ""), params.get("nonce", ""), encrypted)
        if not encrypted:
            if self.mode == SAFE:
                raise BadSignature("plaintext message in safe mode")
            return body.decode("utf-8"), envelope
        if self._crypto is None:
            raise BadSignature("encrypted message but no EncodingAESKey configured (plaintext mode)")
        try:
            xml = self._crypto.decrypt_message(body, params.get("msg_signature", ""), envelope.timestamp,
                                               envelope.nonce)
        except InvalidSignatureException as exc:
            raise BadSignature("msg_signature") from exc
        except Exception as exc:  # noqa: BLE001 - not our AES key / app id, or no <Encrypt>: not for us
            raise BadSignature(f"undecryptable ({type(exc).__name__})") from exc
        return xml, envelope

    def seal(self, reply_xml: str, envelope: Envelope) -> str:
        """The passive reply as WeChat expects it for this request (``""`` stays ``""``)."""
        if not reply_xml or not envelope.encrypted or self._crypto is None:
            return reply_xml
        return self._crypto.encrypt_message(reply_xml, envelope.nonce, envelope.timestamp)
