"""Who may read what: reads need a key by default; the operator's optional public feed is redacted; anonymous
traffic is rate-limited while the bot's own calls go through."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dispatch_backend.launcher import BackendProcess, free_port
from dispatch_client import DispatchClient
from tests.backend import start_test_backend

from .conftest import API_KEY, DEPT_KEYS
from .helpers import lamp_request, noise_request

PRIVATE_TEXT = "我家楼下烧烤店半夜还在营业，住幸福区人民路88号3单元502的张先生"


def _backend(tmp_path_factory: pytest.TempPathFactory, name: str, **env: str) -> BackendProcess:
    folder: Path = tmp_path_factory.mktemp(name)
    return start_test_backend(f"sqlite:///{folder / 'dispatch.sqlite3'}", free_port(), folder / "backend.log",
                              api_key=API_KEY, extra_env=env)


@pytest.fixture(scope="module")
def public_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    """The public feed switched on (generous limits: these tests are about redaction)."""
    process = _backend(tmp_path_factory, "public", REXIAN_DISPATCH_PUBLIC_FEED="1",
                       REXIAN_DISPATCH_PUBLIC_RATE="6000", REXIAN_DISPATCH_PUBLIC_BURST="100")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def limited_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    """The public feed on, and a small limit: 3 anonymous requests at once, then 6 a minute."""
    process = _backend(tmp_path_factory, "limited", REXIAN_DISPATCH_PUBLIC_FEED="1",
                       REXIAN_DISPATCH_PUBLIC_RATE="6", REXIAN_DISPATCH_PUBLIC_BURST="3")
    yield process
    process.stop()


def test_reads_need_a_key_by_default(backend: BackendProcess, client: DispatchClient) -> None:
    created = client.create(noise_request(description=PRIVATE_TEXT)).service_request_id
    for path in ("/requests.json", f"/requests/{created}.json", "/requests.xml", f"/requests/{created}.xml"):
        anonymous = httpx.get(backend.url + path, timeout=10)
        assert anonymous.status_code == 403, path
        assert PRIVATE_TEXT not in anonymous.text and "api_key" in anonymous.text
    wrong = httpx.get(f"{backend.url}/requests/{created}.json", headers={"X-Rexian-Api-Key": "guess"}, timeout=10)
    assert wrong.status_code == 403 and PRIVATE_TEXT not in wrong.text
    assert client.get(created).description == PRIVATE_TEXT  # the bot's key reads everything
    # the open endpoints stay open: what a citizen may ask for has no personal data
    assert httpx.get(f"{backend.url}/services.json", timeout=10).status_code == 200


def test_public_feed_shows_no_names_phones_free_text_or_addresses(public_backend: BackendProcess) -> None:
    with DispatchClient(public_backend.url, API_KEY, retries=1) as bot:
        created = bot.create(noise_request(description=PRIVATE_TEXT, first_name="张", last_name="三",
                                           address_string="示例市幸福区人民路88号3单元502", lat=30.27, long=120.15,
                                           media_url="https://example.org/photo.jpg"))
        sid = created.service_request_id
        lamp = bot.create(lamp_request(address_string="示例市幸福路8号")).service_request_id
    one = httpx.get(f"{public_backend.url}/requests/{sid}.json", timeout=10)
    listed = httpx.get(f"{public_backend.url}/requests.json", timeout=10)
    assert one.status_code == 200 and listed.status_code == 200
    body = one.json()[0]
    assert [o for o in listed.json() if o["service_request_id"] == sid] == [body]
    assert body["status"] == "open" and body["service_code"] == "zaoyin"
    assert body["agency_responsible"] and body["category"]["path"] and body["requested_datetime"]
    assert body["district"] == "幸福区"
    for hidden in ("description", "address", "address_id", "lat", "long", "media_url", "status_notes"):
        assert not body[hidden], hidden
    for absent in ("contact", "notes", "attributes", "attachments", "channel", "channel_user_id", "survey",
                   "account_id", "device_id", "change_seq"):
        assert absent not in body, absent
    for secret in ("人民路", "88号", "烧烤", "张", "30.27", "120.15", "example.org"):
        assert secret not in one.text and secret not in listed.text, secret
    # an address without a district the operator listed, and no 市…区 prefix: no location at all
    lamp_body = httpx.get(f"{public_backend.url}/requests/{lamp}.json", timeout=10).json()[0]
    assert lamp_body["district"] is None and lamp_body["address"] is None


def test_department_key_sees_other_departments_orders_redacted(public_backend: BackendProcess) -> None:
    with DispatchClient(public_backend.url, API_KEY, retries=1) as bot:
        sid = bot.create(noise_request(description=PRIVATE_TEXT)).service_request_id  # → 市公安局 (gongan)
    own = httpx.get(f"{public_backend.url}/requests/{sid}.json",
                    headers={"X-Rexian-Api-Key": DEPT_KEYS["gongan"]}, timeout=10).json()[0]
    other = httpx.get(f"{public_backend.url}/requests/{sid}.json",
                      headers={"X-Rexian-Api-Key": DEPT_KEYS["water"]}, timeout=10).json()[0]
    assert own["description"] == PRIVATE_TEXT and own["address"]
    assert other["description"] == "" and other["address"] is None and "contact" not in other


def test_anonymous_traffic_is_rate_limited_and_the_bot_is_not(limited_backend: BackendProcess) -> None:
    answers = [httpx.get(f"{limited_backend.url}/requests.json", timeout=10) for _ in range(8)]
    codes = [a.status_code for a in answers]
    # the burst of 3 (less what the launcher's readiness probe used), then nothing but 429s
    assert 1 <= codes.count(200) <= 3 and codes.count(429) >= 5 and codes == sorted(codes), codes
    refused = answers[-1]
    assert int(refused.headers["Retry-After"]) >= 1 and "api_key" in refused.json()[0]["description"]
    # every anonymous door shares the address's budget, wrong keys included
    assert httpx.get(f"{limited_backend.url}/services.json", timeout=10).status_code == 429
    assert httpx.post(f"{limited_backend.url}/requests.json", data={"api_key": "guess", "service_code": "zaoyin"},
                      timeout=10).status_code == 429
    # the bot, from the same address, is never counted: creates, reads and the open endpoints all go through
    with DispatchClient(limited_backend.url, API_KEY, retries=0) as bot:
        for _ in range(10):
            sid = bot.create(noise_request()).service_request_id
            assert bot.get(sid).service_request_id == sid
        assert bot.services() and bot.service_definition("zaoyin").attributes
