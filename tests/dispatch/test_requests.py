"""Creating and reading work orders; bad inputs give the right Open311 error and store nothing."""

from __future__ import annotations

import httpx
import pytest

from dispatch_client import (
    BadRequestError,
    DispatchClient,
    ForbiddenError,
    NewServiceRequest,
    NotFoundError,
)

from .conftest import API_KEY, DEPT_KEYS, BackendProcess
from .helpers import lamp_request, latest_cursor, noise_request


def test_create_routes_by_category_and_reads_back_georeport_fields(client: DispatchClient) -> None:
    request = noise_request(attributes={"noise_source": "construction", "noise_time": "夜间 22 点以后"},
                            appeal_type="投诉举报", attachments=["https://example.org/a.jpg"],
                            media_url="https://example.org/m.jpg", callback_consent=False)
    created = client.create(request)
    assert created.outcome == "created"
    assert created.service_request_id and created.service_request_id in (created.service_notice or "")
    order = client.get(created.service_request_id)
    assert order.status == "open" and order.workflow_state == "dispatched"
    assert order.category and order.category.path == "城乡建设与管理/噪音扰民/建筑施工噪音"
    assert order.department == "chengguan" and order.agency_responsible == "市城市管理综合执法局"
    assert order.address == "示例市幸福路 8 号" and order.media_url == "https://example.org/m.jpg"
    assert order.attributes == {"noise_source": "construction", "noise_time": "夜间 22 点以后"}
    assert order.attachments == ["https://example.org/a.jpg"]
    assert order.channel == "webchat" and order.channel_user_id == request.channel_user_id
    assert order.callback_consent is False and order.anonymous is False
    assert order.contact and order.contact.phone == request.phone
    assert [n.type for n in order.notes] == ["registered", "dispatched"]
    assert order.expected_datetime and order.expected_datetime > order.requested_datetime


def test_utility_outage_attribute_selects_the_utility_department(client: DispatchClient) -> None:
    created = client.create(NewServiceRequest(service_code="tingshuidianqi", description="整栋楼停电了",
                                              address_string="示例市和平路 3 号", attributes={"utility_type": "power"}))
    order = client.get(created.service_request_id or "")
    assert order.department == "power" and order.category and order.category.level3 == "停电"


def test_list_by_ids_status_and_service_code(client: DispatchClient) -> None:
    a = client.create(lamp_request()).service_request_id or ""
    b = client.create(noise_request()).service_request_id or ""
    by_ids = client.list(service_request_ids=[a, b])
    assert {o.service_request_id for o in by_ids} == {a, b}
    lamps = client.list(service_code="ludeng", status="open")
    assert a in {o.service_request_id for o in lamps} and b not in {o.service_request_id for o in lamps}


@pytest.mark.parametrize(
    ("changes", "error", "needle"),
    [
        ({"address_string": None, "lat": None, "long": None}, BadRequestError, "缺少位置信息"),
        ({"service_code": "no_such_service"}, NotFoundError, "service_code"),
        ({"description": "噪" * 5000}, BadRequestError, "4000"),
        ({"attributes": {}}, BadRequestError, "attribute[noise_source]"),
        ({"attributes": {"noise_source": "aliens"}}, BadRequestError, "attribute[noise_source]"),
        ({"category": "不存在/的/分类"}, BadRequestError, "三级分类"),
        ({"lat": 30.1, "long": None}, BadRequestError, "lat 和 long"),
    ],
)
def test_bad_input_is_rejected_and_nothing_is_stored(client: DispatchClient, changes: dict[str, object],
                                                      error: type[Exception], needle: str) -> None:
    before = latest_cursor(client)
    request = noise_request().model_copy(update=changes)
    with pytest.raises(error) as info:
        client.create(request)
    assert needle in info.value.description  # type: ignore[attr-defined]
    assert client.changes(before).requests == []


@pytest.mark.parametrize("key", ["wrong-key", DEPT_KEYS["gongan"]])
def test_wrong_api_key_is_403_and_nothing_is_stored(backend: BackendProcess, client: DispatchClient,
                                                     key: str) -> None:
    before = latest_cursor(client)
    with DispatchClient(backend.url, key, retries=0) as bad:
        with pytest.raises(ForbiddenError) as info:
            bad.create(noise_request())
    assert info.value.status_code == 403 and "api_key" in info.value.description
    assert client.changes(before).requests == []


def test_missing_api_key_is_403(backend: BackendProcess) -> None:
    response = httpx.post(f"{backend.url}/requests.json",
                          data={"service_code": "ludeng", "address_string": "幸福路", "description": "灯不亮"})
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403 and "api_key" in response.json()[0]["description"]


def test_wrong_department_key_cannot_act_and_changes_nothing(backend: BackendProcess,
                                                             client: DispatchClient) -> None:
    sid = client.create(noise_request()).service_request_id or ""  # routed to 市公安局
    with pytest.raises(ForbiddenError) as info:
        client.first_contact(sid, DEPT_KEYS["shizheng"], "不是我们的工单")
    assert "不属于" in info.value.description
    with pytest.raises(ForbiddenError):
        client.first_contact(sid, "not-a-department-key")
    with pytest.raises(ForbiddenError):
        client.first_contact(sid, API_KEY)  # the bot's key is not a department key
    order = client.get(sid)
    assert order.workflow_state == "dispatched" and order.first_contact_datetime is None
    assert [n.type for n in order.notes] == ["registered", "dispatched"]


def test_unknown_request_id_is_404(client: DispatchClient) -> None:
    with pytest.raises(NotFoundError) as info:
        client.get("999999999999")
    assert "不存在" in info.value.description


def test_query_period_longer_than_90_days_is_400(client: DispatchClient) -> None:
    import datetime as dt
    with pytest.raises(BadRequestError) as info:
        client.list(start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 1))
    assert "90" in info.value.description


def test_raw_utf8_form_is_understood(backend: BackendProcess) -> None:
    body = "api_key=test-bot-key&service_code=ludeng&address_string=幸福路&description=灯不亮了".encode()
    response = httpx.post(f"{backend.url}/requests.json", content=body,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    sid = response.json()[0]["service_request_id"]
    order = httpx.get(f"{backend.url}/requests/{sid}.json", headers={"X-Rexian-Api-Key": API_KEY}).json()[0]
    assert order["address"] == "幸福路" and order["description"] == "灯不亮了"


def test_department_sees_contact_of_its_own_orders_only(backend: BackendProcess, client: DispatchClient) -> None:
    sid = client.create(noise_request()).service_request_id or ""  # routed to 市公安局
    own = DispatchClient(backend.url, DEPT_KEYS["gongan"], retries=0)
    other = DispatchClient(backend.url, DEPT_KEYS["shizheng"], retries=0)
    try:
        mine = own.get(sid)
        assert mine.contact and mine.contact.phone and [n.type for n in mine.notes] == ["registered", "dispatched"]
        assert mine.channel_user_id is None  # channel identity is for the bot only
        theirs = other.get(sid)
        assert theirs.contact is None and theirs.notes == []
    finally:
        own.close()
        other.close()
    anonymous = client.create(noise_request(anonymous=True)).service_request_id or ""
    with DispatchClient(backend.url, DEPT_KEYS["gongan"], retries=0) as own_again:
        assert own_again.get(anonymous).contact is None
