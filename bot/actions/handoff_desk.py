"""The bot's side of the seat-agent console (docs/console.md): may this conversation go to a human now, and how did
handing it over (or relaying a message of it) go. Plain Python around :class:`agent_console.contract.ConsoleClient`,
no Rasa: the actions in :mod:`bot.actions.handoff` turn the outcomes into replies and slots.

A conversation is handed over only when an agent can really answer it: its channel has a connector the console
pushes replies to (web chat, Telegram), it is inside the configured service hours (``console.service_hours``, read
at each handoff) and the console answered. Anything else is an honest "not now" for the citizen, never a queue
nobody will look at.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import httpx
from pydantic import ValidationError

from agent_console.contract import (
    WAITING,
    CancelRequest,
    HandoffAnswer,
    HandoffRequest,
    MessageAnswer,
    MessageRequest,
    TranscriptItem,
)
from configuration import ServiceHours
from domain import TELEGRAM, WEBCHAT, beijing_now, channel_of_sender

logger = logging.getLogger(__name__)

#: Channels whose connector serves ``POST /internal/push``, so an agent's reply reaches the citizen there
#: (WeChat joins when its connector does). Rasa's bare REST channel has none: nobody could answer.
AGENT_CHANNELS: tuple[str, ...] = (WEBCHAT, TELEGRAM)


class ConsoleAPI(Protocol):
    """What the bot uses of :class:`agent_console.contract.ConsoleClient` (a double in tests)."""

    def handoff(self, request: HandoffRequest) -> HandoffAnswer: ...

    def message(self, request: MessageRequest) -> MessageAnswer | None: ...

    def cancel(self, sender_id: str, request: CancelRequest) -> Any: ...  # CancelAnswer | None


class Outcome(str, Enum):
    """How a handoff went."""

    QUEUED = "queued"            # the console has it (waiting in the queue, or already with an agent)
    OFF_HOURS = "off_hours"      # outside the service hours: not handed over
    NO_CHANNEL = "no_channel"    # agents cannot answer on this channel: not handed over
    UNREACHABLE = "unreachable"  # the console did not answer: not handed over


@dataclass(frozen=True)
class HandoffResult:
    outcome: Outcome
    reason: str
    hours: str = ""                     # the service hours for the citizen ("每天 08:00-20:00"; "" never)
    answer: HandoffAnswer | None = None

    @property
    def open(self) -> bool:
        """The console has the conversation: the bot relays the citizen's messages from now on."""
        return self.outcome is Outcome.QUEUED

    @property
    def position(self) -> int | None:
        return self.answer.position if self.answer else None

    @property
    def agents_online(self) -> int | None:
        return self.answer.agents_online if self.answer else None

    @property
    def with_agent(self) -> bool:
        """An agent already has the conversation (a refresh of an open handoff)."""
        return self.answer is not None and self.answer.state != WAITING

    def payload(self) -> dict[str, Any]:
        """The ``handoff`` of the turn's decision (docs/decisions.md)."""
        return {"reason": self.reason, "outcome": self.outcome.value, "open": self.open,
                "state": self.answer.state if self.answer else None, "position": self.position,
                "agents_online": self.agents_online}


class Relay(str, Enum):
    """How relaying one message of an open handoff went."""

    STORED = "stored"            # the console has it (or had it already)
    CLOSED = "closed"            # no open handoff any more (handed back, closed): the bot answers itself
    UNREACHABLE = "unreachable"  # the console did not answer: the message is not with the agents


@dataclass(frozen=True)
class RelayResult:
    status: Relay
    state: str | None = None     # the handoff's state: waiting or assigned

    def payload(self) -> dict[str, Any]:
        return {"reason": None, "outcome": "relayed" if self.status is Relay.STORED else self.status.value,
                "open": self.status is not Relay.CLOSED, "state": self.state, "position": None,
                "agents_online": None}


class Withdrawal(str, Enum):
    """How the citizen's "取消转人工" went."""

    CANCELLED = "cancelled"      # it was still waiting: off the queue, the bot serves the citizen again
    WITH_AGENT = "with_agent"    # an agent has it already: the words go to the agent like any message
    CLOSED = "closed"            # no open handoff any more: the bot answers itself
    UNREACHABLE = "unreachable"  # the console did not answer: nothing changed


class HandoffDesk:
    """Hands conversations to the console and relays their messages; ``client`` None: no console at all."""

    def __init__(self, client: ConsoleAPI | None, hours: Callable[[], ServiceHours], *,
                 clock: Callable[[], dt.datetime] = beijing_now,
                 channels: Collection[str] = AGENT_CHANNELS) -> None:
        self.client = client
        self.hours = hours
        self.clock = clock
        self.channels = tuple(channels)

    def can_answer_on(self, sender_id: str) -> bool:
        return channel_of_sender(sender_id) in self.channels

    def open(self, sender_id: str, reason: str, transcript: Sequence[TranscriptItem],
             understanding: dict[str, Any] | None = None) -> HandoffResult:
        """Hand the conversation over if an agent can answer it now."""
        hours = self.hours()
        if self.client is None or not self.can_answer_on(sender_id):
            logger.info("handoff (%s) not possible on channel %s", reason, channel_of_sender(sender_id))
            return HandoffResult(Outcome.NO_CHANNEL, reason, hours.describe())
        if not hours.on_duty(self.clock()):
            logger.info("handoff (%s) outside the service hours", reason)
            return HandoffResult(Outcome.OFF_HOURS, reason, hours.describe())
        request = HandoffRequest(sender_id=sender_id, reason=reason,  # type: ignore[arg-type]
                                 transcript=list(transcript)[-500:], understanding=understanding)
        try:
            answer = self.client.handoff(request)
        except (httpx.HTTPError, ValidationError) as exc:
            logger.warning("handoff (%s): the console did not answer: %s", reason, type(exc).__name__)
            return HandoffResult(Outcome.UNREACHABLE, reason, hours.describe())
        logger.info("handoff (%s): conversation %d %s, position %s, %d agent(s) online", reason,
                    answer.conversation_id, answer.state, answer.position, answer.agents_online)
        return HandoffResult(Outcome.QUEUED, reason, hours.describe(), answer)

    def cancel(self, sender_id: str, request: CancelRequest) -> Withdrawal:
        """Withdraw the sender's handoff if it still waits for an agent."""
        if self.client is None:
            return Withdrawal.CLOSED
        try:
            answer = self.client.cancel(sender_id, request)
        except (httpx.HTTPError, ValidationError) as exc:
            logger.warning("cancel: the console did not answer: %s", type(exc).__name__)
            return Withdrawal.UNREACHABLE
        if answer is None:
            return Withdrawal.CLOSED
        logger.info("cancel: conversation %d %s", answer.conversation_id,
                    "withdrawn by the citizen" if answer.cancelled else f"stays ({answer.state})")
        return Withdrawal.CANCELLED if answer.cancelled else Withdrawal.WITH_AGENT

    def relay(self, request: MessageRequest) -> RelayResult:
        """Give the console one message of the sender's open handoff."""
        if self.client is None:
            return RelayResult(Relay.CLOSED)
        try:
            answer = self.client.message(request)
        except (httpx.HTTPError, ValidationError) as exc:
            logger.warning("relay: the console did not answer: %s", type(exc).__name__)
            return RelayResult(Relay.UNREACHABLE)
        if answer is None:
            return RelayResult(Relay.CLOSED)
        return RelayResult(Relay.STORED, answer.state)
