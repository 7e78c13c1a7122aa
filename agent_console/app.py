"""The console's FastAPI app: pages, the agents' JSON API, ``/events`` (SSE) and the bot's ``/internal/*`` API.

``create_app(settings)`` wires the real parts (database, push sender, Rasa resumer, suggested answers, the dispatch
backend of the work orders, the appeal classifier of the pre-filled form); tests and other deployments may pass
their own ``sender``, ``resumer``, ``assist``, ``desk`` or ``reader``. A background task returns the conversations of
agents whose heartbeat stopped to the queue every ``sweep_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Form, Header, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_console import auth, events, pages
from agent_console.assist import Assist, LazyAssist
from agent_console.desk import OrderDesk, client_from_config
from agent_console.knowledge import build_knowledge_desk, knowledge_router, open_upkept_assist
from agent_console.ordering import OrderForm, OrderService, RemindForm, SummaryForm
from agent_console.prefill import LazyAppealReader, open_appeal_reader
from agent_console.usage import suggestion_usage
from agent_console.contract import (
    CONSOLE_TOKEN_HEADER,
    SENDER_PATTERN,
    CancelAnswer,
    CancelRequest,
    HandoffAnswer,
    HandoffRequest,
    HandoffStatus,
    MessageAnswer,
    MessageRequest,
    token_ok,
)
from agent_console.events import EventHub
from agent_console.models import utcnow
from agent_console.outbound import BotResumer, PushReplySender, RasaResumer, ReplySender
from agent_console.service import Actor, ConsoleError, ConsoleService
from agent_console.settings import ConsoleConfig
from agent_console.store import Store

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


class TextBody(BaseModel):
    text: str = Field(max_length=4000)


class ReplyBody(TextBody):
    suggestion_id: int | None = None   # the suggested answer the reply started from (sent unchanged or edited)


def _day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail="日期格式应为 YYYY-MM-DD。") from exc


class SecurityHeaders:
    """Pure ASGI middleware (streams pass through untouched): CSP, no framing, no sniffing, no caching of data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                         (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer")]
                if not static and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = headers + [(k, v) for k, v in extra if k not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _build_assist(settings: ConsoleConfig) -> Assist | None:
    if settings.assist == "kb":
        return LazyAssist(lambda: open_upkept_assist(settings))  # the KB with the agents' upkeep, watched
    return None


def _build_desk(settings: ConsoleConfig) -> OrderDesk | None:
    """The dispatch backend of the ``dispatch`` section (url, the bot's key); None if it cannot be configured."""
    try:
        return OrderDesk(client_from_config(settings))
    except Exception:  # noqa: BLE001 - the console works without work orders
        logger.exception("dispatch backend not configured: work orders unavailable")
        return None


def create_app(settings: ConsoleConfig, *, sender: ReplySender | None = None, resumer: BotResumer | None = None,
               assist: Assist | None = None, hub: EventHub | None = None,
               clock: Callable[[], dt.datetime] = utcnow, desk: OrderDesk | None = None,
               reader: Any = None) -> FastAPI:
    """``desk``: the dispatch backend (default: the ``dispatch`` section); ``reader``: the appeal classifier, or
    anything with ``get()`` returning one (default with ``console.assist=kb``: loaded in the background)."""
    store = Store(settings.db_url).create()
    hub = hub or EventHub()
    service = ConsoleService(
        store, settings, hub=hub, clock=clock,
        sender=sender or PushReplySender(settings.push_urls, settings.push_token),
        resumer=resumer or RasaResumer(settings.rasa_url, settings.rasa_token,
                                       extra_events=[{"event": "slot", "name": slot, "value": None}
                                                     for slot in settings.resume_reset_slots]),
        assist=assist if assist is not None else _build_assist(settings))
    own_desk = desk is None
    desk = desk if desk is not None else _build_desk(settings)
    if reader is None and settings.assist == "kb":
        reader = LazyAppealReader(lambda: open_appeal_reader(desk.category_tree().taxonomy if desk else None))
    orders = OrderService(service, desk, reader)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if isinstance(service.assist, LazyAssist):
            service.assist.start()
        if isinstance(reader, LazyAppealReader):
            reader.start()
        reaper = asyncio.create_task(_reap(service, settings.sweep_seconds), name="console-reaper")
        try:
            yield
        finally:
            reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reaper
            service.suggester.close()
            if own_desk and desk is not None:
                desk.close()
            store.dispose()

    app = FastAPI(title="Rexian 坐席助手", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.service = service
    app.state.orders = orders
    app.state.settings = settings
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(ConsoleError)
    async def console_error(request: Request, exc: ConsoleError) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=exc.status)

    @app.exception_handler(auth.NotLoggedIn)
    async def not_logged_in(request: Request, exc: auth.NotLoggedIn) -> RedirectResponse:
        return RedirectResponse(auth.login_redirect(exc.next_path), status_code=303)

    def run(func: Any, *args: Any) -> Any:
        return run_in_threadpool(func, *args)

    # ------------------------------------------------------------------------------------------ the bot side

    def internal(token: str | None = Header(default=None, alias=CONSOLE_TOKEN_HEADER)) -> None:
        if not token_ok(token, settings.internal_token):
            raise HTTPException(status_code=401, detail="坐席助手内部接口令牌无效。")

    @app.post("/internal/handoff", response_model=HandoffAnswer, dependencies=[Depends(internal)])
    async def internal_handoff(request: HandoffRequest) -> HandoffAnswer:
        return await run(service.open_handoff, request)  # type: ignore[no-any-return]

    @app.post("/internal/message", response_model=MessageAnswer, dependencies=[Depends(internal)])
    async def internal_message(request: MessageRequest) -> MessageAnswer:
        answer = await run(service.add_message, request)
        if answer is None:
            raise HTTPException(status_code=404, detail="该市民没有等待或进行中的人工会话。")
        return answer  # type: ignore[no-any-return]

    @app.get("/internal/handoff/{sender_id}", response_model=HandoffStatus, dependencies=[Depends(internal)])
    async def internal_status(sender_id: str) -> HandoffStatus:
        if not re.match(SENDER_PATTERN, sender_id):
            raise HTTPException(status_code=422, detail="会话标识无效。")
        return await run(service.status, sender_id)  # type: ignore[no-any-return]

    @app.post("/internal/handoff/{sender_id}/cancel", response_model=CancelAnswer, dependencies=[Depends(internal)])
    async def internal_cancel(sender_id: str, request: CancelRequest) -> CancelAnswer:
        if not re.match(SENDER_PATTERN, sender_id):
            raise HTTPException(status_code=422, detail="会话标识无效。")
        answer = await run(service.cancel_handoff, sender_id, request)
        if answer is None:
            raise HTTPException(status_code=404, detail="该市民没有等待或进行中的人工会话。")
        return answer  # type: ignore[no-any-return]

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    # ---------------------------------------------------------------------------------------- login, logout

    def login_form(request: Request, *, error: str = "", name: str = "", status: int = 200,
                   next_path: str | None = None) -> HTMLResponse:
        token = secrets.token_urlsafe(32)
        response = HTMLResponse(pages.login_page(token, auth.safe_next(next_path or request.query_params.get("next")),
                                                 error, name), status_code=status)
        response.set_cookie(auth.LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                            secure=settings.cookie_secure, path="/login")
        return response

    @app.get("/login", response_class=HTMLResponse)
    async def login_get(request: Request) -> Response:
        if await auth.optional_actor(request) is not None:
            return RedirectResponse(auth.safe_next(request.query_params.get("next")), status_code=303)
        return login_form(request)

    @app.post("/login")
    async def login_post(request: Request, name: str = Form(""), password: str = Form(""),
                         csrf_token: str = Form(""), next: str = Form("/queue")) -> Response:
        if not auth.same(csrf_token, request.cookies.get(auth.LOGIN_CSRF_COOKIE)):
            return login_form(request, error="登录页面已过期，请重新登录。", name=name, status=403, next_path=next)
        try:
            token, actor = await run(lambda: service.login(name.strip(), password, ip=_client_ip(request)))
        except ConsoleError as exc:
            return login_form(request, error=exc.message, name=name, status=exc.status, next_path=next)
        old = request.cookies.get(auth.SESSION_COOKIE)
        if old:  # never keep a session token from before the login (fixation)
            previous = await run(service.actor_for, old)
            if previous is not None:
                await run(service.logout, previous)
        response = RedirectResponse(auth.safe_next(next), status_code=303)
        response.set_cookie(auth.SESSION_COOKIE, token, max_age=int(settings.session_hours * 3600), httponly=True,
                            samesite="strict", secure=settings.cookie_secure, path="/")
        response.delete_cookie(auth.LOGIN_CSRF_COOKIE, path="/login")
        return response

    @app.post("/logout")
    async def logout(actor: Actor = Depends(auth.csrf_actor)) -> Response:
        await run(service.logout, actor)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE, path="/")
        return response

    # -------------------------------------------------------------------------------------------------- pages

    @app.get("/")
    async def root() -> RedirectResponse:
        return RedirectResponse("/queue", status_code=303)

    @app.get("/queue", response_class=HTMLResponse)
    async def queue_page(actor: Actor = Depends(auth.page_actor)) -> str:
        return pages.queue_page(actor)

    @app.get("/conversations/{conversation_id}", response_class=HTMLResponse)
    async def conversation_page(conversation_id: int, actor: Actor = Depends(auth.page_actor)) -> Response:
        try:
            await run(service.record_view, conversation_id, actor)
        except ConsoleError as exc:
            return HTMLResponse(pages.message_page("没有这个会话", exc.message, actor), status_code=exc.status)
        return HTMLResponse(pages.conversation_page(actor, conversation_id))

    @app.get("/calls", response_class=HTMLResponse)
    async def calls_page(actor: Actor = Depends(auth.page_actor)) -> str:
        return pages.calls_page(actor)

    @app.get("/calls/{conversation_id}", response_class=HTMLResponse)
    async def call_page(conversation_id: int, actor: Actor = Depends(auth.page_actor)) -> Response:
        try:
            await run(service.record_view, conversation_id, actor)
        except ConsoleError as exc:
            return HTMLResponse(pages.message_page("没有这条来电记录", exc.message, actor), status_code=exc.status)
        return HTMLResponse(pages.conversation_page(actor, conversation_id, call=True))

    @app.get("/supervisor", response_class=HTMLResponse)
    async def supervisor_page(actor: Actor = Depends(auth.page_actor)) -> Response:
        if not actor.is_supervisor:
            return HTMLResponse(pages.message_page("无权访问", "班长视图仅对班长开放。", actor), status_code=403)
        return HTMLResponse(pages.supervisor_page(actor))

    # ---------------------------------------------------------------------------------------- the agents' API

    @app.get("/api/me")
    async def me(actor: Actor = Depends(auth.api_actor)) -> dict[str, Any]:
        return {"id": actor.user_id, "name": actor.name, "display_name": actor.display_name, "role": actor.role}

    @app.get("/api/queue")
    async def api_queue(actor: Actor = Depends(auth.api_actor)) -> dict[str, Any]:
        return await run(service.queue_view, actor)  # type: ignore[no-any-return]

    @app.get("/api/conversations/{conversation_id}")
    async def api_conversation(conversation_id: int, actor: Actor = Depends(auth.api_actor)) -> dict[str, Any]:
        return await run(service.conversation_view, conversation_id, actor)  # type: ignore[no-any-return]

    @app.get("/api/conversations/{conversation_id}/suggestions")
    async def api_suggestions(conversation_id: int, actor: Actor = Depends(auth.api_actor)) -> dict[str, Any]:
        return await run(service.suggestions, conversation_id, actor)  # type: ignore[no-any-return]

    @app.post("/api/conversations/{conversation_id}/take")
    async def api_take(conversation_id: int, actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run(service.take, conversation_id, actor)  # type: ignore[no-any-return]

    @app.post("/api/conversations/{conversation_id}/reply")
    async def api_reply(conversation_id: int, body: ReplyBody,
                        actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run(service.reply, conversation_id, actor, body.text,  # type: ignore[no-any-return]
                         body.suggestion_id)

    @app.post("/api/conversations/{conversation_id}/note")
    async def api_note(conversation_id: int, body: TextBody,
                       actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run(service.note, conversation_id, actor, body.text)  # type: ignore[no-any-return]

    @app.post("/api/conversations/{conversation_id}/handback")
    async def api_handback(conversation_id: int, actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run(service.hand_back, conversation_id, actor)  # type: ignore[no-any-return]

    @app.post("/api/conversations/{conversation_id}/close")
    async def api_close(conversation_id: int, actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run(service.close, conversation_id, actor)  # type: ignore[no-any-return]

    @app.post("/api/conversations/{conversation_id}/reveal")
    async def api_reveal(conversation_id: int, actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run(service.reveal, conversation_id, actor)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------------------ work orders, summary

    @app.get("/api/catalog")
    async def api_catalog(actor: Actor = Depends(auth.api_actor)) -> dict[str, Any]:
        return await run(orders.catalog)  # type: ignore[no-any-return]

    @app.get("/api/conversations/{conversation_id}/order/draft")
    async def api_order_draft(conversation_id: int, actor: Actor = Depends(auth.api_actor)) -> dict[str, Any]:
        return await run(orders.draft, conversation_id, actor)  # type: ignore[no-any-return]

    @app.get("/api/conversations/{conversation_id}/orders")
    async def api_orders(conversation_id: int, actor: Actor = Depends(auth.api_actor)) -> dict[str, Any]:
        return await run(orders.orders_of, conversation_id)  # type: ignore[no-any-return]

    @app.post("/api/conversations/{conversation_id}/orders")
    async def api_order_create(conversation_id: int, form: OrderForm,
                               actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run(orders.create, conversation_id, actor, form)  # type: ignore[no-any-return]

    @app.get("/api/conversations/{conversation_id}/similar")
    async def api_similar(conversation_id: int, category: str | None = None, text: str | None = None,
                          actor: Actor = Depends(auth.api_actor)) -> dict[str, Any]:
        return await run(lambda: orders.similar(conversation_id, actor, (category or "")[:255] or None,
                                                (text or "")[:1000] or None))

    @app.post("/api/conversations/{conversation_id}/remind")
    async def api_remind(conversation_id: int, form: RemindForm,
                         actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run(orders.remind, conversation_id, actor, form)  # type: ignore[no-any-return]

    @app.get("/api/conversations/{conversation_id}/summary")
    async def api_summary_draft(conversation_id: int, actor: Actor = Depends(auth.api_actor)) -> dict[str, Any]:
        return await run(orders.summary_draft, conversation_id, actor)  # type: ignore[no-any-return]

    @app.post("/api/conversations/{conversation_id}/summary")
    async def api_summary(conversation_id: int, form: SummaryForm,
                          actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run(orders.save_summary, conversation_id, actor, form.text)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------------------------------- call assist

    @app.get("/api/calls")
    async def api_calls(actor: Actor = Depends(auth.api_actor)) -> dict[str, Any]:
        return await run(service.calls_of, actor)  # type: ignore[no-any-return]

    @app.post("/api/calls")
    async def api_call_start(actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run(service.start_call, actor)  # type: ignore[no-any-return]

    @app.post("/api/calls/{conversation_id}/lines")
    async def api_call_line(conversation_id: int, body: TextBody,
                            actor: Actor = Depends(auth.csrf_actor)) -> dict[str, Any]:
        return await run(service.add_line, conversation_id, actor, body.text)  # type: ignore[no-any-return]

    @app.post("/api/ping")
    async def api_ping(actor: Actor = Depends(auth.csrf_actor)) -> dict[str, bool]:
        await run(service.heartbeat, actor)
        return {"ok": True}

    @app.get("/api/supervisor")
    async def api_supervisor(actor: Actor = Depends(auth.supervisor_api_actor)) -> dict[str, Any]:
        return await run(service.supervisor_view)  # type: ignore[no-any-return]

    @app.get("/api/supervisor/orders")
    async def api_supervisor_orders(actor: Actor = Depends(auth.supervisor_api_actor)) -> dict[str, Any]:
        return await run(orders.oversight)  # type: ignore[no-any-return]

    @app.get("/api/stats/suggestions")
    async def api_suggestion_stats(start: str | None = None, end: str | None = None,
                                   actor: Actor = Depends(auth.supervisor_api_actor)) -> dict[str, Any]:
        first, last = _day(start), _day(end)
        usage = await run(lambda: suggestion_usage(store, first, last + dt.timedelta(days=1) if last else None))
        return usage.to_dict()  # type: ignore[no-any-return]

    @app.get("/api/audit")
    async def api_audit(action: str | None = None, limit: int = 100,
                        actor: Actor = Depends(auth.supervisor_api_actor)) -> dict[str, Any]:
        entries = await run(lambda: service.audit_entries(action=action, limit=max(1, min(limit, 500))))
        return {"entries": entries}

    # ------------------------------------------------------------------------------------------- live updates

    @app.get("/events")
    async def stream(request: Request, actor: Actor = Depends(auth.api_actor)) -> StreamingResponse:
        token = request.cookies.get(auth.SESSION_COOKIE)
        subscriber = hub.subscribe(actor.user_id)
        await run(service.heartbeat, actor)

        async def body() -> AsyncIterator[str]:
            try:
                yield "retry: 3000\n\n" + events.format_sse("hello", json.dumps({"user_id": actor.user_id}))
                while True:
                    try:
                        item = await asyncio.wait_for(subscriber.queue.get(), timeout=settings.ping_seconds)
                    except asyncio.TimeoutError:
                        yield ": ping\n\n"  # written first: a closed connection ends here, before the heartbeat
                        if await run(service.actor_for, token) is None:
                            yield events.format_sse("logout", "{}")
                            return
                        await run(service.heartbeat, actor)
                        continue
                    if item is None:
                        return
                    event, payload = item
                    if event == events.RESYNC:
                        subscriber.overflowed = False
                    yield events.format_sse(event, payload, hub.next_id())
            finally:
                hub.unsubscribe(subscriber)

        return StreamingResponse(body(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    app.include_router(knowledge_router(lambda: build_knowledge_desk(settings, service)))  # 知识库维护

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


async def _reap(service: ConsoleService, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await run_in_threadpool(service.sweep)
        except Exception:  # noqa: BLE001 - keep sweeping; a database hiccup must not stop the heartbeat check
            logger.exception("sweep failed")
