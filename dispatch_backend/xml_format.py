"""GeoReport v2's XML format: every ``….json`` endpoint is also served as ``….xml``, errors included.

The spec makes XML the required format (JSON is optional). Rather than a second set of routes, an ASGI middleware
rewrites ``/x.xml`` to ``/x.json``, lets the JSON endpoint answer, and converts the answer with the spec's element
names:

* ``GET /services.xml`` → ``<services><service>…</service></services>``
* ``GET /services/{code}.xml`` → ``<service_definition>`` with ``<attributes><attribute>`` and
  ``<values><value><key/><name/></value></values>``
* ``GET /requests.xml``, ``GET /requests/{id}.xml``, ``POST /requests.xml`` and the 12345 action endpoints →
  ``<service_requests><request>…</request></service_requests>``
* every 4xx/5xx → ``<errors><error><code/><description/></error></errors>``
* other endpoints → a root named after the endpoint (``<discovery>``, ``<changes>``, ``<metrics>``, …).

Lists inside an element repeat a singular child (``notes`` → ``<note>``, ``attachments`` → ``<attachment>``);
``null`` is an empty element, booleans are ``true``/``false``. A key that is not an XML name becomes
``<entry key="…">``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from starlette.types import ASGIApp, Message, Receive, Scope, Send

XML_MEDIA_TYPE = b"text/xml; charset=utf-8"
_SINGULAR = {
    "services": "service", "attributes": "attribute", "values": "value", "endpoints": "endpoint",
    "formats": "format", "requests": "request", "service_requests": "request", "notes": "note",
    "attachments": "attachment", "surveys": "survey", "warnings": "warning", "errors": "error",
    "keywords": "keyword", "departments": "department",
}
_XML_NAME = re.compile(r"[A-Za-z_\u4e00-\u9fff][\w.\-\u4e00-\u9fff]*")


def root_name(method: str, path: str, status: int) -> str:
    """The root element for the answer of ``method path`` (the ``.json`` path) with ``status``."""
    if status >= 400:
        return "errors"
    if path == "/services.json":
        return "services"
    if path.startswith("/services/"):
        return "service_definition"
    if path == "/requests.json" or path.startswith("/requests/"):
        return "service_requests"
    stem = path.strip("/").removesuffix(".json").replace("/", "_")
    return stem if _XML_NAME.fullmatch(stem or "-") else "response"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _child(element, str(key), item)
    elif isinstance(value, list):
        item_name = _SINGULAR.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_name), item)
    else:
        element.text = _text(value)


def _child(parent: ET.Element, key: str, value: Any) -> None:
    if _XML_NAME.fullmatch(key) and not key.lower().startswith("xml"):
        element = ET.SubElement(parent, key)
    else:
        element = ET.SubElement(parent, "entry", {"key": key})
    _fill(element, value)


def to_xml(root: str, payload: Any) -> bytes:
    """The XML document for a decoded JSON ``payload`` under ``root`` (see the module docstring)."""
    element = ET.Element(root)
    _fill(element, payload)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


class XmlFormat:
    """ASGI middleware serving ``….xml`` through the ``….json`` endpoints (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.endswith(".xml"):
            await self.app(scope, receive, send)
            return
        json_path = path[: -len(".xml")] + ".json"
        scope = dict(scope, path=json_path, raw_path=json_path.encode())
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        status = int(start.get("status", 500))
        body = b"".join(chunks)
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = [{"code": status, "description": body.decode("utf-8", "replace")[:500]}]
        document = to_xml(root_name(scope.get("method", "GET"), json_path, status), payload)
        headers = [(k, v) for k, v in start.get("headers", [])
                   if k.lower() not in (b"content-type", b"content-length")]
        headers += [(b"content-type", XML_MEDIA_TYPE), (b"content-length", str(len(document)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": document})
