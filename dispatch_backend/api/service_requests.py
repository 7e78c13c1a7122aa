"""GeoReport service requests: create one (``POST /requests.json``), list them, get one.

This module parses and checks the query parameters into a :class:`~dispatch_backend.queries.OrderFilter`; the
query itself is :meth:`~dispatch_backend.queries.Orders.list`.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..access import Caller, api_key
from ..backend import Backend
from ..clock import format_w3c
from ..errors import BadRequest, Forbidden
from ..forms import read_form
from ..intake import parse_bool, parse_new_request
from ..queries import OrderFilter
from ..views import FULL, PUBLIC
from .common import BOT, BackendDep, comma_list, date_param, orders_answer

router = APIRouter()

IDEMPOTENCY_HEADER = "Idempotency-Key"
#: The longest registration period one list call may cover (also the default: the last 90 days).
MAX_QUERY_DAYS = 90
#: Orders per list call with a key.
MAX_LIST = 1000
#: Orders per call of the public feed (anonymous clients page with start_date/end_date).
MAX_PUBLIC_LIST = 200
GEOREPORT_STATUSES = ("open", "closed")


@router.post("/requests.json")
async def create_request(request: Request, backend: BackendDep) -> JSONResponse:
    form = await read_form(request)
    backend.access.require_client(request, api_key(request, form))
    new = parse_new_request(form, backend.catalog, request.headers.get(IDEMPOTENCY_HEADER))
    now = backend.now(request)
    outcome = await run_in_threadpool(backend.workflow.create, new, now, BOT)
    order = outcome.order
    return JSONResponse([{
        "service_request_id": order.service_request_id,
        "service_notice": outcome.service_notice,
        "account_id": order.account_id,
        "outcome": outcome.outcome,
        "reminder_count": order.reminder_count,
        "expected_datetime": format_w3c(order.expected_at),
    }])


@router.get("/requests.json")
def list_requests(request: Request, backend: BackendDep) -> JSONResponse:
    caller = backend.access.reader(request)
    if caller.level == PUBLIC:
        with backend.gate.slot():
            return _list(request, backend, caller, MAX_PUBLIC_LIST)
    with backend.list_slots:
        return _list(request, backend, caller, MAX_LIST)


def _list(request: Request, backend: Backend, caller: Caller, limit: int) -> JSONResponse:
    now = backend.now(request)
    if caller.level != PUBLIC:
        backend.workflow.sweep_overdue(now)
    wanted = order_filter(request, caller, now, limit)
    return orders_answer(backend, backend.orders.list(wanted), caller.view_of)


def order_filter(request: Request, caller: Caller, now: dt.datetime, limit: int) -> OrderFilter:
    """The query parameters of ``GET /requests.json`` (400/403 for a bad one)."""
    params = request.query_params
    ids = comma_list(params.get("service_request_id"))
    if ids:
        return OrderFilter(limit=limit, ids=ids)
    start, end = date_param(request, "start_date"), date_param(request, "end_date")
    if start and end and end < start:
        raise BadRequest("end_date 不能早于 start_date。")
    end = end or now
    start = start or end - dt.timedelta(days=MAX_QUERY_DAYS)
    if end - start > dt.timedelta(days=MAX_QUERY_DAYS):
        raise BadRequest(f"查询时间跨度最长 {MAX_QUERY_DAYS} 天，请缩小 start_date 与 end_date 的范围。")
    service_codes = comma_list(params.get("service_code"))
    statuses = comma_list(params.get("status"))
    if any(s not in GEOREPORT_STATUSES for s in statuses):
        raise BadRequest("status 只能是 open 或 closed（可用逗号同时指定）。")
    department = params.get("department") or None
    supervised = parse_bool(params["supervised"], "supervised", False) if params.get("supervised") else None
    channel_user_id = params.get("channel_user_id") or None
    if channel_user_id:
        if caller.level != FULL:
            raise Forbidden("按 channel_user_id 查询需要机器人的 api_key。")
        if not params.get("channel"):
            raise BadRequest("按 channel_user_id 查询时必须同时提供 channel。")
    return OrderFilter(limit=limit, start=start, end=end, service_codes=service_codes, statuses=statuses,
                       department=department, supervised=supervised,
                       channel=params.get("channel") if channel_user_id else None, channel_user_id=channel_user_id)


@router.get("/requests/{service_request_id}.json")
def get_request(service_request_id: str, request: Request, backend: BackendDep) -> JSONResponse:
    caller = backend.access.reader(request)
    with backend.gate.slot() if caller.level == PUBLIC else contextlib.nullcontext():
        if caller.level != PUBLIC:
            backend.workflow.sweep_overdue(backend.now(request))
        return orders_answer(backend, [backend.orders.get(service_request_id)], caller.view_of)
