"""FastAPI application: Open311 GeoReport v2 endpoints plus the 12345 extension endpoints.

The routes are in :mod:`.api`, the wiring in :mod:`.backend`, the key and role checks in :mod:`.access`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from .access import API_KEY_HEADER
from .api import ROUTERS
from .api.errors import EXCEPTION_HANDLERS
from .backend import Backend
from .forms import BodyLimit
from .ratelimit import AnonymousGetLimit
from .settings import Settings, load_settings
from .xml_format import XmlFormat


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI application (migrates the database on start)."""
    backend = Backend(settings or load_settings())

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        backend.start()
        yield
        backend.stop()

    app = FastAPI(title="Rexian dispatch backend (Open311 GeoReport v2 + 12345)", lifespan=lifespan,
                  exception_handlers=EXCEPTION_HANDLERS)
    app.state.backend = backend
    app.add_middleware(BodyLimit)
    app.add_middleware(AnonymousGetLimit, gate=backend.gate, key_header=API_KEY_HEADER,
                       is_valid_key=backend.access.is_valid)
    app.add_middleware(XmlFormat)  # outermost: it also turns the 429s above into XML
    for router in ROUTERS:
        app.include_router(router)
    return app
