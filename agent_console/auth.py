"""Who is asking: the session cookie, the per-session CSRF token, roles, and the login form's own CSRF cookie.

* The session cookie holds a random token (``HttpOnly``, ``SameSite=Strict``, ``Secure`` behind HTTPS); the
  database keeps only its SHA-256, with an absolute expiry and an idle timeout.
* Every state-changing request (any method but GET/HEAD) of a logged-in user must carry the session's CSRF token
  in the ``X-CSRF-Token`` header or a ``csrf_token`` form field: 403 otherwise. The login form, which has no
  session yet, uses a double-submit token: a random ``SameSite=Strict`` cookie that the form must repeat.
* Logged out: pages redirect to ``/login``, the API and ``/events`` answer 401. Supervisor pages and API answer
  403 to agents.
"""

from __future__ import annotations

import hmac
from urllib.parse import quote

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from agent_console.service import Actor, ConsoleService

SESSION_COOKIE = "rexian_console_session"
LOGIN_CSRF_COOKIE = "rexian_console_login"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NotLoggedIn(Exception):
    """Raised by page dependencies: the page handler answers with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def service_of(request: Request) -> ConsoleService:
    return request.app.state.service  # type: ignore[no-any-return]


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


_UNSET = object()


async def optional_actor(request: Request) -> Actor | None:
    """The logged-in user, looked up once per request (None when logged out)."""
    cached = getattr(request.state, "console_actor", _UNSET)
    if cached is _UNSET:
        token = request.cookies.get(SESSION_COOKIE)
        cached = await run_in_threadpool(service_of(request).actor_for, token) if token else None
        request.state.console_actor = cached
    return cached  # type: ignore[return-value]


async def api_actor(request: Request) -> Actor:
    actor = await optional_actor(request)
    if actor is None:
        raise HTTPException(status_code=401, detail="请先登录。")
    return actor


async def page_actor(request: Request) -> Actor:
    actor = await optional_actor(request)
    if actor is None:
        raise NotLoggedIn(request.url.path)
    return actor


async def presented_csrf(request: Request) -> str | None:
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").split(";")[0].strip() in FORM_TYPES:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    return token


async def csrf_actor(request: Request) -> Actor:
    """The logged-in user of a state-changing request that carries the session's CSRF token."""
    actor = await api_actor(request)
    if not same(await presented_csrf(request), actor.csrf_token):
        raise HTTPException(status_code=403, detail="安全校验失败（CSRF），请刷新页面后重试。")
    return actor


async def supervisor_api_actor(request: Request) -> Actor:
    actor = await api_actor(request)
    if not actor.is_supervisor:
        raise HTTPException(status_code=403, detail="仅班长可以访问。")
    return actor


def login_redirect(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def safe_next(value: str | None) -> str:
    """Only a local path may follow the login (no ``//host`` or ``/\\host`` open redirect)."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")) and "\n" not in value:
        return value
    return "/queue"
