"""The 12345 actions on one order: ``POST /requests/{id}/<action>.json``, form-encoded, answering ``[order]``.

Every action takes the same steps (:func:`_endpoint`): read the form and its ``api_key``; check the role — the
hotline's key (bot or operator), or for a department's action the key of a department (the workflow checks that
the order is that department's); parse and check the action's own fields (400); run the
:class:`~dispatch_backend.workflow.Workflow` method in a worker thread; answer the updated order as the caller may
see it (the hotline everything, a department :data:`~dispatch_backend.views.DEPARTMENT`). An action is one row of
:data:`ACTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from domain import SATISFACTION_LEVELS

from ..access import api_key
from ..errors import BadRequest
from ..forms import read_form
from ..intake import parse_bool, repair_utf8
from ..models import WorkOrder
from ..views import DEPARTMENT, FULL
from ..workflow import Workflow
from .common import BOT, HOTLINE_CENTRE, BackendDep, orders_answer
from .service_requests import IDEMPOTENCY_HEADER

Fields = dict[str, Any]


@dataclass(frozen=True)
class Action:
    """``POST /requests/{id}/<name>.json``: ``run(workflow, service_request_id, now=…, <who>, **fields(form))``,
    where ``<who>`` is ``actor=actor`` for the hotline's actions and ``department=<the caller's department>`` for
    a department's (``actor`` empty)."""

    name: str
    run: Callable[..., WorkOrder]
    fields: Callable[[FormData], Fields]
    actor: str = ""
    keyed: bool = False  # takes an ``idempotency_key`` (form field or ``Idempotency-Key`` header)

    @property
    def by_department(self) -> bool:
        return not self.actor


def _text(form: FormData, name: str, limit: int, default: str = "") -> str:
    return repair_utf8(str(form.get(name) or default))[:limit]


def _remind(form: FormData) -> Fields:
    return {"text": _text(form, "text", 1000, "来电人催办")}


def _dispatch(form: FormData) -> Fields:
    return {"department": str(form.get("department") or "")}


def _first_contact(form: FormData) -> Fields:
    return {"text": _text(form, "text", 2000)}


def _close(form: FormData) -> Fields:
    result = repair_utf8(str(form.get("status_notes") or form.get("result") or "")).strip()
    if not result:
        raise BadRequest("办结必须填写办理结果 status_notes。")
    if len(result) > 4000:
        raise BadRequest("status_notes 最长 4000 字。")
    return {"result": result}


def _extend(form: FormData) -> Fields:
    reason = repair_utf8(str(form.get("reason") or "")).strip()[:1000]
    if not reason:
        raise BadRequest("申请延期必须填写理由 reason。")
    return {"reason": reason}


def _survey(form: FormData) -> Fields:
    if form.get("resolved") in (None, ""):
        raise BadRequest("缺少 resolved：问题是否解决（true/false）。")
    resolved = parse_bool(str(form.get("resolved")), "resolved", False)
    satisfaction = repair_utf8(str(form.get("satisfaction") or ""))
    if satisfaction not in SATISFACTION_LEVELS:
        raise BadRequest(f"satisfaction 必须是 {'/'.join(SATISFACTION_LEVELS)} 之一。")
    return {"resolved": resolved, "satisfaction": satisfaction, "comment": _text(form, "comment", 2000)}


def _reopen(form: FormData) -> Fields:
    return {"reason": _text(form, "reason", 1000)}


def _note(form: FormData) -> Fields:
    text = repair_utf8(str(form.get("text") or "")).strip()
    if not text:
        raise BadRequest("备注内容 text 不能为空。")
    if len(text) > 4000:
        raise BadRequest("text 最长 4000 字。")
    return {"text": text, "author": _text(form, "author", 64).strip()}


def _archive(form: FormData) -> Fields:
    reason = str(form.get("reason") or "")
    if reason not in ("", "no_reply"):
        raise BadRequest("reason 只能为空或 no_reply（回访未获答复）。")
    return {"no_reply": reason == "no_reply"}


ACTIONS: tuple[Action, ...] = (
    Action("remind", Workflow.remind, _remind, BOT),                    # 催办
    Action("dispatch", Workflow.dispatch, _dispatch, HOTLINE_CENTRE),   # 改派
    Action("first_contact", Workflow.first_contact, _first_contact),    # 首次联系 (department)
    Action("close", Workflow.close, _close),                            # 办结 (department)
    Action("extend", Workflow.extend, _extend),                         # 延期 (department)
    Action("survey", Workflow.record_survey, _survey, BOT),             # 回访 (reopens when the rule says so)
    Action("reopen", Workflow.reopen, _reopen, BOT),                    # 回访复核
    Action("archive", Workflow.archive, _archive, HOTLINE_CENTRE),      # 归档
    Action("note", Workflow.note, _note, HOTLINE_CENTRE, keyed=True),   # 备注 (e.g. a seat agent's 服务小结)
)


def _endpoint(action: Action) -> Callable[..., Any]:
    async def endpoint(service_request_id: str, request: Request, backend: BackendDep) -> JSONResponse:
        form = await read_form(request)
        key = api_key(request, form)
        if action.by_department:
            who: Fields = {"department": backend.access.require_department(request, key)}
        else:
            backend.access.require_client(request, key)
            who = {"actor": action.actor}
        fields = action.fields(form)
        if action.keyed:
            key = str(form.get("idempotency_key") or request.headers.get(IDEMPOTENCY_HEADER) or "").strip()
            if len(key) > 128:
                raise BadRequest("idempotency_key 最长 128 个字符。")
            fields["idempotency_key"] = key or None
        order = await run_in_threadpool(action.run, backend.workflow, service_request_id,
                                        now=backend.now(request), **who, **fields)
        return orders_answer(backend, [order], DEPARTMENT if action.by_department else FULL)

    endpoint.__name__ = action.name
    return endpoint


router = APIRouter()
for _action in ACTIONS:
    router.add_api_route(f"/requests/{{service_request_id}}/{_action.name}.json", _endpoint(_action),
                         methods=["POST"], name=_action.name)
