"""GeoReport v2's required XML format, read by an independent client (the ``georeport`` package from PyPI) and
checked element by element against the spec's names for the calls that client does not make."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest
from georeport import GeoReport

from dispatch_backend.launcher import BackendProcess, free_port
from dispatch_client import DispatchClient
from tests.backend import start_test_backend

from .conftest import API_KEY
from .helpers import noise_request, unique_phone

SPEC_REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name", "service_code",
                       "description", "agency_responsible", "service_notice", "requested_datetime",
                       "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
                       "media_url")


@pytest.fixture(scope="module")
def public_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    """georeport reads without a key, as GeoReport allows: the operator's public feed must be on for it."""
    folder: Path = tmp_path_factory.mktemp("georeport")
    process = start_test_backend(f"sqlite:///{folder / 'dispatch.sqlite3'}", free_port(), folder / "backend.log",
                                 api_key=API_KEY, extra_env={"REXIAN_DISPATCH_PUBLIC_FEED": "1",
                                                             "REXIAN_DISPATCH_PUBLIC_RATE": "6000",
                                                             "REXIAN_DISPATCH_PUBLIC_BURST": "100"})
    yield process
    process.stop()


def _xml(response: httpx.Response) -> ET.Element:
    assert response.headers["content-type"].startswith("text/xml"), response.headers["content-type"]
    return ET.fromstring(response.content)


def test_georeport_client_reads_every_call_in_xml_as_in_json(public_backend: BackendProcess) -> None:
    with DispatchClient(public_backend.url, API_KEY, retries=1) as bot:
        sid = bot.create(noise_request(address_string="示例市幸福区人民路88号")).service_request_id
    xml, json_ = (GeoReport(public_backend.url, output_format=f) for f in ("xml", "json"))

    services = xml.get_service_list()
    assert [s["service_code"] for s in services] == [s["service_code"] for s in json_.get_service_list()]
    noise = next(s for s in services if s["service_code"] == "zaoyin")
    assert noise["service_name"] and noise["metadata"] == "true" and noise["type"] == "realtime"

    definition = xml.get_service_definition("zaoyin")
    assert definition["service_code"] == "zaoyin"
    attributes = definition["attributes"]["attribute"]
    attributes = attributes if isinstance(attributes, list) else [attributes]
    source = next(a for a in attributes if a["code"] == "noise_source")
    assert source["datatype"] == "singlevaluelist" and source["required"] == "true"
    assert {v["key"] for v in source["values"]["value"]} >= {"life", "construction"}

    listed = xml.get_service_requests(service_code="zaoyin", status="open")
    listed = listed if isinstance(listed, list) else [listed]
    assert sid in {r["service_request_id"] for r in listed}
    one = xml.get_service_request(sid)
    same = json_.get_service_request(sid)
    assert one["service_request_id"] == sid and one["status"] == same["status"] == "open"
    assert one["requested_datetime"] == same["requested_datetime"]
    assert one["agency_responsible"] == same["agency_responsible"] and one["district"] == "幸福区"
    for name in SPEC_REQUEST_FIELDS:
        assert name in one, name


def test_create_read_and_errors_in_xml_with_a_key(backend: BackendProcess) -> None:
    form = {"api_key": API_KEY, "service_code": "zaoyin", "description": "夜里装修电钻声太吵，已经持续一周",
            "address_string": "示例市和平区长江路 2 号", "attribute[noise_source]": "construction",
            "phone": unique_phone(), "first_name": "李"}
    created = httpx.post(f"{backend.url}/requests.xml", data=form, timeout=10)
    assert created.status_code == 200
    root = _xml(created)
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    sid = request.findtext("service_request_id")
    assert sid and request.find("service_notice") is not None and request.find("account_id") is not None

    read = _xml(httpx.get(f"{backend.url}/requests/{sid}.xml", headers={"X-Rexian-Api-Key": API_KEY}, timeout=10))
    (order,) = read.findall("request")
    for name in SPEC_REQUEST_FIELDS:
        assert order.find(name) is not None, name
    assert order.findtext("description") == form["description"]
    assert order.findtext("category/level1") and order.findtext("contact/first_name") == "李"
    assert order.find("notes/note/text") is not None  # lists repeat a singular element
    listed = _xml(httpx.get(f"{backend.url}/requests.xml", params={"service_request_id": sid},
                            headers={"X-Rexian-Api-Key": API_KEY}, timeout=10))
    assert [r.findtext("service_request_id") for r in listed.findall("request")] == [sid]

    def error_of(response: httpx.Response) -> tuple[int, str]:
        errors = _xml(response)
        assert errors.tag == "errors"
        (error,) = errors.findall("error")
        return int(error.findtext("code") or 0), error.findtext("description") or ""

    no_key = httpx.post(f"{backend.url}/requests.xml", data={**form, "api_key": ""}, timeout=10)
    assert no_key.status_code == 403 and error_of(no_key) == (403, error_of(no_key)[1]) and "api_key" in no_key.text
    unknown = httpx.get(f"{backend.url}/services/no_such_service.xml", timeout=10)
    assert unknown.status_code == 404 and error_of(unknown)[0] == 404
    missing = httpx.get(f"{backend.url}/requests/1999010100000001.xml", headers={"X-Rexian-Api-Key": API_KEY},
                        timeout=10)
    assert missing.status_code == 404 and "不存在" in error_of(missing)[1]
    bad = httpx.post(f"{backend.url}/requests.xml", data={**form, "service_code": ""}, timeout=10)
    assert bad.status_code == 400 and error_of(bad)[0] == 400
    assert error_of(httpx.get(f"{backend.url}/no_such_endpoint.xml", timeout=10))[0] == 404


def test_discovery_announces_xml(backend: BackendProcess) -> None:
    discovery = _xml(httpx.get(f"{backend.url}/discovery.xml", timeout=10))
    assert discovery.tag == "discovery"
    assert "text/xml" in [f.text for f in discovery.findall("endpoints/endpoint/formats/format")]
