"""The dispatch backend as the console uses it: the category tree, the Open311 service of a category, creating an
order, open orders (similar ones, overdue and 督办 ones), 催办 and the 三率.

Everything goes through :class:`dispatch_client.DispatchClient` with the bot's key (``dispatch.url``,
``dispatch.effective_api_key``); the console files orders directly (an agent is waiting for the number, so there is
no outbox: a failure is shown and the agent tries again, with the same idempotency key). Reads that feed screens are
cached for a few seconds so that live pages cannot flood the backend.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dispatch_client import (
    CreateResult,
    DispatchAPIError,
    DispatchClient,
    DispatchUnavailable,
    Metrics,
    NewServiceRequest,
    ServiceDefinition,
    ServiceInfo,
    ServiceRequest,
)
from dispatch_client.service_choice import ServiceCatalog
from agent_console.settings import ConsoleConfig
from domain import BEIJING

logger = logging.getLogger(__name__)

OPEN_ORDERS_TTL = 10.0        # seconds an answer of GET /requests.json?status=open is reused
OVERSIGHT_TTL = 30.0          # seconds the supervisor's overdue / 督办 / 三率 figures are reused
TREE_RETRY = 60.0             # seconds before a failed category-tree fetch is tried again
METRICS_DAYS = 30


class _Cached:
    """One value, recomputed when older than ``ttl`` seconds (thread-safe; one computation at a time)."""

    def __init__(self, ttl: float, compute: Callable[[], Any], clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._compute = compute
        self._clock = clock
        self._lock = threading.Lock()
        self._value: Any = None
        self._at: float | None = None

    def get(self) -> Any:
        with self._lock:
            now = self._clock()
            if self._at is None or now - self._at >= self.ttl:
                self._value = self._compute()
                self._at = now
            return self._value

    def clear(self) -> None:
        with self._lock:
            self._at = None


@dataclass(frozen=True)
class CategoryTree:
    """``GET /categories.json`` and each leaf's words (from ``GET /services.json``), or the tree the project ships."""

    tree: dict[str, Any]
    keywords: dict[str, list[str]]
    origin: str   # backend | bundled

    def taxonomy(self) -> Any:
        from nlu.appeal.taxonomy import Taxonomy

        return Taxonomy.from_tree(self.tree, self.keywords)

    def leaves(self) -> list[dict[str, str]]:
        departments = {str(k): str(v) for k, v in (self.tree.get("departments") or {}).items()}
        found = []
        for level1, level2s in (self.tree.get("tree") or {}).items():
            for level2, level3s in (level2s or {}).items():
                for level3, department in (level3s or {}).items():
                    found.append({"path": f"{level1}/{level2}/{level3}", "department": str(department),
                                  "department_name": departments.get(str(department), str(department))})
        return found

    def departments(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self.tree.get("departments") or {}).items()}

    @property
    def default_department(self) -> str:
        return str(self.tree.get("default_department") or "")


def bundled_category_tree() -> CategoryTree:
    from nlu.appeal.taxonomy import bundled_tree

    tree, keywords = bundled_tree()
    return CategoryTree(tree, keywords, "bundled")


class OrderDesk:
    """The console's dealings with the dispatch backend. Thread-safe."""

    def __init__(self, client: DispatchClient, *, now: Callable[[], dt.datetime] | None = None) -> None:
        self.client = client
        self._now = now or (lambda: dt.datetime.now(BEIJING))
        self._lock = threading.Lock()
        self._tree: CategoryTree | None = None
        self._tree_failed_at: float | None = None
        self.catalog = ServiceCatalog(client)
        self._open = _Cached(OPEN_ORDERS_TTL, lambda: self.client.list(status="open"))
        self._oversight = _Cached(OVERSIGHT_TTL, self._compute_oversight)

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------------------------ categories, services

    def category_tree(self) -> CategoryTree:
        """The backend's tree; the shipped one while the backend cannot say (tried again after a minute)."""
        with self._lock:
            if self._tree is not None and self._tree.origin == "backend":
                return self._tree
            if self._tree is not None and self._tree_failed_at is not None \
                    and time.monotonic() - self._tree_failed_at < TREE_RETRY:
                return self._tree
            try:
                self._tree = self._fetch_tree()
                self._tree_failed_at = None
            except (DispatchUnavailable, DispatchAPIError) as exc:
                logger.warning("category tree from the dispatch backend unavailable (%s); using the shipped tree",
                               exc)
                self._tree = bundled_category_tree()
                self._tree_failed_at = time.monotonic()
            return self._tree

    def _fetch_tree(self) -> CategoryTree:
        tree = self.client.categories()
        if not isinstance(tree, dict) or not isinstance(tree.get("tree"), dict):
            raise DispatchUnavailable("GET /categories.json 的应答不是分类树")
        keywords: dict[str, list[str]] = {}
        for service in self.services():
            if service.category:
                words = (w.strip() for w in (service.keywords or "").split(","))
                keywords.setdefault(service.category, []).extend(w for w in words if w)
        return CategoryTree(tree, keywords, "backend")

    def services(self) -> list[ServiceInfo]:
        return self.catalog.services()

    def definition(self, service_code: str) -> ServiceDefinition:
        return self.catalog.definition(service_code)

    def choose_service(self, category: str | None, appeal_type: str | None = None) -> tuple[str, dict[str, str]]:
        """The Open311 service of a category leaf and the attribute values the leaf answers (the bot's rule,
        :func:`dispatch_client.service_choice.choose_service`)."""
        return self.catalog.choose(category, appeal_type)

    # -------------------------------------------------------------------------------------------------- orders

    def create(self, request: NewServiceRequest, idempotency_key: str) -> CreateResult:
        result = self.client.create(request, idempotency_key=idempotency_key)
        self._open.clear()
        return result

    def get(self, service_request_id: str) -> ServiceRequest:
        return self.client.get(service_request_id)

    def redispatch(self, service_request_id: str, department: str) -> ServiceRequest:
        order = self.client.dispatch(service_request_id, department)
        self._open.clear()
        return order

    def remind(self, service_request_id: str, text: str) -> ServiceRequest:
        order = self.client.remind(service_request_id, text)
        self._open.clear()
        self._oversight.clear()
        return order

    def open_orders(self) -> list[ServiceRequest]:
        """Open orders registered in the last 90 days (the backend's default period; at most 1000, newest first)."""
        return list(self._open.get())

    # ---------------------------------------------------------------------------------------------- oversight

    def oversight(self) -> dict[str, Any]:
        """Overdue and 督办 open orders and the 三率 of the last 30 days (cached for half a minute)."""
        return dict(self._oversight.get())

    def _compute_oversight(self) -> dict[str, Any]:
        orders = self.client.list(status="open")
        today = self._now().astimezone(BEIJING).date()
        start = today - dt.timedelta(days=METRICS_DAYS - 1)
        metrics: Metrics = self.client.metrics(start, today + dt.timedelta(days=1))
        overdue = sorted((o for o in orders if o.overdue), key=_due)
        supervised = sorted((o for o in orders if o.supervised), key=_due)
        tally = metrics.overall
        return {
            "period": {"start": start.isoformat(), "end": today.isoformat(), "days": METRICS_DAYS},
            "rates": {"on_time_closure_rate": tally.on_time_closure_rate, "resolution_rate": tally.resolution_rate,
                      "satisfaction_rate": tally.satisfaction_rate},
            "tally": {"total": tally.total, "closed": tally.closed, "closed_on_time": tally.closed_on_time,
                      "open_overdue": tally.open_overdue, "surveyed": tally.surveyed, "resolved": tally.resolved,
                      "satisfied": tally.satisfied},
            "departments": [{"department": d.department, "department_name": d.department_name, "total": d.total,
                             "on_time_closure_rate": d.on_time_closure_rate, "resolution_rate": d.resolution_rate,
                             "satisfaction_rate": d.satisfaction_rate, "open_overdue": d.open_overdue}
                            for d in metrics.departments if d.total],
            "open_count": len(orders),
            "overdue_count": len(overdue),
            "supervised_count": len(supervised),
            "overdue": [order_summary(o) for o in overdue[:50]],
            "supervised": [order_summary(o) for o in supervised[:50]],
        }


def _due(order: ServiceRequest) -> dt.datetime:
    return order.expected_datetime or order.requested_datetime


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(BEIJING).isoformat(timespec="minutes") if value else None


def order_summary(order: ServiceRequest, *, mask: Callable[[str], str] | None = None) -> dict[str, Any]:
    """What a screen shows of an order (the description and address with phone-shaped numbers masked)."""
    from agent_console.masking import mask_numbers

    hide = mask or mask_numbers
    return {
        "service_request_id": order.service_request_id,
        "service_name": order.service_name,
        "appeal_type": order.appeal_type,
        "category": order.category.path if order.category else None,
        "department": order.department,
        "agency": order.agency_responsible,
        "state": order.workflow_state,
        "state_label": order.workflow_state_name,
        "description": hide((order.description or "")[:200]),
        "address": hide(order.address or ""),
        "requested_at": _iso(order.requested_datetime),
        "expected_at": _iso(order.expected_datetime),
        "overdue": order.overdue,
        "supervised": order.supervised,
        "reminder_count": order.reminder_count,
    }


def client_from_config(settings: ConsoleConfig) -> DispatchClient:
    """The bot's client of the backend, from the console's view of the ``dispatch`` section."""
    return DispatchClient(settings.dispatch_url, settings.dispatch_api_key, timeout=settings.dispatch_timeout,
                          retries=max(0, settings.dispatch_retries))
