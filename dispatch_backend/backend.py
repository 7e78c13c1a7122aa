"""The running backend: settings, database, catalog, calendar, workflow, webhooks, access checks, sweeper."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from starlette.requests import Request

from .access import Access
from .catalog import Catalog
from .clock import TEST_NOW_HEADER, parse_datetime, to_local, utcnow
from .db import Database, make_engine, migrate
from .errors import BadRequest
from .holiday_import import recompute_open_orders
from .models import WorkOrder
from .queries import Orders
from .ratelimit import PublicGate
from .settings import Settings
from .views import FULL, request_json
from .webhooks import WebhookSender
from .workcalendar import WorkingCalendar
from .workflow import Workflow

logger = logging.getLogger(__name__)

#: Keyed list calls served at once (see :attr:`Backend.list_slots`).
LIST_CONCURRENCY = 2


class Backend:
    """Wiring of settings, database, catalog, calendar, workflow, queries, webhooks and access checks."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.catalog = Catalog.load(settings.config_dir)
        self.calendar = WorkingCalendar.from_file(settings.config_dir / "holidays.yml")
        engine = make_engine(settings.db_url)
        migrate(engine)
        self.db = Database(engine)
        self.workflow = Workflow(self.db, self.catalog, self.calendar)
        self.orders = Orders(self.db)
        secret = settings.effective_webhook_secret()
        self.webhooks = WebhookSender(settings.webhook_urls if secret else (), secret or "")
        self.workflow.on_closed.append(self._publish_closed)
        self.gate = PublicGate(settings.public_rate, settings.public_burst, settings.public_concurrency)
        self.access = Access(settings.api_keys, self.catalog, self.gate, settings.public_feed)
        #: Keyed list calls (up to 1,000 orders each) served at once; more wait their turn, so that a few busy
        #: reporting tools cannot starve the bot's creates of the interpreter.
        self.list_slots = threading.BoundedSemaphore(LIST_CONCURRENCY)
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    def _publish_closed(self, order: WorkOrder) -> None:
        self.webhooks.publish("request.closed", {"request": request_json(order, self.catalog, FULL, self.calendar)})

    def start(self) -> None:
        self.webhooks.start()
        if self.settings.public_feed:
            logger.warning("公开数据已开启（REXIAN_DISPATCH_PUBLIC_FEED）：无 api_key 可读取脱敏后的工单（分类、部门、状态、日期、区县）。")
        self._check_calendar("启动")
        if self.settings.sweep_seconds > 0:
            self._sweeper = threading.Thread(target=self._sweep_loop, name="dispatch-sweeper", daemon=True)
            self._sweeper.start()

    def stop(self) -> None:
        self._stop.set()
        self.webhooks.stop()
        self.db.engine.dispose()

    def _check_calendar(self, reason: str) -> None:
        """Warn while this or next year is provisional; recompute open orders' deadlines (calendar changes)."""
        for warning in self.calendar.warnings(to_local(utcnow()).date()):
            logger.warning("%s", warning)
        try:
            recompute_open_orders(self.workflow, self.calendar, utcnow(), reason)
        except Exception:  # noqa: BLE001 - never block start-up on it
            logger.exception("recomputing deadlines failed")

    def _sweep_loop(self) -> None:
        while not self._stop.wait(self.settings.sweep_seconds):
            if self.calendar.reload_if_changed():
                self._check_calendar("holidays.yml 已更新")
            try:
                self.workflow.sweep_overdue(utcnow())
            except Exception:  # noqa: BLE001 - keep sweeping
                logger.exception("overdue sweep failed")

    def now(self, request: Request) -> dt.datetime:
        """Current time; tests may override it with a header when REXIAN_DISPATCH_TEST_CLOCK=1."""
        override = request.headers.get(TEST_NOW_HEADER)
        if override and self.settings.test_clock:
            try:
                return parse_datetime(override)
            except ValueError:
                raise BadRequest(f"{TEST_NOW_HEADER} 必须是 ISO 8601 时间。") from None
        return utcnow()
