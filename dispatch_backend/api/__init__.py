"""The HTTP layer: one router per GeoReport resource, one for the 12345 actions, one for the hotline's feeds.

| module | endpoints |
|---|---|
| :mod:`.discovery` | ``/discovery.json``, ``/health.json`` |
| :mod:`.services` | ``/services.json``, ``/services/{code}.json``, ``/categories.json`` |
| :mod:`.service_requests` | ``POST``/``GET /requests.json``, ``GET /requests/{id}.json`` |
| :mod:`.actions` | ``POST /requests/{id}/<action>.json`` (remind, dispatch, first_contact, close, extend, survey, reopen, archive, note) |
| :mod:`.feed` | ``/changes.json``, ``/metrics.json`` |

Routers only parse and check parameters, check access (:mod:`dispatch_backend.access`) and shape answers
(:mod:`dispatch_backend.views`); writes go through :mod:`dispatch_backend.workflow`, reads through
:mod:`dispatch_backend.queries`.
"""

from __future__ import annotations

from fastapi import APIRouter

from . import actions, discovery, feed, service_requests, services

#: In the order they are included (the order of the old single module's routes).
ROUTERS: tuple[APIRouter, ...] = (discovery.router, services.router, service_requests.router, actions.router, feed.router)

__all__ = ["ROUTERS"]
