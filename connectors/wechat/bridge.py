"""The bridge between WeChat and Rasa: one inbound message in, the bot's answer out — passively within WeChat's
5 seconds, otherwise as customer-service messages — and pushes (surveys, agents' answers) to a citizen.

* **Retries**: every message is claimed once in the shared SQLite file (:mod:`connectors.wechat.dedupe`); a retry
  gets the first delivery's answer and never reaches Rasa again.
* **The 5-second rule**: Rasa gets ``passive_seconds`` (4 s); an answer in time is the passive reply, a later one
  goes out through the customer-service API once ready, and WeChat gets ``success`` at once.
* **Order**: a citizen's messages reach Rasa one at a time, in arrival order (per-user lock, as in Telegram).
* **The 48-hour rule**: a push inside the window goes out as customer-service messages; outside it the messages are
  kept, a template message invites the citizen back, and what they write next is answered with the kept messages
  (and not passed to Rasa, where it would be taken as the answer to a question they have not seen yet).
"""
from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from wechatpy.replies import create_reply

from connectors.push import PushMessage, PushResult
from connectors.rasa_bridge import RasaClient, RasaUnavailable
from connectors.wechat import texts
from connectors.wechat.api import OUT_OF_SERVICE_WINDOW, WeChatAPIError
from connectors.wechat.contacts import Contacts
from connectors.wechat.dedupe import ANSWERED, SeenMessages, message_key
from connectors.wechat.inbound import Ignore, PhotoURL, Say, ToBot, interpret
from connectors.wechat.options import OfferedOptions
from connectors.wechat.replies import Outgoing, Rendered, TextOut, customer_service, menu_as_text, passive

logger = logging.getLogger(__name__)

SENDER_PREFIX = "wx:"
CUSTOMER_SERVICE = "customer_service"
TEMPLATE = "template"
KEPT = "kept"  # outside the window and no template configured: kept until the citizen writes


def sender_id(openid: str) -> str:
    """The sender id the connector uses with Rasa (and the recipient of a push)."""
    return f"{SENDER_PREFIX}{openid}"


def openid_of(recipient: str) -> str | None:
    """The openid in ``wx:<openid>``; None for a recipient this connector does not serve."""
    if not recipient.startswith(SENDER_PREFIX) or len(recipient) == len(SENDER_PREFIX):
        return None
    return recipient[len(SENDER_PREFIX):]


class WeChatSender(Protocol):
    """The part of :class:`connectors.wechat.api.WeChatAPI` the bridge uses (blocking calls)."""

    def send_text(self, openid: str, text: str) -> None: ...

    def send_menu(self, openid: str, head: str, options: list[tuple[str, str]], tail: str) -> None: ...

    def send_template(self, openid: str, template_id: str, data: dict[str, Any], url: str | None = None) -> None: ...


class DeliveryError(Exception):
    """WeChat refused a customer-service or template message (``errcode`` as WeChat said)."""

    def __init__(self, errcode: int) -> None:
        super().__init__(f"WeChat refused the message (errcode {errcode})")
        self.errcode = errcode


@dataclass(frozen=True)
class Timing:
    """How long one message took: in total, and waiting for Rasa (benchmarks)."""

    total: float
    rasa: float
    passive: bool


class WeChatBridge:
    """Handles the parsed wechatpy messages of one account."""

    def __init__(self, rasa: RasaClient, api: WeChatSender, seen: SeenMessages, options: OfferedOptions,
                 contacts: Contacts, photo_url: PhotoURL, *, passive_seconds: float = 4.0, template_id: str = "",
                 on_timing: Callable[[Timing], None] | None = None):
        self.rasa = rasa
        self.api = api
        self.seen = seen
        self.options = options
        self.contacts = contacts
        self.photo_url = photo_url
        self.passive_seconds = passive_seconds
        self.template_id = template_id
        self.on_timing = on_timing
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._background: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------------------------------------- inbound
    async def handle(self, message: Any) -> str:
        """The passive reply (XML, not yet sealed) to a parsed wechatpy message; ``""`` means ``success``."""
        openid = str(message.source)
        key = message_key(getattr(message, "id", 0), openid, getattr(message, "time", ""),
                          getattr(message, "event", ""))
        earlier = self.seen.claim(key)
        if earlier is not None:
            logger.info("WeChat retry of a message already handled (%s)", earlier.state)
            if earlier.state != ANSWERED:
                earlier = await self.seen.wait(key, self.passive_seconds)
            return earlier.reply if earlier.state == ANSWERED else ""
        try:
            reply = await self._first_delivery(message, openid, key)
        except BaseException:
            self.seen.answered(key, "")  # a retry must not wait for an answer that never comes
            raise
        return reply

    async def _first_delivery(self, message: Any, openid: str, key: str) -> str:
        started = time.perf_counter()
        if getattr(message, "event", "") == "unsubscribe":
            logger.info("A citizen unsubscribed from the account")
            self.seen.answered(key, "")
            return ""
        self.contacts.wrote(openid)
        kept = self.contacts.take_kept(openid)
        if kept and just_coming_back(message):  # invited back by a template message: the kept survey answers
            return self._answer(key, message, passive(kept), openid)
        # Anything longer goes to the bot, whose survey form is waiting: an emergency still gets the numbers at
        # once and the form asks its question again after whatever the citizen raised.
        meaning = interpret(message, self.options.offered(openid), self.photo_url)
        if isinstance(meaning, Ignore):
            logger.info("Nothing to answer: %s", meaning.why)
            self.seen.answered(key, "")
            return ""
        if isinstance(meaning, Say):
            return self._answer(key, message, Rendered(meaning.text), openid, keep_options=True)
        asked = asyncio.ensure_future(self._ask(openid, meaning))
        try:
            replies, rasa_seconds = await asyncio.wait_for(asyncio.shield(asked), self.passive_seconds)
        except asyncio.TimeoutError:
            self.seen.deferred(key)
            self._spawn(self._deliver_later(openid, asked, started))
            logger.info("Rasa slower than %.1f s: answering through customer service", self.passive_seconds)
            return ""
        reply = self._answer(key, message, passive(replies), openid)
        self._timed(started, rasa_seconds, passive=True)
        return reply

    def _answer(self, key: str, message: Any, rendered: Rendered, openid: str, keep_options: bool = False) -> str:
        """Record and give ``rendered`` as the passive reply (its overflow follows as customer-service texts)."""
        if not keep_options:
            self.options.remember(openid, rendered.options)
        xml = create_reply(rendered.passive, message, render=True) if rendered.passive else ""
        self.seen.answered(key, xml)
        if rendered.follow_up:
            self._spawn(self._send_all(openid, rendered.follow_up))
        return xml

    async def _ask(self, openid: str, meaning: ToBot) -> tuple[list[PushMessage], float]:
        """Rasa's replies to ``meaning`` (a polite "busy" when Rasa fails) and how long Rasa took."""
        lock = self._locks.get(openid)
        if lock is None:
            lock = self._locks[openid] = asyncio.Lock()
        async with lock:
            started = time.perf_counter()
            try:
                replies = await self.rasa.send(sender_id(openid), meaning.text, meaning.metadata or None)
            except RasaUnavailable:
                replies = [PushMessage(text=texts.BUSY)]
            return replies, time.perf_counter() - started

    async def _deliver_later(self, openid: str, asked: asyncio.Future[tuple[list[PushMessage], float]],
                             started: float) -> None:
        replies, rasa_seconds = await asked
        rendered = customer_service(replies)
        self.options.remember(openid, rendered.options)
        try:
            await self._send_all(openid, rendered.follow_up)
        finally:
            self._timed(started, rasa_seconds, passive=False)

    # ------------------------------------------------------------------------------------------------- pushes
    async def push(self, openid: str, messages: list[PushMessage]) -> PushResult:
        """Deliver messages the bot starts: customer service within the 48-hour window, else a template invitation
        and the messages kept. Raises :class:`DeliveryError` when WeChat refuses."""
        if self.contacts.within_window(openid):
            rendered = customer_service(messages)
            try:
                await self._send_each(openid, rendered.follow_up)
            except DeliveryError as exc:
                if exc.errcode != OUT_OF_SERVICE_WINDOW:
                    raise
                logger.info("WeChat says the 48-hour window has closed: inviting with a template instead")
            else:
                self.options.remember(openid, rendered.options)
                return PushResult(delivered=True, path=CUSTOMER_SERVICE)
        if self.template_id:
            data = {"first": {"value": texts.INVITATION_FIRST}, "remark": {"value": texts.INVITATION_REMARK}}
            await self._call(self.api.send_template, openid, self.template_id, data, None)
            self.contacts.keep(openid, messages)
            return PushResult(delivered=False, queued=True, path=TEMPLATE)
        self.contacts.keep(openid, messages)
        logger.warning("No wechat.template_id: a push outside the 48-hour window waits until the citizen writes")
        return PushResult(delivered=False, queued=True, path=KEPT)

    # ------------------------------------------------------------------------------------------------- sending
    async def _call(self, function: Callable[..., Any], *args: Any) -> None:
        try:
            await asyncio.to_thread(function, *args)
        except WeChatAPIError as exc:
            raise DeliveryError(exc.errcode) from exc

    async def _send_each(self, openid: str, items: list[Outgoing]) -> None:
        """Send ``items`` in order; a refused msgmenu goes out as numbered text. Raises :class:`DeliveryError`."""
        for item in items:
            if isinstance(item, TextOut):
                await self._call(self.api.send_text, openid, item.text)
                continue
            try:
                await self._call(self.api.send_menu, openid, item.head, item.options, item.tail)
            except DeliveryError as exc:
                if exc.errcode == OUT_OF_SERVICE_WINDOW:
                    raise
                logger.info("WeChat refused a msgmenu (errcode %s): sending numbered options", exc.errcode)
                for text in menu_as_text(item):
                    await self._call(self.api.send_text, openid, text)

    async def _send_all(self, openid: str, items: list[Outgoing]) -> None:
        """Send ``items`` in the background: a refusal is logged (no one is waiting for it)."""
        try:
            await self._send_each(openid, items)
        except DeliveryError as exc:
            logger.warning("WeChat refused a customer-service message (errcode %s)", exc.errcode)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for the answers still being delivered (shutdown, tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    def _timed(self, started: float, rasa_seconds: float, passive: bool) -> None:
        if self.on_timing is not None:
            self.on_timing(Timing(time.perf_counter() - started, rasa_seconds, passive))


#: At most this many characters: a "好的" / "在" / "你好" that answers the invitation itself, not the survey.
COMING_BACK_CHARS = 8


def just_coming_back(message: Any) -> bool:
    """Whether a message after a template invitation only answers the invitation (a short greeting, a click, a
    sticker): then the kept survey is sent; anything with content goes to the bot."""
    if getattr(message, "type", "") != "text":
        return getattr(message, "type", "") in ("event", "image", "voice") and not getattr(message, "recognition", "")
    return len((getattr(message, "content", "") or "").strip()) <= COMING_BACK_CHARS
