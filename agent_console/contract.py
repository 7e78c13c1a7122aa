"""The console's internal API for the bot side, and a small blocking client of it (like :mod:`connectors.push`).

Every call carries ``X-Rexian-Console-Token: <console.internal_token>`` (401 otherwise)::

    POST /internal/handoff    open, or refresh, the waiting conversation of a sender (HandoffRequest → HandoffAnswer)
    POST /internal/message    a new message of a handed-off conversation (MessageRequest → MessageAnswer;
                              404 when the sender has no open handoff: the bot should answer it itself)
    GET  /internal/handoff/{sender_id}   is the bot paused for this sender, and who has it (HandoffStatus)
    POST /internal/handoff/{sender_id}/cancel   the citizen withdraws a handoff that still waits (CancelRequest →
                              CancelAnswer; ``cancelled: false`` once an agent has it; 404 when none is open)

A sender has at most one open handoff (state ``waiting`` or ``assigned``). ``transcript`` items and messages may
carry the bot's own ``id`` for them (e.g. the Rasa event's timestamp): sending the transcript again on a refresh
never duplicates a message. Without an ``id``, role + time + text identify a message.

This module imports only pydantic, httpx and :mod:`configuration` (the development token), so the bot's actions
can import it without pulling in the console (docs/architecture.md: it sits with the clients, like
``connectors.push``).
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import BaseModel, Field

from configuration import DEV_CONSOLE_TOKEN

HANDOFF_PATH = "/internal/handoff"
MESSAGE_PATH = "/internal/message"
CONSOLE_TOKEN_HEADER = "X-Rexian-Console-Token"

#: Why the bot handed the conversation over.
CITIZEN_REQUEST = "citizen_request"   # the citizen asked for a human ("转人工")
EMERGENCY = "emergency"               # the emergency protocol fired
BOT_GAVE_UP = "bot_gave_up"           # repeated no-match
Reason = Literal["citizen_request", "emergency", "bot_gave_up"]
REASONS: tuple[str, ...] = (CITIZEN_REQUEST, EMERGENCY, BOT_GAVE_UP)

#: States of a handoff. ``returned``: handed back to the bot; ``closed``: ended by an agent (the bot resumed too).
WAITING, ASSIGNED, RETURNED, CLOSED = "waiting", "assigned", "returned", "closed"
OPEN_STATES: tuple[str, ...] = (WAITING, ASSIGNED)
STATES: tuple[str, ...] = (WAITING, ASSIGNED, RETURNED, CLOSED)

SENDER_PATTERN = r"^[A-Za-z0-9_.:@+=-]{1,200}$"
MAX_TEXT = 4000
MAX_TRANSCRIPT = 500


class TranscriptItem(BaseModel):
    role: Literal["citizen", "bot"]
    text: str = Field(max_length=MAX_TEXT)
    at: datetime | None = None                 # when it was said (aware; naive means UTC); default: received now
    id: str | None = Field(default=None, max_length=200)  # the bot's id for it: a refresh never duplicates it
    understanding: dict[str, Any] | None = None  # citizen messages: ``Understanding.to_dict()`` v1 (docs/decisions.md)


class HandoffRequest(BaseModel):
    sender_id: str = Field(pattern=SENDER_PATTERN)   # ``web:…``, ``tg:…``: the id the connector uses with Rasa
    channel: str | None = None                       # default: from the sender id (domain.channel_of_sender)
    reason: Reason
    transcript: list[TranscriptItem] = Field(default_factory=list, max_length=MAX_TRANSCRIPT)
    understanding: dict[str, Any] | None = None      # of the latest citizen message, if not in the transcript
    gist: str | None = Field(default=None, max_length=200)  # one line for the queue; default: from the transcript


class HandoffAnswer(BaseModel):
    conversation_id: int
    state: str
    created: bool                  # False: an open handoff of this sender was refreshed
    position: int | None = None    # 1-based place in the queue while waiting
    waiting: int = 0               # conversations waiting in all
    agents_online: int = 0         # agents with a live console now (0: tell the citizen nobody is on duty)


class MessageRequest(BaseModel):
    sender_id: str = Field(pattern=SENDER_PATTERN)
    text: str = Field(max_length=MAX_TEXT)
    role: Literal["citizen", "bot"] = "citizen"
    at: datetime | None = None
    id: str | None = Field(default=None, max_length=200)
    understanding: dict[str, Any] | None = None


class MessageAnswer(BaseModel):
    conversation_id: int
    state: str
    stored: bool                   # False: a message with this id was already there


class CancelRequest(BaseModel):
    """The citizen's message that withdraws the handoff ("取消转人工", "不用了"), kept in the transcript."""

    text: str = Field(default="", max_length=MAX_TEXT)
    at: datetime | None = None
    id: str | None = Field(default=None, max_length=200)
    understanding: dict[str, Any] | None = None


class CancelAnswer(BaseModel):
    conversation_id: int
    cancelled: bool                # True: taken off the queue, the bot serves the citizen again
    state: str                     # returned when cancelled; assigned: an agent has it (relay the message instead)


class HandoffStatus(BaseModel):
    paused: bool                   # True while a handoff is open: the bot must not answer this sender
    conversation_id: int | None = None
    state: str | None = None
    reason: str | None = None
    agent: str | None = None       # display name of the agent who has it
    position: int | None = None


def effective_token(configured: str) -> str:
    return configured or DEV_CONSOLE_TOKEN


def token_ok(presented: str | None, configured: str) -> bool:
    return presented is not None and hmac.compare_digest(presented.encode(), effective_token(configured).encode())


class ConsoleClient:
    """Blocking client of the internal API; raises ``httpx.HTTPError`` on a network error or an error answer."""

    def __init__(self, base_url: str, token: str = "", *, timeout: float = 5.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport,
                                  headers={CONSOLE_TOKEN_HEADER: effective_token(token)})

    def close(self) -> None:
        self._http.close()

    def handoff(self, request: HandoffRequest) -> HandoffAnswer:
        response = self._http.post(HANDOFF_PATH, content=request.model_dump_json(),
                                   headers={"Content-Type": "application/json"})
        response.raise_for_status()
        return HandoffAnswer.model_validate(response.json())

    def message(self, request: MessageRequest) -> MessageAnswer | None:
        """Store a message of a handed-off conversation; None when the sender has no open handoff."""
        response = self._http.post(MESSAGE_PATH, content=request.model_dump_json(),
                                   headers={"Content-Type": "application/json"})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return MessageAnswer.model_validate(response.json())

    def status(self, sender_id: str) -> HandoffStatus:
        response = self._http.get(f"{HANDOFF_PATH}/{quote(sender_id, safe=':@+=')}")
        response.raise_for_status()
        return HandoffStatus.model_validate(response.json())

    def cancel(self, sender_id: str, request: CancelRequest) -> CancelAnswer | None:
        """Withdraw the sender's waiting handoff; None when the sender has no open handoff."""
        response = self._http.post(f"{HANDOFF_PATH}/{quote(sender_id, safe=':@+=')}/cancel",
                                   content=request.model_dump_json(), headers={"Content-Type": "application/json"})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return CancelAnswer.model_validate(response.json())
