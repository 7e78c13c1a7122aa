"""What each kind of WeChat message means for the bot: text for Rasa (with photos or a location as metadata), a
reply the connector gives itself, or nothing.

* text → Rasa (a number / option title / msgmenu click that picks an offered option → that option's payload);
* image → the placeholder text with the photo as our own media-proxy URL (no access token reaches a work order);
* location → its label as text plus the coordinates;
* voice → WeChat's recognition text, else a polite request to type;
* subscribe → the greeting; unsubscribe → nothing; menu ``CLICK`` → the intent behind the button.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connectors.rasa_bridge import LOCATION_PLACEHOLDER, PHOTO_PLACEHOLDER, typed_text
from connectors.wechat import texts
from connectors.wechat.options import Option, choose

logger = logging.getLogger(__name__)

#: The custom menu's CLICK keys (``wechat.menu``) and what they send to the bot: the payloads of the web chat's and
#: Telegram's buttons. 咨询 needs the question itself, so the connector asks for it.
CLICK_PAYLOADS = {"COMPLAIN": "/complain", "ORDER_STATUS": "/query_status", "AGENT": "/ask_human"}
CLICK_REPLIES = {"CONSULT": texts.CONSULT_PROMPT}


@dataclass(frozen=True)
class ToBot:
    """Relay ``text`` (and ``metadata``) to Rasa."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Say:
    """The connector answers by itself; Rasa hears nothing."""

    text: str


@dataclass(frozen=True)
class Ignore:
    """Nothing is sent (``why`` is logged)."""

    why: str


Meaning = ToBot | Say | Ignore
PhotoURL = Callable[[str], str]  # media id → our proxy URL


def _raw(message: Any, name: str) -> str:
    """A field of the message's XML that wechatpy does not name (``bizmsgmenuid``)."""
    return str(getattr(message, "_data", {}).get(name) or "")


def interpret(message: Any, options: list[Option], photo_url: PhotoURL) -> Meaning:
    """What the parsed wechatpy ``message`` means, given the options last offered to its sender."""
    kind = message.type
    if kind == "text":
        picked = choose(options, message.content or "", _raw(message, "bizmsgmenuid"))
        if picked is not None:
            return ToBot(picked.payload)
        text = typed_text(message.content or "")
        return ToBot(text) if text else Say(texts.EMPTY_TEXT)
    if kind == "image":
        return ToBot(PHOTO_PLACEHOLDER, {"photos": [photo_url(message.media_id)]})
    if kind == "location":
        return _location(message)
    if kind == "voice":
        heard = typed_text(message.recognition or "")
        if heard:
            picked = choose(options, heard)
            return ToBot(picked.payload if picked else heard)
        return Say(texts.VOICE_NOT_RECOGNISED)
    if kind == "event":
        return _event(message)
    return Say(texts.UNSUPPORTED)


def _location(message: Any) -> Meaning:
    try:
        lat, long = float(message.location_x), float(message.location_y)
    except (TypeError, ValueError):
        return Say(texts.UNSUPPORTED)
    label = typed_text(message.label or "")
    return ToBot(label or LOCATION_PLACEHOLDER, {"location": {"lat": lat, "long": long, "label": label}})


def _event(message: Any) -> Meaning:
    event = (message.event or "").lower()
    if event in ("subscribe", "subscribe_scan"):
        return Say(texts.SUBSCRIBED)
    if event == "unsubscribe":
        return Ignore("unsubscribed")
    if event == "click":
        key = (message.key or "").strip()
        if key in CLICK_PAYLOADS:
            return ToBot(CLICK_PAYLOADS[key])
        if key in CLICK_REPLIES:
            return Say(CLICK_REPLIES[key])
        return Ignore(f"menu key {key!r} is not one of the bot's")
    return Ignore(f"event {event}")
