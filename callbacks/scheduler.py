"""One round of the callback scheduler: read the change feed, send what waits in the outbox, invite due surveys.

The scheduler learns that a survey was answered from the change feed alone (the order leaves ``closed`` for
``callback_done`` or ``reopened``), whoever recorded the answer. Its own writes (archiving orders whose citizen
declined callbacks or never answered) go through the dispatch client's outbox like the bot's. A survey is not
started while the citizen's conversation is handed off to a seat agent (the console's internal API says so); it
waits, as it does while the citizen is in a form.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from agent_console.contract import ConsoleClient
from dispatch_client import (
    PENDING,
    Archive,
    DispatchAPIError,
    DispatchClient,
    DispatchUnavailable,
    Outbox,
    ServiceRequest,
)
from dispatch_client.outbox import new_owner
from domain import ARCHIVED, CALLBACK_DONE, CLOSED, REOPENED

from .config import CallbackConfig
from .delivery import Delivery, Pusher, PushFunc, to_push_messages
from .legacy import adopt_queued_results
from .rasa import RasaClient, RasaUnavailable
from .store import Survey, SurveyState, SurveyStore

logger = logging.getLogger(__name__)

CONSOLE_TIMEOUT = 3.0  # seconds; an unreachable console must not hold up the round

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class RoundReport:
    """What one round did (counts only; no personal data)."""

    changes: int = 0
    scheduled: int = 0
    answered: int = 0
    declined: int = 0
    unreachable: int = 0
    invited: int = 0
    postponed: int = 0     # the citizen was in a form, or with a seat agent: asked again later
    retry_later: int = 0
    no_reply: int = 0
    delivered: int = 0     # writes from the outbox that reached the backend in this round
    backend_down: bool = False


class Scheduler:
    """The callback scheduler. Several may share one store; each has its own claim owner id.

    ``outbox`` is the dispatch client's outbox (``dispatch.outbox``; the bot's file when both run on one host): the
    scheduler writes through it, and sends what waits in it at each round.
    """

    def __init__(self, config: CallbackConfig, *, outbox: Outbox, now: Clock = utcnow,
                 dispatch: DispatchClient | None = None, rasa: RasaClient | None = None, push: PushFunc | None = None,
                 owner: str | None = None, console: ConsoleClient | None = None) -> None:
        self.config = config
        self.now = now
        self.owner = owner or new_owner()
        self.store = SurveyStore(config.store_url)
        self.outbox = outbox
        adopt_queued_results(self.store.engine, outbox)
        self._own_dispatch = dispatch is None
        self.dispatch = dispatch or DispatchClient(config.dispatch_url, config.dispatch_api_key,
                                                   timeout=config.dispatch_timeout, retries=1)
        self._own_rasa = rasa is None
        self.rasa = rasa or RasaClient(config.rasa_url, config.rasa_token)
        self.pusher = Pusher(config.push_urls, config.push_token, **({"send": push} if push else {}))
        self._own_console = console is None and bool(config.console_url)
        self.console = console or (ConsoleClient(config.console_url, config.console_token, timeout=CONSOLE_TIMEOUT)
                                   if config.console_url else None)

    def close(self) -> None:
        if self._own_dispatch:
            self.dispatch.close()
        if self._own_rasa:
            self.rasa.close()
        if self._own_console and self.console is not None:
            self.console.close()
        self.store.close()

    def __enter__(self) -> Scheduler:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the round
    def run_once(self) -> RoundReport:
        report = RoundReport()
        try:
            self.read_changes(report)
            report.delivered = self.outbox.deliver_due()  # e.g. a survey answer given while the backend was down
            self.settle_backend(report)
        except DispatchUnavailable:
            report.backend_down = True
            logger.warning("派单后台不可达，本轮只处理已到期的回访")
        self.invite_due(report)
        return report

    def _after(self, when: dt.datetime) -> dt.datetime:
        """``when`` moved out of quiet hours."""
        return self.config.quiet.next_allowed(when)

    # ------------------------------------------------------------------ change feed
    def read_changes(self, report: RoundReport) -> None:
        """Follow the change feed from the stored cursor to its end."""
        cursor = self.store.cursor()
        while True:
            page = self.dispatch.changes(cursor, limit=200)
            for order in page.requests:
                self.on_order(order, report)
            report.changes += len(page.requests)
            if page.cursor != cursor:
                self.store.save_cursor(page.cursor, self.now())
                cursor = page.cursor
            if not page.has_more or not page.requests:
                return

    def on_order(self, order: ServiceRequest, report: RoundReport) -> None:
        """React to one order in its current state."""
        now = self.now()
        state = order.workflow_state
        if state == CLOSED:
            self.schedule(order, report)
        elif state in (CALLBACK_DONE, ARCHIVED):
            report.answered += self.store.mark_answered(order.service_request_id, order.reopen_count + 1, now)
        elif state == REOPENED:  # the closure before this review was answered (不满意 or a reopen request)
            report.answered += self.store.mark_answered(order.service_request_id, order.reopen_count, now)

    def schedule(self, order: ServiceRequest, report: RoundReport) -> None:
        """Create the survey of this closure (once: the store's UNIQUE key drops repeats)."""
        now = self.now()
        closed_at = order.closed_datetime or now
        if closed_at.tzinfo is None:
            closed_at = closed_at.replace(tzinfo=self.config.quiet.timezone)
        channel, recipient = order.channel or "", order.channel_user_id or ""
        common = {"channel": channel, "recipient": recipient, "closed_at": closed_at, "now": now}
        if order.callback_consent is False:
            if self.store.add(order.service_request_id, order.reopen_count, SurveyState.DECLINED,
                              due_at=closed_at, backend_done=False, **common):
                report.declined += 1
                logger.info("回访：工单 %s 来电人不同意回访，不邀请", order.service_request_id)
            return
        if not recipient or not self.pusher.can_push(channel):
            if self.store.add(order.service_request_id, order.reopen_count, SurveyState.UNREACHABLE,
                              due_at=closed_at, **common):
                report.unreachable += 1
                logger.info("回访：工单 %s 的渠道 %s 不支持主动推送，无法回访", order.service_request_id,
                            channel or "（无）")
            return
        if self.config.max_age is not None and now - closed_at > self.config.max_age:
            if self.store.add(order.service_request_id, order.reopen_count, SurveyState.EXPIRED,
                              due_at=closed_at, **common):
                logger.info("回访：工单 %s 办结已超过 %s，不再回访", order.service_request_id, self.config.max_age)
            return
        due = self._after(closed_at + self.config.delay)
        if self.store.add(order.service_request_id, order.reopen_count, SurveyState.SCHEDULED, due_at=due,
                          **common):
            report.scheduled += 1
            logger.info("回访：工单 %s 第 %d 次办结，回访定于 %s", order.service_request_id,
                        order.reopen_count + 1, due.isoformat())

    def settle_backend(self, report: RoundReport) -> None:
        """Archive orders whose citizen declined callbacks or never answered the survey (回访未果).

        Each archive goes into the outbox once (its key names the closure), which sends it until the backend has
        it; a 409 there means already archived, or the order moved on. Once stored, the survey owes nothing more.
        """
        attempt = True  # after one unreachable attempt this round, the rest only wait in the outbox
        for survey in self.store.backend_owed():
            write = Archive(service_request_id=survey.service_request_id,
                            reason="no_reply" if survey.state is SurveyState.NO_REPLY else "")
            try:
                entry = self.outbox.submit(write, f"archive-{survey.service_request_id}-{survey.closure}",
                                           attempt=attempt)
                attempt = attempt and entry.state != PENDING
            except DispatchAPIError as exc:
                logger.error("回访：工单 %s 归档被拒绝：%s", survey.service_request_id, exc)
            self.store.backend_written(survey.id, self.now())

    # ------------------------------------------------------------------ invitations
    def invite_due(self, report: RoundReport) -> None:
        for survey in self.store.due(self.now()):
            if survey.state is SurveyState.INVITED and survey.attempts >= self.config.max_attempts:
                if self.store.finish_no_reply(survey.id, self.config.max_attempts, self.now()):
                    report.no_reply += 1
                    # Recorded in the backend by settle_backend: archive.json with reason=no_reply (回访未果).
                    logger.info("回访：工单 %s 邀请 %d 次未获答复，记为无人应答", survey.service_request_id,
                                survey.attempts)
                continue
            if self.store.claim(survey.id, self.owner, self.now(), self.config.lease):
                self.invite(survey, report)

    def invite(self, survey: Survey, report: RoundReport) -> None:
        """One invitation round for a survey this scheduler has claimed."""
        now = self.now()
        order_id = survey.service_request_id
        retry_at = self._after(now + self.config.failure_backoff)
        if not self._still_closed(survey, now, report):
            return
        try:
            loop = self.rasa.active_loop(survey.recipient)
        except RasaUnavailable as exc:
            logger.warning("回访：工单 %s 暂缓，Rasa 不可用：%s", order_id, exc)
            self.store.release(survey.id, self.owner, now, retry_at)
            report.retry_later += 1
            return
        if loop:
            self.store.release(survey.id, self.owner, now, self._after(now + self.config.postpone))
            report.postponed += 1
            logger.info("回访：工单 %s 的来电人正在填写 %s，推迟回访", order_id, loop)
            return
        if self._with_an_agent(survey):
            self.store.release(survey.id, self.owner, now, self._after(now + self.config.postpone))
            report.postponed += 1
            logger.info("回访：工单 %s 的来电人正由人工话务员服务，推迟回访", order_id)
            return
        if not self.store.begin_attempt(survey.id, self.owner, now, self._after(now + self.config.retry)):
            return  # the claim expired and someone else took over
        try:
            messages = to_push_messages(self.rasa.start_survey(survey.recipient, order_id))
        except RasaUnavailable as exc:
            logger.warning("回访：工单 %s 未能启动回访对话：%s", order_id, exc)
            self.store.undo_attempt(survey.id, self.owner, now, retry_at)
            report.retry_later += 1
            return
        if not messages:
            logger.error("回访：工单 %s 的 start_survey 没有产生任何消息（检查机器人的回访规则）", order_id)
            self.store.undo_attempt(survey.id, self.owner, now, retry_at)
            report.retry_later += 1
            return
        outcome, reason, result = self.pusher.deliver(survey.channel, survey.recipient, messages)
        if outcome is Delivery.SENT:
            self.store.mark_invited(survey.id, self.owner, self.now())
            path = result.path if result is not None else ""
            self.store.record_push(survey.id, survey.attempts + 1, self.now(),
                                   delivered=bool(result and result.delivered), path=path)
            report.invited += 1
            logger.info("回访：工单 %s 第 %d 次邀请：%s%s", order_id, survey.attempts + 1, reason,
                        f"（{path}）" if path else "")
        elif outcome is Delivery.UNREACHABLE:
            self.store.finish(survey.id, SurveyState.UNREACHABLE, self.now(), owner=self.owner)
            report.unreachable += 1
            logger.info("回访：工单 %s 无法送达：%s", order_id, reason)
        else:
            self.store.undo_attempt(survey.id, self.owner, now, retry_at)
            report.retry_later += 1
            logger.warning("回访：工单 %s 推送失败，稍后重试：%s", order_id, reason)

    def _with_an_agent(self, survey: Survey) -> bool:
        """Whether the citizen's conversation is handed off to a seat agent now (waiting or taken). A console
        that cannot be asked does not stop the survey (it would be lost otherwise)."""
        if self.console is None:
            return False
        try:
            return self.console.status(survey.recipient).paused
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("回访：工单 %s 无法向坐席控制台确认是否在人工服务中（%s），照常回访",
                           survey.service_request_id, type(exc).__name__)
            return False

    def _still_closed(self, survey: Survey, now: dt.datetime, report: RoundReport) -> bool:
        """Re-read the order just before inviting; an order that moved on needs no survey for this closure."""
        try:
            order = self.dispatch.get(survey.service_request_id)
        except DispatchUnavailable:
            self.store.release(survey.id, self.owner, now, self._after(now + self.config.failure_backoff))
            report.retry_later += 1
            return False
        except DispatchAPIError as exc:
            logger.error("回访：工单 %s 读取失败：%s", survey.service_request_id, exc)
            self.store.release(survey.id, self.owner, now, self._after(now + self.config.failure_backoff))
            report.retry_later += 1
            return False
        if order.workflow_state == CLOSED and order.reopen_count == survey.closure:
            return True
        if self.store.finish(survey.id, SurveyState.ANSWERED, now, owner=self.owner):
            report.answered += 1
        return False


def run_once(config: CallbackConfig, *, outbox: Outbox, now: Clock = utcnow, dispatch: DispatchClient | None = None,
             rasa: RasaClient | None = None, push: PushFunc | None = None, owner: str | None = None) -> RoundReport:
    """Build a scheduler, run one round, close it (what a restarted process would do)."""
    with Scheduler(config, outbox=outbox, now=now, dispatch=dispatch, rasa=rasa, push=push,
                   owner=owner) as scheduler:
        return scheduler.run_once()
