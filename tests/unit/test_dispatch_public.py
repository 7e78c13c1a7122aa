"""The pieces of the public feed: the district it shows, the token bucket that limits anonymous clients, and the
XML converter."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from dispatch_backend.district import district_of
from dispatch_backend.ratelimit import PublicGate, TooManyRequests
from dispatch_backend.xml_format import root_name, to_xml


@pytest.mark.parametrize(("address", "known", "district"), [
    ("浙江省杭州市西湖区文三路1号", (), "西湖区"),
    ("示例市示例县城关镇人民路", (), "示例县"),
    ("幸福区人民路88号3单元502", ("幸福区",), "幸福区"),
    ("幸福区人民路88号", (), None),              # no 市 in front: could be anything
    ("杭州市阳光小区3栋", (), None),             # an estate, not a district
    ("北京市翠苑社区5幢", (), None),
    ("示例市幸福路8号", (), None),
    ("", (), None),
    (None, (), None),
])
def test_district_is_the_only_location_and_never_an_estate(address: str | None, known: tuple[str, ...],
                                                          district: str | None) -> None:
    assert district_of(address, known) == district


def test_token_bucket_per_address() -> None:
    now = [0.0]
    gate = PublicGate(rate_per_minute=60, burst=3, concurrency=1, clock=lambda: now[0])
    for _ in range(3):
        gate.admit("10.0.0.1")
    with pytest.raises(TooManyRequests) as refused:
        gate.admit("10.0.0.1")
    assert refused.value.status_code == 429 and refused.value.retry_after == 1
    gate.admit("10.0.0.2")  # another address has its own bucket
    now[0] = 1.0            # one token a second comes back
    gate.admit("10.0.0.1")
    with pytest.raises(TooManyRequests):
        gate.admit("10.0.0.1")


def test_public_read_slots_refuse_instead_of_queueing() -> None:
    gate = PublicGate(rate_per_minute=60, burst=3, concurrency=1)
    with gate.slot():
        with pytest.raises(TooManyRequests):
            with gate.slot():
                pass
    with gate.slot():  # released again
        pass


def test_xml_uses_the_spec_element_names() -> None:
    services = ET.fromstring(to_xml(root_name("GET", "/services.json", 200),
                                    [{"service_code": "001", "metadata": True, "keywords": "a,b"}]))
    assert services.tag == "services" and services.findtext("service/service_code") == "001"
    assert services.findtext("service/metadata") == "true"
    definition = ET.fromstring(to_xml(root_name("GET", "/services/001.json", 200), {
        "service_code": "001", "attributes": [{"code": "x", "values": [{"key": "k", "name": "名"}]}]}))
    assert definition.tag == "service_definition"
    assert definition.findtext("attributes/attribute/values/value/name") == "名"
    errors = ET.fromstring(to_xml(root_name("POST", "/requests.json", 403), [{"code": 403, "description": "缺少"}]))
    assert errors.tag == "errors" and errors.findtext("error/code") == "403"
    request = ET.fromstring(to_xml(root_name("GET", "/requests/1.json", 200), [{
        "service_request_id": "1", "lat": None, "notes": [{"text": "受理"}], "attributes": {"a b": "v"}}]))
    assert request.tag == "service_requests" and request.find("request/lat").text is None
    assert request.findtext("request/notes/note/text") == "受理"
    assert request.find("request/attributes/entry").get("key") == "a b"  # not an XML name
