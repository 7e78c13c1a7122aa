"""What leaves the console: agent replies to the citizen, and the bot's resumption on hand-back.

Both are protocols so tests and other deployments plug in their own:

* :class:`ReplySender` — :class:`PushReplySender` posts to the citizen's connector, ``POST /internal/push``
  (the contract in :mod:`connectors.push`, the same the satisfaction callbacks use), chosen by channel.
* :class:`BotResumer` — :class:`RasaResumer` appends Rasa's ``resume`` event to the conversation's tracker
  through Rasa's HTTP API (``POST /conversations/{id}/tracker/events?token=…``, Rasa 3.6; the server runs with
  ``--enable-api --auth-token``), so the bot answers this sender again with its state (slots, forms) intact.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from configuration import DEV_RASA_API_TOKEN
from connectors.push import PushMessage, PushRequest, push

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The reply did not reach the connector (unknown channel, connector down, refused); the message says why."""


class ResumeFailed(Exception):
    """The bot could not be resumed (Rasa unreachable or refusing)."""


@dataclass(frozen=True)
class Delivery:
    delivered: bool   # reached the citizen's app
    queued: bool      # waits for the citizen to open the page (web chat)


class ReplySender(Protocol):
    def send(self, recipient: str, channel: str, text: str) -> Delivery:
        """Send ``text`` to the citizen ``recipient`` (a sender id) on ``channel``; raises :class:`DeliveryFailed`."""
        ...


class BotResumer(Protocol):
    def resume(self, sender_id: str) -> None:
        """Let the bot answer ``sender_id`` again; raises :class:`ResumeFailed`."""
        ...


class PushReplySender:
    """Replies through the connectors' push contract; ``urls`` maps a channel to its connector's base URL."""

    def __init__(self, urls: Mapping[str, str], token: str = "", *, timeout: float = 10.0) -> None:
        self._urls = dict(urls)
        self._token = token
        self._timeout = timeout

    def send(self, recipient: str, channel: str, text: str) -> Delivery:
        base = self._urls.get(channel)
        if not base:
            raise DeliveryFailed(f"渠道“{channel}”未配置推送地址")
        request = PushRequest(recipient=recipient, messages=[PushMessage(text=text)])
        try:
            result = push(base, self._token, request, timeout=self._timeout)
        except httpx.HTTPStatusError as exc:
            code = exc.response.status_code
            reason = {401: "推送令牌无效", 404: "该渠道不认识这位市民", 502: "消息平台拒绝了消息"}.get(code, "渠道出错")
            raise DeliveryFailed(f"{reason}（HTTP {code}）") from exc
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"渠道无法连接（{type(exc).__name__}）") from exc
        return Delivery(delivered=result.delivered, queued=result.queued)


class RasaResumer:
    """Appends ``{"event": "resume"}`` (and ``extra_events``, e.g. a slot reset) to the sender's Rasa tracker."""

    def __init__(self, rasa_url: str, token: str = "", *, timeout: float = 10.0,
                 extra_events: Sequence[Mapping[str, Any]] = (),
                 transport: httpx.BaseTransport | None = None) -> None:
        self._token = token or DEV_RASA_API_TOKEN  # rasa.api_token's development default
        self._extra = [dict(e) for e in extra_events]
        self._http = httpx.Client(base_url=rasa_url.rstrip("/"), timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def resume(self, sender_id: str) -> None:
        # Rasa (Sanic) does not percent-decode the conversation id: keep ':' as it is (see callbacks/rasa.py)
        path = f"/conversations/{quote(sender_id, safe=':@+=')}/tracker/events"
        events = [{"event": "resume"}, *self._extra]
        try:
            response = self._http.post(path, params={"token": self._token, "include_events": "NONE"}, json=events)
        except httpx.HTTPError as exc:
            raise ResumeFailed(f"智能助手无法连接（{type(exc).__name__}）") from exc
        if response.status_code >= 400:
            raise ResumeFailed(f"智能助手返回 HTTP {response.status_code}")
