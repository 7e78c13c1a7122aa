"""The contract for messages the bot sends first (surveys): every connector serves ``POST /internal/push``.

A connector receives::

    POST /internal/push
    X-Rexian-Push-Token: <callbacks.push_token>
    {"recipient": "tg:123456789", "messages": [{"text": "...", "buttons": [{"title": "...", "payload": "..."}]}]}

``recipient`` is the sender id the connector itself uses with Rasa (``web:<uuid>``, ``tg:<chat id>``, …). The
answer is ``{"delivered": true}`` when the message reached the citizen's app (Telegram), ``{"delivered": false,
"queued": true}`` when it waits for the citizen to open the page (web chat); ``path`` says how a channel with
several ways sent it (WeChat: ``customer_service`` or ``template``). 401 for a wrong token, 404 for a
recipient the connector does not serve, 502 when the messaging platform refused it.
"""
from __future__ import annotations

import hmac

import httpx
from pydantic import BaseModel, Field

PUSH_PATH = "/internal/push"
PUSH_TOKEN_HEADER = "X-Rexian-Push-Token"
DEV_PUSH_TOKEN = "rexian-dev-push-token"  # development only; production sets REXIAN_CALLBACKS_PUSH_TOKEN


class PushButton(BaseModel):
    title: str
    payload: str


class PushMessage(BaseModel):
    text: str = ""
    buttons: list[PushButton] = Field(default_factory=list)


class PushRequest(BaseModel):
    recipient: str
    messages: list[PushMessage]


class PushResult(BaseModel):
    delivered: bool
    queued: bool = False
    #: how it went out, for channels with more than one way: WeChat's "customer_service" (inside the 48-hour
    #: window) or "template" (an invitation outside it); empty for the other channels
    path: str = ""


def effective_token(configured: str) -> str:
    """The configured push token, or the development one when none is set."""
    return configured or DEV_PUSH_TOKEN


def token_ok(presented: str | None, configured: str) -> bool:
    return presented is not None and hmac.compare_digest(presented, effective_token(configured))


def push(base_url: str, token: str, request: PushRequest, *, timeout: float = 10.0) -> PushResult:
    """Send a push to a connector; raises ``httpx.HTTPError`` on a network error or a non-2xx answer."""
    response = httpx.post(base_url.rstrip("/") + PUSH_PATH, json=request.model_dump(),
                          headers={PUSH_TOKEN_HEADER: effective_token(token)}, timeout=timeout)
    response.raise_for_status()
    return PushResult.model_validate(response.json())
