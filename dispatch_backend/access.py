"""Who is calling, and what they may do: api_keys, roles and the limit on anonymous callers.

Three kinds of caller (see :mod:`.views` for what each may read):

* the bot / hotline operator, with one of ``REXIAN_DISPATCH_API_KEY``'s keys: everything (``FULL``);
* a department, with its key from ``departments.yml``: its own orders in full, its own actions (``DEPARTMENT``);
* anyone else: the open endpoints, and the redacted public feed when it is on (``PUBLIC``). Every such request —
  a wrong key included — is counted against its address by :class:`~.ratelimit.PublicGate` (429 past the limit);
  ``GET``s are already counted by :class:`~.ratelimit.AnonymousGetLimit` before routing.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from .catalog import Catalog, Department
from .errors import Forbidden
from .models import WorkOrder
from .ratelimit import COUNTED, PublicGate, client_address
from .views import DEPARTMENT, FULL, PUBLIC

API_KEY_HEADER = "X-Rexian-Api-Key"


def api_key(request: Request, form: Any = None) -> str | None:
    """The caller's key: the form's ``api_key`` (a POST), else the header, else the ``api_key`` query parameter."""
    if form is not None and form.get("api_key"):
        return str(form.get("api_key"))
    return request.headers.get(API_KEY_HEADER) or request.query_params.get("api_key")


@dataclass(frozen=True)
class Caller:
    """An identified caller: the access level of its key, and the department of a department key."""

    level: str
    department: Department | None = None

    def view_of(self, order: WorkOrder) -> str:
        """A department sees its own orders in full; other departments' orders like the public."""
        if self.level == DEPARTMENT and (self.department is None or order.department != self.department.code):
            return PUBLIC
        return self.level


ANONYMOUS = Caller(PUBLIC)


class Access:
    """The key and role checks of every endpoint (each raises the endpoint's 403 or 429)."""

    def __init__(self, client_keys: Sequence[str], catalog: Catalog, gate: PublicGate, public_feed: bool) -> None:
        self._client_keys = tuple(client_keys)
        self._catalog = catalog
        self._gate = gate
        self._public_feed = public_feed

    def identify(self, key: str | None) -> Caller | None:
        """FULL (bot/operator) or DEPARTMENT for a valid key; None for no key or a wrong one."""
        if not key:
            return None
        if any(hmac.compare_digest(key.encode(), k.encode()) for k in self._client_keys):
            return Caller(FULL)
        department = self._catalog.department_by_key(key)
        return Caller(DEPARTMENT, department) if department is not None else None

    def is_valid(self, key: str | None) -> bool:
        """Whether ``key`` is a bot or department key (what :class:`~.ratelimit.AnonymousGetLimit` asks)."""
        return self.identify(key) is not None

    def _anonymous(self, request: Request, key: str | None) -> None:
        """A request without a valid key: count it against its address's limit (429), refuse a wrong key (403)."""
        if not request.scope.get(COUNTED):
            self._gate.admit(client_address(request.scope))
        if key:
            raise Forbidden("api_key 无效：请使用运营方分配的密钥（开发环境见 docs/dispatch.md）。")

    def count_anonymous(self, request: Request) -> None:
        """Open endpoints (services, discovery…): anonymous callers are rate-limited; a wrong key is a 403."""
        key = api_key(request)
        if self.identify(key) is None:
            self._anonymous(request, key)

    def reader(self, request: Request) -> Caller:
        """Read access for a GET of work orders; without a key only when the public feed is on (403 otherwise)."""
        key = api_key(request)
        caller = self.identify(key)
        if caller is not None:
            return caller
        self._anonymous(request, key)
        if not self._public_feed:
            raise Forbidden("查询工单需要 api_key（GET 请求用 X-Rexian-Api-Key 请求头或 api_key 参数）；"
                            "本服务未开放公开数据。(Reading service requests needs an api_key.)")
        return ANONYMOUS

    def require_client(self, request: Request, key: str | None) -> None:
        """The bot's (or operator's) key, for creating and changing orders and the hotline's feeds."""
        caller = self.identify(key)
        if caller is None:
            self._anonymous(request, key)
            raise Forbidden("缺少 api_key：提交和修改工单必须提供 api_key。")
        if caller.level != FULL:
            raise Forbidden("该 api_key 是承办部门密钥，不能执行此操作；请使用热线（机器人）的 api_key。")

    def require_department(self, request: Request, key: str | None) -> Department:
        """A department's own key, for its actions (first contact, extension, closure)."""
        caller = self.identify(key)
        if caller is None:
            self._anonymous(request, key)
            raise Forbidden("缺少 api_key：承办部门操作必须提供本部门的密钥。")
        if caller.department is None:
            raise Forbidden("首次联系、延期和办结只能由承办部门用本部门的密钥提交。")
        return caller.department
