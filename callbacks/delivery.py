"""Delivering the survey's first messages through the citizen's chat connector (``connectors.push``)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.push import PushButton, PushMessage, PushRequest, PushResult, push

PushFunc = Callable[[str, str, PushRequest], PushResult]


class Delivery(enum.Enum):
    SENT = "sent"                # delivered, or queued until the citizen opens the page
    UNREACHABLE = "unreachable"  # no push on this channel, or the connector does not know the recipient (404)
    RETRY = "retry"              # network error, 5xx, 401: try again later


def to_push_messages(messages: list[dict[str, Any]]) -> list[PushMessage]:
    """Rasa's collected messages (text, buttons; images as a link) as connector push messages."""
    out = []
    for message in messages:
        text = str(message.get("text") or "")
        if message.get("image"):
            text = (text + "\n" if text else "") + str(message["image"])
        buttons = [PushButton(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
                   for b in message.get("buttons") or [] if isinstance(b, dict)]
        if text or buttons:
            out.append(PushMessage(text=text, buttons=buttons))
    return out


@dataclass
class Pusher:
    """Sends to ``push_urls[channel]``; channels without an entry have no push."""

    push_urls: Mapping[str, str]
    token: str
    send: PushFunc = push

    def can_push(self, channel: str | None) -> bool:
        return bool(channel) and channel in self.push_urls

    def deliver(self, channel: str, recipient: str, messages: list[PushMessage]) -> tuple[Delivery, str, PushResult | None]:
        """Push the messages; the outcome, a short reason for the log (never the recipient) and the connector's
        answer when it took them (its ``path``, e.g. WeChat's ``template``, is kept with the survey)."""
        if not self.can_push(channel):
            return Delivery.UNREACHABLE, f"渠道 {channel or '（无）'} 不支持主动推送", None
        try:
            result = self.send(self.push_urls[channel], self.token, PushRequest(recipient=recipient,
                                                                                 messages=messages))
        except httpx.HTTPStatusError as exc:
            status = exc.response.status_code
            if status == 404:
                return Delivery.UNREACHABLE, "连接器不认识该用户（404）", None
            return Delivery.RETRY, f"连接器返回 HTTP {status}", None
        except httpx.HTTPError as exc:
            return Delivery.RETRY, f"连接器无法访问：{type(exc).__name__}", None
        return Delivery.SENT, "已送达" if result.delivered else "已排队，等用户打开页面", result
