"""GeoReport service discovery, and the backend's health (holiday calendar sources and warnings)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..clock import to_local
from .common import BackendDep

router = APIRouter()

CHANGESET = "2026-11-27T00:00:00+08:00"


@router.get("/discovery.json")
def discovery(request: Request, backend: BackendDep) -> JSONResponse:
    backend.access.count_anonymous(request)
    return JSONResponse({
        "changeset": CHANGESET,
        "contact": "由运营方在部署时提供（12345 热线中心）",
        "key_service": "向 12345 热线运营方申请 api_key",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": backend.settings.public_url,
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
        "extensions": "12345 扩展字段与接口见 Rexian docs/dispatch.md",
    })


@router.get("/health.json")
def health(request: Request, backend: BackendDep) -> JSONResponse:
    backend.access.count_anonymous(request)
    calendar = backend.calendar.status(to_local(backend.now(request)).date())
    return JSONResponse({"status": "ok", "calendar": calendar,
                         "warnings": backend.calendar.warnings(to_local(backend.now(request)).date())})
