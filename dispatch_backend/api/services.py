"""GeoReport services: the service list, one service's definition, and the 12345 category tree."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..errors import NotFound
from ..views import service_definition_json, service_json
from .common import BackendDep

router = APIRouter()


@router.get("/services.json")
def services(request: Request, backend: BackendDep) -> JSONResponse:
    backend.access.count_anonymous(request)
    return JSONResponse([service_json(s) for s in backend.catalog.services.values()])


@router.get("/services/{service_code}.json")
def service_definition(service_code: str, request: Request, backend: BackendDep) -> JSONResponse:
    backend.access.count_anonymous(request)
    service = backend.catalog.services.get(service_code)
    if service is None:
        raise NotFound(f"service_code {service_code!r} 不存在；可用的服务类型见 GET /services.json。")
    return JSONResponse(service_definition_json(service))


@router.get("/categories.json")
def categories(request: Request, backend: BackendDep) -> JSONResponse:
    backend.access.count_anonymous(request)
    catalog = backend.catalog
    return JSONResponse({"default_department": catalog.default_department, "tree": catalog.category_tree(),
                         "departments": {c: d.name for c, d in catalog.departments.items()}})
