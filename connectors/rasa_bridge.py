"""Talking to Rasa's REST channel: one message in, the bot's replies out. Shared by the chat-app connectors
(Telegram, WeChat): the client, what a citizen's typed text may carry to Rasa, and the texts a connector relays in
place of a photo or a location."""
from __future__ import annotations

import logging
from typing import Any

import httpx

from connectors.push import PushButton, PushMessage

logger = logging.getLogger(__name__)

REST_WEBHOOK_PATH = "/webhooks/rest/webhook"

PHOTO_PLACEHOLDER = "（图片）"  # the text relayed with a photo that has no caption
LOCATION_PLACEHOLDER = "（位置）"  # the text relayed with a shared location
BUSY = "系统繁忙，请稍后再试，或直接拨打12345热线。"  # Rasa could not be reached


def typed_text(text: str) -> str:
    """A citizen's typed text for Rasa: leading slashes removed, so typing ``/intent{...}`` cannot inject an intent
    (Rasa reads a message starting with ``/`` as an intent; only button payloads may do that)."""
    return text.strip().lstrip("/").strip()


class RasaUnavailable(RuntimeError):
    """Rasa could not be reached or answered with an error."""


def parse_replies(raw: Any) -> list[PushMessage]:
    """Rasa's REST answer (a list of ``{"text", "buttons", "image", ...}``) as outgoing messages."""
    if not isinstance(raw, list):
        raise RasaUnavailable("Rasa answered something that is not a list")
    messages = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        text = str(item.get("text") or "")
        image = item.get("image")
        if image:
            text = f"{text}\n{image}" if text else str(image)
        buttons = [
            PushButton(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in item.get("buttons") or [] if isinstance(b, dict) and b.get("payload")
        ]
        if text or buttons:
            messages.append(PushMessage(text=text, buttons=buttons))
    return messages


class RasaClient:
    """Posts messages to ``{rasa_url}/webhooks/rest/webhook``."""

    def __init__(self, rasa_url: str, *, timeout: float = 30.0, client: httpx.AsyncClient | None = None) -> None:
        self.url = rasa_url.rstrip("/") + REST_WEBHOOK_PATH
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[PushMessage]:
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        try:
            response = await self._client.post(self.url, json=body)
            response.raise_for_status()
            return parse_replies(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("Rasa server unreachable or failing: %s", type(exc).__name__)
            raise RasaUnavailable(str(exc)) from exc

    async def aclose(self) -> None:
        await self._client.aclose()
