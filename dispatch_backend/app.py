"""FastAPI application: Open311 GeoReport v2 endpoints plus the 12345 extension endpoints."""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import logging
import re
import threading
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import metrics as metrics_module
from .catalog import Catalog, Department
from .clock import TEST_NOW_HEADER, format_w3c, parse_datetime, to_local, utcnow
from .db import Database, make_engine, migrate
from .errors import BadRequest, Forbidden, NotFound, Open311Error
from .holiday_import import recompute_open_orders
from .forms import BodyLimit, read_form
from .intake import parse_bool, parse_new_request, repair_utf8
from .models import WorkOrder
from .ratelimit import COUNTED, AnonymousGetLimit, PublicGate, TooManyRequests, client_address
from .settings import Settings
from .views import DEPARTMENT, FULL, PUBLIC, request_json, service_definition_json, service_json
from .webhooks import WebhookSender
from .workcalendar import WorkingCalendar
from .workflow import SATISFACTION_LEVELS, Workflow
from .xml_format import XmlFormat

logger = logging.getLogger(__name__)

API_KEY_HEADER = "X-Rexian-Api-Key"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_QUERY_DAYS = 90
MAX_LIST = 1000
LIST_CONCURRENCY = 2
#: Orders per call of the public feed (anonymous clients page with start_date/end_date).
MAX_PUBLIC_LIST = 200
_CURSOR = re.compile(r"[0-9]{1,18}")  # ASCII digits only (not ², ٣ …), within a signed 64-bit counter
_LIMIT = re.compile(r"[0-9]{1,6}")


class Backend:
    """Wiring of settings, database, catalog, calendar, workflow and webhooks."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.catalog = Catalog.load(settings.config_dir)
        self.calendar = WorkingCalendar.from_file(settings.config_dir / "holidays.yml")
        engine = make_engine(settings.db_url)
        migrate(engine)
        self.db = Database(engine)
        self.workflow = Workflow(self.db, self.catalog, self.calendar)
        secret = settings.effective_webhook_secret()
        self.webhooks = WebhookSender(settings.webhook_urls if secret else (), secret or "")
        self.workflow.on_closed.append(self._publish_closed)
        self.gate = PublicGate(settings.public_rate_per_minute, settings.public_burst, settings.public_concurrency)
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

    # ---------------------------------------------------------------- request helpers
    def now(self, request: Request) -> dt.datetime:
        """Current time; tests may override it with a header when REXIAN_DISPATCH_TEST_CLOCK=1."""
        override = request.headers.get(TEST_NOW_HEADER)
        if override and self.settings.test_clock:
            try:
                return parse_datetime(override)
            except ValueError:
                raise BadRequest(f"{TEST_NOW_HEADER} 必须是 ISO 8601 时间。") from None
        return utcnow()

    def is_client_key(self, key: str | None) -> bool:
        return bool(key) and any(hmac.compare_digest(key.encode(), k.encode()) for k in self.settings.api_keys)

    def identify(self, key: str | None) -> tuple[str, Department | None] | None:
        """FULL (bot/operator) or DEPARTMENT for a valid key; None for no key or a wrong one."""
        if not key:
            return None
        if self.is_client_key(key):
            return FULL, None
        department = self.catalog.department_by_key(key)
        return (DEPARTMENT, department) if department is not None else None

    def _anonymous(self, request: Request, key: str | None) -> None:
        """A request without a valid key: count it against its address's limit (429), refuse a wrong key (403)."""
        if not request.scope.get(COUNTED):
            self.gate.admit(client_address(request.scope))
        if key:
            raise Forbidden("api_key 无效：请使用运营方分配的密钥（开发环境见 docs/dispatch.md）。")

    def count_anonymous(self, request: Request) -> None:
        """Open endpoints (services, discovery…): anonymous callers are rate-limited; a wrong key is a 403."""
        key = _key(request)
        if self.identify(key) is None:
            self._anonymous(request, key)

    def reader(self, request: Request) -> tuple[str, Department | None]:
        """Read access for a GET of work orders; without a key only when the public feed is on (403 otherwise)."""
        key = _key(request)
        identity = self.identify(key)
        if identity is not None:
            return identity
        self._anonymous(request, key)
        if not self.settings.public_feed:
            raise Forbidden("查询工单需要 api_key（GET 请求用 X-Rexian-Api-Key 请求头或 api_key 参数）；"
                            "本服务未开放公开数据。(Reading service requests needs an api_key.)")
        return PUBLIC, None

    @staticmethod
    def level_for(order: WorkOrder, level: str, department: Department | None) -> str:
        """A department sees its own orders in full; other departments' orders like the public."""
        if level == DEPARTMENT and (department is None or order.department != department.code):
            return PUBLIC
        return level

    def require_client(self, request: Request, key: str | None) -> None:
        identity = self.identify(key)
        if identity is None:
            self._anonymous(request, key)
            raise Forbidden("缺少 api_key：提交和修改工单必须提供 api_key。")
        if identity[0] != FULL:
            raise Forbidden("该 api_key 是承办部门密钥，不能执行此操作；请使用热线（机器人）的 api_key。")

    def require_department(self, request: Request, key: str | None) -> Department:
        identity = self.identify(key)
        if identity is None:
            self._anonymous(request, key)
            raise Forbidden("缺少 api_key：承办部门操作必须提供本部门的密钥。")
        if identity[1] is None:
            raise Forbidden("首次联系、延期和办结只能由承办部门用本部门的密钥提交。")
        return identity[1]


def _key(request: Request, form: Any = None) -> str | None:
    if form is not None and form.get("api_key"):
        return str(form.get("api_key"))
    return request.headers.get(API_KEY_HEADER) or request.query_params.get("api_key")


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


def _date_param(request: Request, name: str) -> dt.datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return parse_datetime(raw)
    except ValueError:
        raise BadRequest(f"{name} 必须是 W3C/ISO 8601 时间，如 2025-10-09T10:00:00+08:00。") from None


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI application (migrates the database on start)."""
    settings = settings or Settings.from_env()
    backend = Backend(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        backend.start()
        yield
        backend.stop()

    app = FastAPI(title="Rexian dispatch backend (Open311 GeoReport v2 + 12345)", lifespan=lifespan)
    app.state.backend = backend
    app.add_middleware(BodyLimit)
    app.add_middleware(AnonymousGetLimit, gate=backend.gate, key_header=API_KEY_HEADER,
                       is_valid_key=lambda key: backend.identify(key) is not None)
    app.add_middleware(XmlFormat)  # outermost: it also turns the 429s above into XML
    catalog, workflow = backend.catalog, backend.workflow

    @app.exception_handler(Open311Error)
    async def _open311(_request: Request, exc: Open311Error) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(400, f"请求参数不正确：{exc.errors()[:3]}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return _error(404, f"接口 {request.url.path} 不存在；接口列表见 GET /discovery.json。")
        if exc.status_code == 405:
            return _error(405, f"接口 {request.url.path} 不支持 {request.method} 方法。")
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:
        logger.exception("internal error: %s", type(exc).__name__)
        return _error(500, "服务器内部错误，请稍后重试；如持续出现请联系运营方查看日志。")

    # ------------------------------------------------------------ discovery / services
    @app.get("/discovery.json")
    def discovery(request: Request) -> JSONResponse:
        backend.count_anonymous(request)
        return JSONResponse({
            "changeset": "2026-11-27T00:00:00+08:00",
            "contact": "由运营方在部署时提供（12345 热线中心）",
            "key_service": "向 12345 热线运营方申请 api_key",
            "endpoints": [{
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": settings.public_url,
                "changeset": "2026-11-27T00:00:00+08:00",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }],
            "extensions": "12345 扩展字段与接口见 Rexian docs/dispatch.md",
        })

    @app.get("/health.json")
    def health(request: Request) -> JSONResponse:
        backend.count_anonymous(request)
        calendar = backend.calendar.status(to_local(backend.now(request)).date())
        return JSONResponse({"status": "ok", "calendar": calendar,
                             "warnings": backend.calendar.warnings(to_local(backend.now(request)).date())})

    @app.get("/services.json")
    def services(request: Request) -> JSONResponse:
        backend.count_anonymous(request)
        return JSONResponse([service_json(s) for s in catalog.services.values()])

    @app.get("/services/{service_code}.json")
    def service_definition(service_code: str, request: Request) -> JSONResponse:
        backend.count_anonymous(request)
        service = catalog.services.get(service_code)
        if service is None:
            raise NotFound(f"service_code {service_code!r} 不存在；可用的服务类型见 GET /services.json。")
        return JSONResponse(service_definition_json(service))

    @app.get("/categories.json")
    def categories(request: Request) -> JSONResponse:
        backend.count_anonymous(request)
        return JSONResponse({"default_department": catalog.default_department, "tree": catalog.category_tree(),
                             "departments": {c: d.name for c, d in catalog.departments.items()}})

    # ------------------------------------------------------------ requests
    @app.post("/requests.json")
    async def create_request(request: Request) -> JSONResponse:
        form = await read_form(request)
        backend.require_client(request, _key(request, form))
        new = parse_new_request(form, catalog, request.headers.get(IDEMPOTENCY_HEADER))
        now = backend.now(request)
        outcome = await run_in_threadpool(workflow.create, new, now, "热线机器人")
        order = outcome.order
        return JSONResponse([{
            "service_request_id": order.service_request_id,
            "service_notice": outcome.service_notice,
            "account_id": order.account_id,
            "outcome": outcome.outcome,
            "reminder_count": order.reminder_count,
            "expected_datetime": format_w3c(order.expected_at),
        }])

    @app.get("/requests.json")
    def list_requests(request: Request) -> JSONResponse:
        level, department = backend.reader(request)
        if level == PUBLIC:
            with backend.gate.slot():
                return _list_requests(request, level, department, MAX_PUBLIC_LIST)
        with backend.list_slots:
            return _list_requests(request, level, department, MAX_LIST)

    def _list_requests(request: Request, level: str, department: Department | None, max_list: int
                       ) -> JSONResponse:
        now = backend.now(request)
        if level != PUBLIC:
            workflow.sweep_overdue(now)
        params = request.query_params
        query = select(WorkOrder)
        ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
        if ids:
            query = query.where(WorkOrder.service_request_id.in_(ids[:max_list]))
        else:
            start, end = _date_param(request, "start_date"), _date_param(request, "end_date")
            if start and end and end < start:
                raise BadRequest("end_date 不能早于 start_date。")
            end = end or now
            start = start or end - dt.timedelta(days=MAX_QUERY_DAYS)
            if end - start > dt.timedelta(days=MAX_QUERY_DAYS):
                raise BadRequest(f"查询时间跨度最长 {MAX_QUERY_DAYS} 天，请缩小 start_date 与 end_date 的范围。")
            query = query.where(WorkOrder.requested_at >= start, WorkOrder.requested_at <= end)
            codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
            if codes:
                query = query.where(WorkOrder.service_code.in_(codes))
            statuses = [s.strip() for s in (params.get("status") or "").split(",") if s.strip()]
            if any(s not in ("open", "closed") for s in statuses):
                raise BadRequest("status 只能是 open 或 closed（可用逗号同时指定）。")
            if statuses:
                query = query.where(WorkOrder.status.in_(statuses))
            if params.get("department"):
                query = query.where(WorkOrder.department == params["department"])
            if params.get("supervised"):
                query = query.where(WorkOrder.supervised.is_(parse_bool(params["supervised"], "supervised", False)))
            if params.get("channel_user_id"):
                if level != FULL:
                    raise Forbidden("按 channel_user_id 查询需要机器人的 api_key。")
                if not params.get("channel"):
                    raise BadRequest("按 channel_user_id 查询时必须同时提供 channel。")
                query = query.where(WorkOrder.channel == params["channel"],
                                    WorkOrder.channel_user_id == params["channel_user_id"])
        query = query.order_by(WorkOrder.requested_at.desc(), WorkOrder.id.desc()).limit(max_list)
        with backend.db.read() as session:
            return JSONResponse([request_json(o, catalog, backend.level_for(o, level, department), backend.calendar)
                                 for o in session.execute(query).scalars()])

    @app.get("/requests/{service_request_id}.json")
    def get_request(service_request_id: str, request: Request) -> JSONResponse:
        level, department = backend.reader(request)
        with backend.gate.slot() if level == PUBLIC else contextlib.nullcontext():
            if level != PUBLIC:
                workflow.sweep_overdue(backend.now(request))
            with backend.db.read() as session:
                order = session.execute(
                    select(WorkOrder).where(WorkOrder.service_request_id == service_request_id)
                ).scalar_one_or_none()
                if order is None:
                    raise NotFound(f"工单 {service_request_id} 不存在，请检查 service_request_id。")
                return JSONResponse([request_json(order, catalog, backend.level_for(order, level, department),
                                                  backend.calendar)])

    async def _form_and_key(request: Request) -> tuple[Any, str | None]:
        form = await read_form(request)
        return form, _key(request, form)

    def _one(order: WorkOrder) -> JSONResponse:
        return JSONResponse([request_json(order, catalog, FULL, backend.calendar)])

    @app.post("/requests/{service_request_id}/remind.json")
    async def remind(service_request_id: str, request: Request) -> JSONResponse:
        form, key = await _form_and_key(request)
        backend.require_client(request, key)
        text = repair_utf8(str(form.get("text") or "来电人催办"))[:1000]
        return _one(await run_in_threadpool(workflow.remind, service_request_id, text, backend.now(request),
                                            "热线机器人"))

    @app.post("/requests/{service_request_id}/dispatch.json")
    async def dispatch(service_request_id: str, request: Request) -> JSONResponse:
        form, key = await _form_and_key(request)
        backend.require_client(request, key)
        department = str(form.get("department") or "")
        return _one(await run_in_threadpool(workflow.dispatch, service_request_id, department, backend.now(request),
                                            "热线中心"))

    @app.post("/requests/{service_request_id}/first_contact.json")
    async def first_contact(service_request_id: str, request: Request) -> JSONResponse:
        form, key = await _form_and_key(request)
        department = backend.require_department(request, key)
        text = repair_utf8(str(form.get("text") or ""))[:2000]
        order = await run_in_threadpool(workflow.first_contact, service_request_id, department, text,
                                        backend.now(request))
        return JSONResponse([request_json(order, catalog, DEPARTMENT, backend.calendar)])

    @app.post("/requests/{service_request_id}/close.json")
    async def close(service_request_id: str, request: Request) -> JSONResponse:
        form, key = await _form_and_key(request)
        department = backend.require_department(request, key)
        result = repair_utf8(str(form.get("status_notes") or form.get("result") or "")).strip()
        if not result:
            raise BadRequest("办结必须填写办理结果 status_notes。")
        if len(result) > 4000:
            raise BadRequest("status_notes 最长 4000 字。")
        order = await run_in_threadpool(workflow.close, service_request_id, department, result, backend.now(request))
        return JSONResponse([request_json(order, catalog, DEPARTMENT, backend.calendar)])

    @app.post("/requests/{service_request_id}/extend.json")
    async def extend(service_request_id: str, request: Request) -> JSONResponse:
        form, key = await _form_and_key(request)
        department = backend.require_department(request, key)
        reason = repair_utf8(str(form.get("reason") or "")).strip()[:1000]
        if not reason:
            raise BadRequest("申请延期必须填写理由 reason。")
        order = await run_in_threadpool(workflow.extend, service_request_id, department, reason, backend.now(request))
        return JSONResponse([request_json(order, catalog, DEPARTMENT, backend.calendar)])

    @app.post("/requests/{service_request_id}/survey.json")
    async def survey(service_request_id: str, request: Request) -> JSONResponse:
        form, key = await _form_and_key(request)
        backend.require_client(request, key)
        if form.get("resolved") in (None, ""):
            raise BadRequest("缺少 resolved：问题是否解决（true/false）。")
        resolved = parse_bool(str(form.get("resolved")), "resolved", False)
        satisfaction = repair_utf8(str(form.get("satisfaction") or ""))
        if satisfaction not in SATISFACTION_LEVELS:
            raise BadRequest(f"satisfaction 必须是 {'/'.join(SATISFACTION_LEVELS)} 之一。")
        comment = repair_utf8(str(form.get("comment") or ""))[:2000]
        return _one(await run_in_threadpool(workflow.record_survey, service_request_id, resolved, satisfaction,
                                            comment, backend.now(request), "热线机器人"))

    @app.post("/requests/{service_request_id}/reopen.json")
    async def reopen(service_request_id: str, request: Request) -> JSONResponse:
        form, key = await _form_and_key(request)
        backend.require_client(request, key)
        reason = repair_utf8(str(form.get("reason") or ""))[:1000]
        return _one(await run_in_threadpool(workflow.reopen, service_request_id, reason, backend.now(request),
                                            "热线机器人"))

    @app.post("/requests/{service_request_id}/archive.json")
    async def archive(service_request_id: str, request: Request) -> JSONResponse:
        form, key = await _form_and_key(request)
        backend.require_client(request, key)
        reason = str(form.get("reason") or "")
        if reason not in ("", "no_reply"):
            raise BadRequest("reason 只能为空或 no_reply（回访未获答复）。")
        return _one(await run_in_threadpool(workflow.archive, service_request_id, backend.now(request), "热线中心",
                                            reason == "no_reply"))

    # ------------------------------------------------------------ change feed, metrics
    @app.get("/changes.json")
    def changes(request: Request) -> JSONResponse:
        backend.require_client(request, _key(request))
        workflow.sweep_overdue(backend.now(request))
        raw_cursor = request.query_params.get("cursor") or "0"
        raw_limit = request.query_params.get("limit") or "100"
        if not _CURSOR.fullmatch(raw_cursor) or not _LIMIT.fullmatch(raw_limit):
            raise BadRequest("cursor 和 limit 必须是非负整数；第一次调用不带 cursor。")
        cursor, limit = int(raw_cursor), max(1, min(int(raw_limit), 500))
        with backend.db.read() as session:
            orders = list(session.execute(
                select(WorkOrder).where(WorkOrder.change_seq > cursor)
                .order_by(WorkOrder.change_seq).limit(limit + 1)
            ).scalars())
        has_more = len(orders) > limit
        orders = orders[:limit]
        next_cursor = orders[-1].change_seq if orders else cursor
        return JSONResponse({"cursor": str(next_cursor), "has_more": has_more,
                             "requests": [request_json(o, catalog, FULL, backend.calendar) for o in orders]})

    @app.get("/metrics.json")
    def metrics(request: Request) -> JSONResponse:
        backend.require_client(request, _key(request))
        now = backend.now(request)
        workflow.sweep_overdue(now)
        start, end = _date_param(request, "start_date"), _date_param(request, "end_date")
        if start is None or end is None:
            raise BadRequest("metrics 需要 start_date 和 end_date（统计这段时间内登记的工单）。")
        if end <= start or end - start > dt.timedelta(days=366):
            raise BadRequest("end_date 必须晚于 start_date，跨度不超过 366 天。")
        result = metrics_module.compute(backend.db, catalog, start, end, now)
        return JSONResponse({"start_date": format_w3c(start), "end_date": format_w3c(end), **result})

    return app
