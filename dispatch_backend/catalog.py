"""The operator's configuration: service list, category tree with routing, departments.

Which service a category leaf belongs to travels in what the backend serves: a service takes its own ``category``
(GET /services.json) and every leaf that names a value of its ``category_by_attribute`` attribute
(GET /services/{code}.json: the value's ``name`` starts with the leaf's name, e.g. "停电", "工业噪音（工厂或工业设备）").
:func:`_check_category_claims` makes sure the configuration keeps that readable and unambiguous.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from domain import APPEAL_TYPES, CONSULTATION

DEADLINE_CLASSES = ("general", "complex", "utility_24h")
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


class CatalogError(ValueError):
    """The configuration files are inconsistent."""


@dataclass(frozen=True)
class AttributeValue:
    key: str
    name: str


@dataclass(frozen=True)
class Attribute:
    """A GeoReport service attribute."""

    code: str
    datatype: str
    required: bool
    description: str
    order: int
    values: tuple[AttributeValue, ...] = ()
    datatype_description: str = ""
    variable: bool = True


@dataclass(frozen=True)
class Service:
    """One Open311 service with its 12345 defaults."""

    service_code: str
    service_name: str
    group: str
    description: str
    keywords: tuple[str, ...]
    appeal_type: str
    category: str
    deadline: str
    attributes: tuple[Attribute, ...] = ()
    category_attribute: str | None = None
    category_map: dict[str, str] = field(default_factory=dict)

    def category_for(self, attributes: dict[str, Any]) -> str:
        """Default category, possibly chosen by an attribute value."""
        if self.category_attribute:
            value = attributes.get(self.category_attribute)
            if isinstance(value, str) and value in self.category_map:
                return self.category_map[value]
        return self.category


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    key: str


@dataclass
class Catalog:
    """Loaded configuration."""

    services: dict[str, Service]
    routes: dict[str, str]  # "一级/二级/三级" -> department code
    departments: dict[str, Department]
    default_department: str
    #: The city's districts (routing.yml ``districts``): the only location the public feed shows.
    districts: tuple[str, ...] = ()

    @classmethod
    def load(cls, config_dir: Path) -> "Catalog":
        """Read ``services.yml``, ``routing.yml`` and ``departments.yml`` and check they agree."""
        def read(name: str) -> dict[str, Any]:
            return yaml.safe_load((config_dir / name).read_text(encoding="utf-8")) or {}

        departments = {
            code: Department(code, str(d["name"]), str(d["key"]))
            for code, d in (read("departments.yml").get("departments") or {}).items()
        }
        routing = read("routing.yml")
        routes: dict[str, str] = {}
        for l1, level2 in (routing.get("categories") or {}).items():
            for l2, level3 in (level2 or {}).items():
                for l3, dept in (level3 or {}).items():
                    if dept not in departments:
                        raise CatalogError(f"routing.yml: 分类 {l1}/{l2}/{l3} 指向未知部门 {dept}")
                    routes[f"{l1}/{l2}/{l3}"] = dept
        default_department = str(routing.get("default_department", ""))
        if default_department not in departments:
            raise CatalogError(f"routing.yml: default_department {default_department!r} 不在 departments.yml 中")
        services = {}
        for raw in read("services.yml").get("services") or []:
            service = _parse_service(raw)
            for category in [service.category, *service.category_map.values()]:
                if category not in routes:
                    raise CatalogError(f"services.yml: 服务 {service.service_code} 的分类 {category} 不在 routing.yml 中")
            services[service.service_code] = service
        _check_category_claims(services)
        districts = tuple(str(d).strip() for d in routing.get("districts") or () if str(d).strip())
        return cls(services, routes, departments, default_department, districts)

    def route(self, category: str) -> str:
        """Department code for a category path (the hotline centre when unknown)."""
        return self.routes.get(category, self.default_department)

    def department_by_key(self, key: str) -> Department | None:
        """The department authenticated by ``key`` (constant-time comparison)."""
        for department in self.departments.values():
            if hmac.compare_digest(department.key.encode(), key.encode()):
                return department
        return None

    def category_tree(self) -> dict[str, dict[str, dict[str, str]]]:
        """The three-level tree as nested dicts, leaves are department codes."""
        tree: dict[str, dict[str, dict[str, str]]] = {}
        for path, dept in self.routes.items():
            l1, l2, l3 = path.split("/")
            tree.setdefault(l1, {}).setdefault(l2, {})[l3] = dept
        return tree


def value_label(name: str) -> str:
    """The part of an attribute value's name before an explanation in brackets: "社会生活噪音（商铺…）" → "社会生活噪音"."""
    return re.split(r"[（(]", name, maxsplit=1)[0].strip()


def _check_category_claims(services: dict[str, Service]) -> None:
    """Each leaf a service takes through ``category_by_attribute`` is named by that attribute value (so a client
    can read the mapping from the service definition) and taken by no other service."""
    owners: dict[str, str] = {}
    for service in services.values():
        if not service.category_attribute:
            continue
        attribute = next((a for a in service.attributes if a.code == service.category_attribute), None)
        if attribute is None or attribute.datatype != "singlevaluelist":
            raise CatalogError(f"services.yml: 服务 {service.service_code} 的 category_by_attribute 必须指向它的一个单选列表字段")
        names = {v.key: v.name for v in attribute.values}
        for key, category in service.category_map.items():
            leaf = category.split("/")[-1]
            if key not in names or value_label(names[key]) != leaf:
                raise CatalogError(f"services.yml: 服务 {service.service_code} 字段 {attribute.code} 的取值 {key} "
                                   f"对应分类 {category}，它的 name 必须以“{leaf}”开头")
            if owners.get(category, service.service_code) != service.service_code:
                raise CatalogError(f"services.yml: 分类 {category} 同时由服务 {owners[category]} 和 "
                                   f"{service.service_code} 的 category_by_attribute 认领")
            owners[category] = service.service_code
    for service in services.values():  # a leaf claimed by a map is nobody else's default (unless also its own)
        owner = owners.get(service.category)
        if owner is not None and owner != service.service_code and services[owner].category != service.category:
            raise CatalogError(f"services.yml: 分类 {service.category} 是服务 {service.service_code} 的默认分类，"
                               f"又由服务 {owner} 的 category_by_attribute 认领")


def _parse_service(raw: dict[str, Any]) -> Service:
    code = str(raw["service_code"])
    if raw.get("deadline", "general") not in DEADLINE_CLASSES:
        raise CatalogError(f"services.yml: 服务 {code} 的 deadline 必须是 {DEADLINE_CLASSES} 之一")
    if raw.get("appeal_type", CONSULTATION) not in APPEAL_TYPES:
        raise CatalogError(f"services.yml: 服务 {code} 的 appeal_type 必须是 {APPEAL_TYPES} 之一")
    attributes = []
    for a in raw.get("attributes") or []:
        if a["datatype"] not in DATATYPES:
            raise CatalogError(f"services.yml: 服务 {code} 的字段 {a['code']} datatype 无效")
        attributes.append(Attribute(
            code=str(a["code"]), datatype=str(a["datatype"]), required=bool(a.get("required", False)),
            description=str(a.get("description", "")), order=int(a.get("order", len(attributes) + 1)),
            values=tuple(AttributeValue(str(v["key"]), str(v["name"])) for v in a.get("values") or []),
            datatype_description=str(a.get("datatype_description", "")),
        ))
    by_attr = raw.get("category_by_attribute") or {}
    return Service(
        service_code=code, service_name=str(raw["service_name"]), group=str(raw.get("group", "")),
        description=str(raw.get("description", "")), keywords=tuple(str(k) for k in raw.get("keywords") or ()),
        appeal_type=str(raw.get("appeal_type", CONSULTATION)), category=str(raw["category"]),
        deadline=str(raw.get("deadline", "general")), attributes=tuple(sorted(attributes, key=lambda x: x.order)),
        category_attribute=by_attr.get("attribute"), category_map=dict(by_attr.get("map") or {}),
    )
