"""What the hotline reads in bulk: the change feed (``/changes.json``) and the period metrics (``/metrics.json``)."""

from __future__ import annotations

import datetime as dt
import re

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from .. import metrics as metrics_module
from ..access import api_key
from ..clock import format_w3c
from ..errors import BadRequest
from ..views import FULL, request_json
from .common import BackendDep, date_param

router = APIRouter()

_CURSOR = re.compile(r"[0-9]{1,18}")  # ASCII digits only (not ², ٣ …), within a signed 64-bit counter
_LIMIT = re.compile(r"[0-9]{1,6}")
#: Orders per page of the change feed, at most.
MAX_CHANGES = 500
#: The longest period of one metrics call.
MAX_METRICS_DAYS = 366


@router.get("/changes.json")
def changes(request: Request, backend: BackendDep) -> JSONResponse:
    backend.access.require_client(request, api_key(request))
    backend.workflow.sweep_overdue(backend.now(request))
    raw_cursor = request.query_params.get("cursor") or "0"
    raw_limit = request.query_params.get("limit") or "100"
    if not _CURSOR.fullmatch(raw_cursor) or not _LIMIT.fullmatch(raw_limit):
        raise BadRequest("cursor 和 limit 必须是非负整数；第一次调用不带 cursor。")
    page = backend.orders.changed_since(int(raw_cursor), max(1, min(int(raw_limit), MAX_CHANGES)))
    return JSONResponse({"cursor": str(page.cursor), "has_more": page.has_more,
                         "requests": [request_json(o, backend.catalog, FULL, backend.calendar) for o in page.orders]})


@router.get("/metrics.json")
def metrics(request: Request, backend: BackendDep) -> JSONResponse:
    backend.access.require_client(request, api_key(request))
    now = backend.now(request)
    backend.workflow.sweep_overdue(now)
    start, end = date_param(request, "start_date"), date_param(request, "end_date")
    if start is None or end is None:
        raise BadRequest("metrics 需要 start_date 和 end_date（统计这段时间内登记的工单）。")
    if end <= start or end - start > dt.timedelta(days=MAX_METRICS_DAYS):
        raise BadRequest(f"end_date 必须晚于 start_date，跨度不超过 {MAX_METRICS_DAYS} 天。")
    result = metrics_module.compute(backend.db, backend.catalog, start, end, now)
    return JSONResponse({"start_date": format_w3c(start), "end_date": format_w3c(end), **result})
