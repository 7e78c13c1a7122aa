"""Talking to Rasa's REST channel: one message in, the bot's replies out."""
from __future__ import annotations

import logging
from typing import Any

import httpx

from connectors.push import PushButton, PushMessage

logger = logging.getLogger(__name__)

REST_WEBHOOK_PATH = "/webhooks/rest/webhook"


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
