"""Channels a citizen writes from, and how a Rasa sender id names its channel (``web:…``, ``tg:…``, ``wx:…``)."""

from __future__ import annotations

WEBCHAT = "webchat"
TELEGRAM = "telegram"
WECHAT = "wechat"
REST = "rest"
SEAT = "seat"  # a seat agent (话务员) typing for a caller on the phone
#: Sender-id prefix → channel.
CHANNEL_PREFIXES: dict[str, str] = {"web": WEBCHAT, "tg": TELEGRAM, "wx": WECHAT, "seat": SEAT}


def channel_of_sender(sender_id: str) -> str:
    """The channel of a sender id ``<prefix>:<id>``; :data:`REST` when it has no known prefix."""
    prefix = sender_id.split(":", 1)[0] if ":" in sender_id else ""
    return CHANNEL_PREFIXES.get(prefix, REST)
