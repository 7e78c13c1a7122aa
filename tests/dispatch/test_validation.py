"""Bad input gets a clear 4xx (Chinese, with an English gloss) and stores nothing."""

from __future__ import annotations

import urllib.parse
import uuid

import httpx
import pytest

from dispatch_client import DispatchClient

from .conftest import API_KEY, BackendProcess
from .helpers import lamp_request, latest_cursor, unique_phone


def _form(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "api_key": API_KEY, "service_code": "zaoyin", "address_string": "示例市幸福路 8 号",
        "attribute[noise_source]": "life", "phone": unique_phone(),
        "description": f"楼下商铺晚上音响声音太大 {uuid.uuid4().hex[:8]}",
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def _refused(client: DispatchClient, response: httpx.Response, before: str, status: int, needle: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body[0]["code"] == status and needle in body[0]["description"]
    assert client.changes(before).requests == []  # nothing half-stored


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"media_url": "file:///etc/passwd"}, "http"),
        ({"media_url": "https://" + "a" * 2100 + ".example.org/x.jpg"}, "media_url"),
        ({"attachments": ["https://example.org/a.jpg", "javascript:alert(1)"]}, "attachments"),
        ({"attachments": ["data:text/html,<script>alert(1)</script>"]}, "attachments"),
        ({"attachments": [f"https://example.org/{i}.jpg" for i in range(11)]}, "10"),
        ({"attachments": ["https://example.org/" + "a" * 2100]}, "2000"),
        ({"attribute[noise_source]": "l" * 300}, "200"),
        ({"attribute[noise_source]": None, "attribute[noise_source][]": ["life"] * 60}, "50"),
        ({"description": "噪" * 4001}, "4000"),
    ],
)
def test_bad_fields_are_400_and_nothing_is_stored(backend: BackendProcess, client: DispatchClient,
                                                  changes: dict[str, object], needle: str) -> None:
    before = latest_cursor(client)
    response = httpx.post(f"{backend.url}/requests.json", data=_form(**changes), timeout=10)
    _refused(client, response, before, 400, needle)


def test_http_urls_are_accepted(backend: BackendProcess) -> None:
    response = httpx.post(f"{backend.url}/requests.json", timeout=10, data=_form(
        media_url="https://example.org/m.jpg", attachments=["http://example.org/a.pdf", "HTTPS://example.org/b"]))
    assert response.status_code == 200, response.text


def test_body_over_one_megabyte_is_413(backend: BackendProcess, client: DispatchClient) -> None:
    before = latest_cursor(client)
    big = _form(comment="x" * 1_100_000)
    response = httpx.post(f"{backend.url}/requests.json", data=big, timeout=30)
    _refused(client, response, before, 413, "KB")

    def chunks():  # no Content-Length: the limit is enforced while the body streams in
        yield urllib.parse.urlencode(_form()).encode()
        for _ in range(12):
            yield b"&pad=" + b"x" * 100_000

    response = httpx.post(f"{backend.url}/requests.json", content=chunks(), timeout=30,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    _refused(client, response, before, 413, "KB")


@pytest.mark.parametrize("field", ["callback_consent", "anonymous"])
def test_yes_no_field_sent_as_a_file_is_400(backend: BackendProcess, client: DispatchClient, field: str) -> None:
    before = latest_cursor(client)
    response = httpx.post(f"{backend.url}/requests.json", data=_form(), files={field: ("x.txt", b"true")}, timeout=10)
    _refused(client, response, before, 400, field)


def test_survey_flag_sent_as_a_file_is_400(backend: BackendProcess) -> None:
    response = httpx.post(f"{backend.url}/requests/20250101000001/survey.json", timeout=10,
                          data={"api_key": API_KEY, "satisfaction": "满意"}, files={"resolved": ("r", b"true")})
    assert response.status_code == 400 and "resolved" in response.json()[0]["description"]


@pytest.mark.parametrize("cursor", ["²", "٣", "1" * 30, "-1", "1e3"])
def test_bad_change_feed_cursor_is_400(backend: BackendProcess, cursor: str) -> None:
    response = httpx.get(f"{backend.url}/changes.json", params={"cursor": cursor},
                         headers={"X-Rexian-Api-Key": API_KEY}, timeout=10)
    assert response.status_code == 400 and "cursor" in response.json()[0]["description"]


def test_idempotency_key_reused_for_a_different_request_is_422(client: DispatchClient, backend: BackendProcess) -> None:
    key = f"key-{uuid.uuid4().hex}"
    first = client.create(lamp_request(), idempotency_key=key)
    before = latest_cursor(client)
    response = httpx.post(f"{backend.url}/requests.json", timeout=10, data={
        "api_key": API_KEY, "service_code": "ludeng", "lat": "30.27", "long": "120.15",
        "description": "完全不同的另一件事：小区门口的井盖丢了", "idempotency_key": key})
    _refused(client, response, before, 422, "idempotency_key")
    assert first.service_request_id not in response.text


def test_json_body_on_a_form_endpoint_is_415_use_form_encoding(backend: BackendProcess, client: DispatchClient) -> None:
    before = latest_cursor(client)
    response = httpx.post(f"{backend.url}/requests.json", json=_form(), timeout=10)
    _refused(client, response, before, 415, "表单编码")
    assert "api_key" not in response.json()[0]["description"]
    response = httpx.post(f"{backend.url}/requests/20250101000001/remind.json", json={"api_key": API_KEY}, timeout=10)
    assert response.status_code == 415


def test_gbk_form_is_decoded_not_stored_as_mojibake(backend: BackendProcess, client: DispatchClient) -> None:
    description = f"楼下烧烤店油烟太大，熏得开不了窗 {uuid.uuid4().hex[:8]}"
    body = urllib.parse.urlencode(_form(description=description), encoding="gbk").encode("ascii")
    response = httpx.post(f"{backend.url}/requests.json", content=body, timeout=10,
                          headers={"Content-Type": "application/x-www-form-urlencoded; charset=gbk"})
    assert response.status_code == 200, response.text
    assert client.get(response.json()[0]["service_request_id"]).description == description


def test_unknown_charset_is_415_and_invalid_bytes_are_400(backend: BackendProcess, client: DispatchClient) -> None:
    before = latest_cursor(client)
    body = urllib.parse.urlencode(_form(description="路灯不亮了"), encoding="utf-8").encode("ascii")
    response = httpx.post(f"{backend.url}/requests.json", content=body, timeout=10,
                          headers={"Content-Type": "application/x-www-form-urlencoded; charset=x-klingon"})
    _refused(client, response, before, 415, "charset")
    gbk_undeclared = urllib.parse.urlencode(_form(description="路灯不亮了"), encoding="gbk").encode("ascii")
    response = httpx.post(f"{backend.url}/requests.json", content=gbk_undeclared, timeout=10,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    _refused(client, response, before, 400, "UTF-8")
