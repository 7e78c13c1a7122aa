"""``rexian report seed-demo``: fill a dispatch backend with a few hundred realistic orders over past weeks.

Orders are registered "in the past" with the backend's test clock (the ``X-Rexian-Test-Now`` header, honoured
only when the backend runs with ``REXIAN_DISPATCH_TEST_CLOCK=1``). By default the seeder starts its own private
backend process on a free loopback port over the **demo database** (:func:`demo_db_url`:
``REXIAN_DEMO_DB_URL``, default ``sqlite:///var/demo_dispatch.sqlite3`` under the project root) — never the
live database of the bot (``REXIAN_DISPATCH_DB_URL``, whose closed orders the callbacks scheduler surveys)
unless the operator names it with ``--db`` — with the test clock on and a throw-away api_key, drives it over
HTTP with ``dispatch_client`` and stops it. With ``--url`` it seeds a running backend, which must have the
test clock on.

Configuration read (through :mod:`configuration`, at each use): ``demo.db_url`` (``REXIAN_DEMO_DB_URL``, the demo
database), ``dispatch.db_url`` (``REXIAN_DISPATCH_DB_URL``, only to recognise and warn about the live database) and
``dispatch.config_dir`` (``REXIAN_DISPATCH_CONFIG_DIR``, department keys).

Every order follows the real lifecycle: created → dispatched (routing) → first contact → closed (on time,
late, or never) → survey (满意 / 基本满意 / 不满意, resolved yes/no) → review after a survey that reopens the order
(not resolved, or 不满意: the backend reopens it) or an explicit reopen → archived. Events are executed in time
order across all orders; events later than the anchor time are not executed, so recent orders stay open within
their deadlines. The plan is deterministic for a given ``--seed`` and anchor (``--until``).
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
import random
import secrets
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from configuration import load_config, resolve_sqlite_url
from dispatch_client import DispatchAPIError, DispatchClient, NewServiceRequest, ServiceRequest
from domain import BASIC, BEIJING, SATISFACTION_LEVELS, SATISFIED, UNSATISFIED, reopens_for_review

from . import demo_texts as texts

logger = logging.getLogger(__name__)

TEST_NOW_HEADER = "X-Rexian-Test-Now"
API_KEY_HEADER = "X-Rexian-Api-Key"
#: Services whose deadline cannot be extended (``complex`` already has 15 working days, ``utility_24h`` 24 hours).
NOT_EXTENDABLE = frozenset({"weizhang_jianzhu", "tingshuidianqi"})
#: The variable of ``demo.db_url`` (named in messages), where ``seed-demo`` writes and ``rexian report --demo``
#: reads unless ``--db`` names another database.
DEMO_DB_ENV = "REXIAN_DEMO_DB_URL"


class SeedError(RuntimeError):
    """Seeding cannot go on (message in Chinese, for the user)."""


# ------------------------------------------------------------------------------------------------ the plan
@dataclass(frozen=True)
class OrderPlan:
    """What will happen to one demo order; all random choices are made here, up front."""

    index: int
    registered_at: dt.datetime          # aware, Beijing time
    request: NewServiceRequest
    fate: str                           # on_time | late | never | extend
    contact_fraction: float             # of the first-contact window; > 1 means late
    contact_never: bool                 # a "never" order that is not even contacted
    close_fraction: float               # of the window between first contact and the deadline
    late_hours: float                   # how late a "late" closure is
    survey_delay_hours: float
    resolved: bool
    satisfaction: str
    comment: str
    explicit_reopen: bool               # a citizen whose survey did not reopen the order later asks for a review
    review_closed: bool                 # the review is finished (else left open)
    remind: bool                        # the citizen chases an open order (催办)
    archive: bool
    texts: dict[str, str] = field(default_factory=dict)


def _registration_time(rng: random.Random, start: dt.datetime, days: int) -> dt.datetime:
    """A plausible call time: fewer calls at weekends, most between 8:00 and 21:00."""
    while True:
        day = start.date() + dt.timedelta(days=rng.randrange(days))
        if day.weekday() < 5 or rng.random() < 0.5:
            break
    hour = min(22, max(7, int(rng.gauss(13.5, 3.5))))
    when = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=BEIJING)
    return max(when, start)


def _pick_service(rng: random.Random) -> texts.DemoService:
    return rng.choices(texts.SERVICES, weights=[s.weight for s in texts.SERVICES])[0]


def plan_orders(count: int, weeks: int, seed: int, anchor: dt.datetime) -> list[OrderPlan]:
    """``count`` orders registered in the ``weeks`` weeks before ``anchor``, oldest first. Deterministic."""
    if count < 1 or weeks < 1:
        raise SeedError("--orders 和 --weeks 必须是正整数。")
    start = anchor - dt.timedelta(days=7 * weeks)
    days = (anchor.date() - start.date()).days + 1
    plans = []
    for index in range(count):
        rng = random.Random(f"rexian-demo:{seed}:{index}")
        registered = min(_registration_time(rng, start, days), anchor - dt.timedelta(minutes=30))
        progress = (registered - start) / (anchor - start)   # later weeks are handled a little better
        service = _pick_service(rng)
        variant = rng.randrange(len(service.descriptions))
        attributes = service.attributes[variant % len(service.attributes)]
        community, road = rng.choice(texts.COMMUNITIES), rng.choice(texts.ROADS)
        address = f"{rng.choice(texts.DISTRICTS)}{road}{rng.randint(1, 300)}号{community}"
        place = community if rng.random() < 0.7 else road
        channel = rng.choice(texts.CHANNELS)
        request = NewServiceRequest(
            service_code=service.code,
            description=service.descriptions[variant].format(place=place),
            address_string=address,
            attributes=dict(attributes),
            appeal_type=service.appeal_type,  # type: ignore[arg-type]
            first_name=rng.choice(texts.SURNAMES),
            phone=f"1990{seed % 1000:03d}{index:04d}",  # fake numbers, unique per order
            channel=channel,
            channel_user_id=f"demo-{seed}-{index:05d}",
            callback_consent=rng.random() < 0.92,
            anonymous=rng.random() < 0.05,
        )
        draw = rng.random()
        late_share, never_share, extend_share = 0.20 - 0.12 * progress, 0.05, 0.05
        if draw < never_share:
            fate = "never"
        elif draw < never_share + late_share:
            fate = "late"
        elif draw < never_share + late_share + extend_share:
            fate = "extend"
        else:
            fate = "on_time"
        resolved = rng.random() < 0.70 + 0.15 * progress
        satisfaction = rng.choices(SATISFACTION_LEVELS, weights=(70, 25, 5) if resolved else (10, 40, 50))[0]
        if fate == "late" and satisfaction == SATISFIED and rng.random() < 0.4:
            satisfaction = BASIC
        plans.append(OrderPlan(
            index=index, registered_at=registered, request=request, fate=fate,
            contact_fraction=rng.uniform(1.05, 1.6) if rng.random() < 0.06 else rng.uniform(0.05, 0.9),
            contact_never=rng.random() < 0.5,
            close_fraction=rng.uniform(0.15, 0.95),
            late_hours=rng.uniform(3, 96),
            survey_delay_hours=rng.uniform(2, 48),
            resolved=resolved, satisfaction=satisfaction,
            comment=rng.choice(texts.COMMENTS[satisfaction]),
            explicit_reopen=satisfaction != UNSATISFIED and rng.random() < 0.03,
            review_closed=rng.random() < 0.85,
            remind=rng.random() < 0.5,
            archive=rng.random() < 0.8,
            texts={"contact": rng.choice(texts.CONTACT_TEXTS), "close": rng.choice(texts.CLOSE_TEXTS),
                   "review": rng.choice(texts.REVIEW_CLOSE_TEXTS), "extend": rng.choice(texts.EXTEND_REASONS),
                   "remind": rng.choice(texts.REMIND_TEXTS), "reopen": rng.choice(texts.REOPEN_REASONS)},
        ))
    plans.sort(key=lambda p: (p.registered_at, p.index))
    return plans


# ------------------------------------------------------------------------------------------------ execution
class ClockTransport(httpx.BaseTransport):
    """Adds the test-clock header with the simulated time to every request."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.now: dt.datetime | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.now is not None:
            request.headers[TEST_NOW_HEADER] = self.now.isoformat()
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@dataclass
class SeedSummary:
    """What the seeding did."""

    first_day: dt.date
    last_day: dt.date
    created: int = 0
    events: Counter[str] = field(default_factory=Counter)
    failures: int = 0


def department_keys(config_dir: Path | None = None) -> dict[str, str]:
    """Department code → key, from ``departments.yml`` of the backend configuration."""
    from dispatch_backend.catalog import Catalog

    directory = config_dir or load_config().dispatch.config_dir
    return {code: dept.key for code, dept in Catalog.load(directory).departments.items()}


def _between(start: dt.datetime, end: dt.datetime, fraction: float) -> dt.datetime:
    return start + (end - start) * fraction


class Seeder:
    """Runs the plans against a backend, in time order across all orders."""

    def __init__(self, client: DispatchClient, clock: ClockTransport, keys: dict[str, str],
                 anchor: dt.datetime) -> None:
        self.client = client
        self.clock = clock
        self.keys = keys
        self.anchor = anchor
        self._queue: list[tuple[dt.datetime, int, str, OrderPlan, str]] = []
        self._seq = 0
        self._dept: dict[int, str] = {}

    def _at(self, when: dt.datetime, action: str, plan: OrderPlan, order_id: str = "") -> None:
        if when <= self.anchor:
            self._seq += 1
            heapq.heappush(self._queue, (when, self._seq, action, plan, order_id))

    def run(self, plans: list[OrderPlan], progress: Callable[[int], None] | None = None) -> SeedSummary:
        summary = SeedSummary(plans[0].registered_at.date(), self.anchor.date())
        for plan in plans:
            self._at(plan.registered_at, "create", plan)
        done = 0
        while self._queue:
            when, _seq, action, plan, order_id = heapq.heappop(self._queue)
            self.clock.now = when
            try:
                getattr(self, f"_{action}")(when, plan, order_id, summary)
            except DispatchAPIError as exc:
                summary.failures += 1
                logger.warning("demo order %d: %s failed: %s", plan.index, action, exc.description)
                continue
            summary.events[action] += 1
            done += 1
            if progress and done % 200 == 0:
                progress(done)
        return summary

    # one method per action ---------------------------------------------------------------------------
    def _key(self, plan: OrderPlan) -> str:
        return self.keys[self._dept[plan.index]]

    def _create(self, when: dt.datetime, plan: OrderPlan, _id: str, summary: SeedSummary) -> None:
        result = self.client.create(plan.request)
        order = self.client.get(result.service_request_id or "")
        summary.created += 1
        self._dept[plan.index] = order.department or ""
        due = order.first_contact_due_datetime or order.expected_datetime
        if plan.fate == "never" and plan.contact_never:
            if plan.remind and order.expected_datetime:
                self._at(order.expected_datetime + dt.timedelta(hours=20), "remind", plan, order.service_request_id)
            return
        self._at(_between(when, due, plan.contact_fraction), "contact", plan, order.service_request_id)

    def _contact(self, when: dt.datetime, plan: OrderPlan, order_id: str, _summary: SeedSummary) -> None:
        order = self.client.first_contact(order_id, self._key(plan), plan.texts["contact"])
        deadline = order.expected_datetime
        if order.reopen_count:   # a review: closed within its 5 working days, or left open
            if plan.review_closed:
                self._at(_between(when, deadline, plan.close_fraction * 0.6), "close_review", plan, order_id)
            return
        if plan.fate == "never":
            if plan.remind:
                self._at(deadline + dt.timedelta(hours=20), "remind", plan, order_id)
        elif plan.fate == "late":
            self._at(max(deadline, when) + dt.timedelta(hours=plan.late_hours), "close", plan, order_id)
        elif plan.fate == "extend" and order.service_code not in NOT_EXTENDABLE and deadline > when:
            self._at(_between(when, deadline, 0.5), "extend", plan, order_id)
        else:
            self._at(_between(when, max(deadline, when + dt.timedelta(hours=1)), plan.close_fraction),
                     "close", plan, order_id)

    def _extend(self, when: dt.datetime, plan: OrderPlan, order_id: str, _summary: SeedSummary) -> None:
        order = self.client.extend(order_id, self._key(plan), plan.texts["extend"])
        self._at(_between(when, order.expected_datetime, plan.close_fraction), "close", plan, order_id)

    def _close(self, when: dt.datetime, plan: OrderPlan, order_id: str, _summary: SeedSummary) -> None:
        order = self.client.close_request(order_id, self._key(plan), plan.texts["close"])
        self._after_close(when, plan, order)

    def _close_review(self, when: dt.datetime, plan: OrderPlan, order_id: str, _summary: SeedSummary) -> None:
        self.client.close_request(order_id, self._key(plan), plan.texts["review"])

    def _after_close(self, when: dt.datetime, plan: OrderPlan, order: ServiceRequest) -> None:
        if plan.request.callback_consent:
            self._at(when + dt.timedelta(hours=plan.survey_delay_hours), "survey", plan, order.service_request_id)
        elif plan.archive:
            self._at(when + dt.timedelta(hours=1), "archive", plan, order.service_request_id)

    def _survey(self, when: dt.datetime, plan: OrderPlan, order_id: str, _summary: SeedSummary) -> None:
        self.client.record_survey(order_id, resolved=plan.resolved, satisfaction=plan.satisfaction,
                                  comment=plan.comment)
        if reopens_for_review(plan.resolved, plan.satisfaction):   # the backend reopened it for review
            self._at(when + dt.timedelta(hours=4 + 20 * plan.close_fraction), "contact", plan, order_id)
        elif plan.explicit_reopen:
            self._at(when + dt.timedelta(days=2), "reopen", plan, order_id)
        elif plan.archive:
            self._at(when + dt.timedelta(hours=1), "archive", plan, order_id)

    def _reopen(self, when: dt.datetime, plan: OrderPlan, order_id: str, _summary: SeedSummary) -> None:
        self.client.reopen(order_id, plan.texts["reopen"])
        self._at(when + dt.timedelta(hours=6), "contact", plan, order_id)

    def _remind(self, _when: dt.datetime, plan: OrderPlan, order_id: str, _summary: SeedSummary) -> None:
        self.client.remind(order_id, plan.texts["remind"])

    def _archive(self, _when: dt.datetime, _plan: OrderPlan, order_id: str, _summary: SeedSummary) -> None:
        self.client.archive(order_id)


# ------------------------------------------------------------------------------------------------ backends
def test_clock_enabled(url: str, api_key: str) -> bool:
    """Whether the backend honours the test-clock header: a malformed value is rejected (400) only then."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/metrics.json", timeout=10,
                             params={"start_date": "2000-01-01", "end_date": "2000-01-02"},
                             headers={API_KEY_HEADER: api_key, TEST_NOW_HEADER: "not-a-time"})
    except httpx.TransportError as exc:
        raise SeedError(f"无法连接派单后台 {url}：{exc}") from exc
    if response.status_code == 403:
        raise SeedError("派单后台拒绝了 api_key；请用 --api-key 提供热线（机器人）的密钥。")
    return response.status_code == 400


def demo_db_url() -> str:
    """The demo database: ``REXIAN_DEMO_DB_URL``, default ``sqlite:///var/demo_dispatch.sqlite3``, absolute."""
    return load_config().demo.db_url


def live_db_url() -> str:
    """The database the bot's backend uses (``REXIAN_DISPATCH_DB_URL``, default ``var/dispatch.sqlite3``)."""
    return load_config().dispatch.db_url


def is_live_db(url: str) -> bool:
    """Whether ``url`` is the bot's live dispatch database (same URL, or the same SQLite file)."""
    a, b = resolve_sqlite_url(url), live_db_url()
    prefix = "sqlite:///"
    if a.startswith(prefix) and b.startswith(prefix):
        return Path(a[len(prefix):]).resolve() == Path(b[len(prefix):]).resolve()
    return a == b


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (absolute after :func:`resolve_sqlite_url`), None for other databases."""
    url = resolve_sqlite_url(url)
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        return Path(url[len("sqlite:///"):])
    return None


def display_url(url: str) -> str:
    """``url`` for messages, password hidden."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a message must never fail
        return url


@contextmanager
def private_backend(db_url: str | None, test_clock: bool = True) -> Iterator[tuple[str, str]]:
    """Start ``python -m dispatch_backend`` on a free loopback port over ``db_url`` (None: the demo database,
    :func:`demo_db_url`, never ``REXIAN_DISPATCH_DB_URL``); yields (url, api_key)."""
    from dispatch_backend.launcher import free_port, start_backend

    url = resolve_sqlite_url(db_url or demo_db_url())
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    api_key = secrets.token_hex(16)
    env = {"REXIAN_DISPATCH_API_KEY": api_key, "REXIAN_DISPATCH_TEST_CLOCK": "1" if test_clock else "",
           "REXIAN_DISPATCH_SWEEP_SECONDS": "0", "REXIAN_DISPATCH_WEBHOOK_URLS": ""}
    with tempfile.TemporaryDirectory(prefix="rexian-seed-") as tmp:
        log_path = Path(tmp) / "backend.log"
        try:
            backend = start_backend(url, free_port(), log_path, env)
        except RuntimeError as exc:
            raise SeedError(f"无法启动派单后台（{display_url(url)}）：{exc}") from exc
        try:
            yield backend.url, api_key
        finally:
            backend.stop()


def seed(url: str, api_key: str, plans: list[OrderPlan], anchor: dt.datetime,
         keys: dict[str, str] | None = None, progress: Callable[[int], None] | None = None) -> SeedSummary:
    """Run ``plans`` against the backend at ``url`` (which must honour the test clock)."""
    if not test_clock_enabled(url, api_key):
        raise SeedError(f"派单后台 {url} 没有开启测试时钟，无法登记过去日期的演示工单。请不带 --url 运行"
                        "（自动启动一个临时后台写入演示数据库，或用 --db 指定数据库），或用 REXIAN_DISPATCH_TEST_CLOCK=1 启动该后台"
                        "（仅限演示和测试环境）。")
    clock = ClockTransport()
    with DispatchClient(url, api_key, transport=clock, timeout=30.0, retries=1) as client:
        return Seeder(client, clock, keys or department_keys(), anchor).run(plans, progress)
