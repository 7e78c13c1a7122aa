"""What every router uses: the running :class:`~dispatch_backend.backend.Backend`, order answers, date parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from ..backend import Backend
from ..clock import parse_datetime
from ..errors import BadRequest
from ..models import WorkOrder
from ..views import request_json


async def backend_of(request: Request) -> Backend:
    """The backend :func:`~dispatch_backend.app.create_app` built (a coroutine: no worker thread for it)."""
    return request.app.state.backend  # type: ignore[no-any-return]


#: An endpoint parameter receiving the running backend.
BackendDep = Annotated[Backend, Depends(backend_of)]


def orders_answer(backend: Backend, orders: Iterable[WorkOrder], view: str | Callable[[WorkOrder], str]
                  ) -> JSONResponse:
    """A GeoReport list of service requests, each as ``view`` (an access level, or one per order) shows it."""
    view_of = view if callable(view) else (lambda _order: view)
    return JSONResponse([request_json(o, backend.catalog, view_of(o), backend.calendar) for o in orders])


def date_param(request: Request, name: str) -> dt.datetime | None:
    """An optional W3C/ISO 8601 query parameter as naive UTC (400 when malformed)."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return parse_datetime(raw)
    except ValueError:
        raise BadRequest(f"{name} 必须是 W3C/ISO 8601 时间，如 2025-10-09T10:00:00+08:00。") from None


#: Who the history notes name for the hotline's own calls: the bot's (create, remind, survey, reopen) and the
#: operator's (re-dispatch, archive).
BOT = "热线机器人"
HOTLINE_CENTRE = "热线中心"


def comma_list(raw: str | None) -> tuple[str, ...]:
    """``"a, b,,c"`` → ``("a", "b", "c")``."""
    return tuple(item.strip() for item in (raw or "").split(",") if item.strip())
