"""Which Open311 service takes an order of a category leaf, and the attribute values the leaf answers.

One rule for everyone who files (the bot's intake, the agent console): the mapping is the backend's own
(``GET /services.json`` and ``/services/{code}.json``, never its files); see docs/dispatch.md.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from dispatch_client.models import ServiceAttribute, ServiceDefinition, ServiceInfo

GENERAL_SERVICE = "rexian"   # the hotline centre's own service: an order without a category is dispatched by hand
CATCH_ALL_SERVICE = "zonghe"  # 12345综合诉求: a category no service takes, still routed by that category


def choose_service(services: list[ServiceInfo], category: str | None,
                   definition: Callable[[str], ServiceDefinition],
                   appeal_type: str | None = None) -> tuple[str, dict[str, str]]:
    """The Open311 service for a category leaf, with the attribute values the category answers.

    The mapping is the backend's own (GET /services.json and /services/{code}.json, never its files):

    1. a service whose ``category`` is the leaf (one of the citizen's appeal type first, e.g. 消费纠纷 as a complaint
       → 消费纠纷, as a question → 市场监管与消费维权), when the leaf answers its required list attributes
       (噪音扰民: 社会生活噪音 → ``noise_source=life``);
    2. else a service with a list attribute one of whose values names the leaf (the backend's
       ``category_by_attribute``: 公用事业/供电/停电 → 停水停电停气 with ``utility_type=power``, keeping its 24-hour
       deadline; 垃圾清运 → 垃圾分类与市容 with ``issue=collection``);
    3. else the general 12345 service, which still routes the order by its category.

    No category (the hotline centre dispatches by hand) gives the hotline centre's own service.
    """
    codes = {s.service_code for s in services}
    if not category:
        return GENERAL_SERVICE, {}
    leaf = category.split("/")[-1]
    own = sorted((s for s in services if s.category == category), key=lambda s: s.appeal_type != appeal_type)
    for service in own:
        attributes = _answer(definition(service.service_code), leaf) if service.metadata else {}
        if attributes is not None:
            return service.service_code, attributes
    for service in services:
        if not service.metadata or service.category == category:
            continue
        found = definition(service.service_code)
        if _names(found, leaf):
            attributes = _answer(found, leaf)
            if attributes is not None:
                return service.service_code, attributes
    return (CATCH_ALL_SERVICE if CATCH_ALL_SERVICE in codes else GENERAL_SERVICE), {}


def _value_for(attribute: ServiceAttribute, leaf: str) -> str | None:
    """The key of the list value that names ``leaf`` ("停电", "社会生活噪音（商铺…）"), if any."""
    if attribute.datatype != "singlevaluelist":
        return None
    return next((v.key for v in attribute.values if re.split(r"[（(]", v.name, maxsplit=1)[0].strip() == leaf), None)


def _names(definition: ServiceDefinition, leaf: str) -> bool:
    return any(_value_for(a, leaf) is not None for a in definition.attributes)


def _answer(definition: ServiceDefinition, leaf: str) -> dict[str, str] | None:
    """Values for the list attributes the leaf names; None when a required attribute stays unanswered."""
    answers: dict[str, str] = {}
    for attribute in definition.attributes:
        key = _value_for(attribute, leaf)
        if key is not None:
            answers[attribute.code] = key
        elif attribute.required:
            return None
    return answers


class ServiceCatalog:
    """The backend's services and their definitions, each fetched once, and the service of a category leaf."""

    def __init__(self, client: Any) -> None:
        self.client = client  # a DispatchClient (``services()``, ``service_definition(code)``)
        self._services: list[ServiceInfo] | None = None
        self._definitions: dict[str, ServiceDefinition] = {}

    def services(self) -> list[ServiceInfo]:
        if self._services is None:
            self._services = self.client.services()
        return self._services

    def definition(self, service_code: str) -> ServiceDefinition:
        if service_code not in self._definitions:
            self._definitions[service_code] = self.client.service_definition(service_code)
        return self._definitions[service_code]

    def choose(self, category: str | None, appeal_type: str | None = None) -> tuple[str, dict[str, str]]:
        """:func:`choose_service` over this backend's services."""
        return choose_service(self.services(), category, self.definition, appeal_type)
