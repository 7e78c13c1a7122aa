"""The bot's service choice follows the category, from what the backend serves (not from its files)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.actions.intake.session import IntakeSession
from bot.actions.intake.status import StatusLookup
from bot.actions.intake.submit import WorkOrderSubmitter
from dispatch_client.service_choice import choose_service
from dispatch_backend.launcher import BackendProcess
from dispatch_client import DispatchClient, Outbox

from .helpers import unique_phone


def complaint(category: str, description: str) -> IntakeSession:
    return IntakeSession(stage="confirm", appeal_type="投诉举报", description=f"{description} {uuid.uuid4().hex[:6]}",
                         address="北京市朝阳区建国路88号", occurred="每天晚上", category=category, name="王女士",
                         phone=unique_phone(), callback_consent=True, anonymous=False)


@pytest.fixture
def submitter(client: DispatchClient, tmp_path: Path) -> Iterator[WorkOrderSubmitter]:
    outbox = Outbox(client, tmp_path / "outbox.sqlite3", retry_interval=0.2)
    yield WorkOrderSubmitter(client, outbox)


@pytest.mark.parametrize("category, description, service, department, attributes", [
    ("城乡建设与管理/市容环卫/露天烧烤", "小区门口每天晚上有人摆摊露天烧烤，烟很大", "shaokao", "chengguan", {}),
    ("城乡建设与管理/市容环卫/垃圾清运", "楼下的垃圾桶满了三天没人清运，臭味很大", "shirong", "chengguan",
     {"issue": "collection"}),
])
def test_a_complaint_gets_the_service_of_its_category(submitter: WorkOrderSubmitter, category: str, description: str,
                                                       service: str, department: str,
                                                       attributes: dict[str, str]) -> None:
    result = submitter.submit(complaint(category, description), channel="webchat",
                              channel_user_id=f"web:{uuid.uuid4().hex[:12]}")
    order = result.order
    assert order is not None and order.service_code == service != "ludeng"
    assert order.category.path == category and order.department == department
    assert order.attributes == attributes
    reply = StatusLookup(submitter.client, submitter.outbox).answer(f"查询工单{order.service_request_id}",
                                                                  channel="webchat", channel_user_id="x")
    leaf = category.split("/")[-1]
    assert f"（{leaf}）" in reply and "路灯故障" not in reply


def test_every_leaf_gets_a_service_that_fits_it(client: DispatchClient, backend: BackendProcess) -> None:
    """Each leaf of the served tree: a service of that category, one whose list attribute names it, or 12345综合诉求;
    never another category's service (the 露天烧烤 → 路灯故障 mistake)."""
    tree = httpx.get(f"{backend.url}/categories.json").json()["tree"]
    services = client.services()
    by_code = {s.service_code: s for s in services}
    for level1, level2s in tree.items():
        for level2, leaves in level2s.items():
            for leaf in leaves:
                path = f"{level1}/{level2}/{leaf}"
                code, attributes = choose_service(services, path, client.service_definition, "投诉举报")
                names = {v.name.split("（")[0] for a in client.service_definition(code).attributes for v in a.values
                         if a.code in attributes and v.key == attributes[a.code]}
                assert by_code[code].category == path or leaf in names or code == "zonghe", (path, code)


def test_a_category_without_its_own_service_goes_to_the_general_one(submitter: WorkOrderSubmitter) -> None:
    result = submitter.submit(complaint("城乡建设与管理/犬只管理/养犬问题", "楼上邻居的狗天天半夜叫"),
                              channel="webchat", channel_user_id=f"web:{uuid.uuid4().hex[:12]}")
    order = result.order
    assert order.service_code == "zonghe" and order.service_name == "12345综合诉求"
    assert order.category.path == "城乡建设与管理/犬只管理/养犬问题" and order.department == "gongan"


def test_the_appeal_type_picks_between_services_of_one_category(client: DispatchClient) -> None:
    services = client.services()
    category = "市场监管/消费维权/消费纠纷"
    assert choose_service(services, category, client.service_definition, "投诉举报")[0] == "xiaofei"
    assert choose_service(services, category, client.service_definition, "咨询")[0] == "shichang"


CONFIG = Path(__file__).resolve().parents[2] / "dispatch_backend" / "config"


@pytest.mark.parametrize("old, new, message", [
    ("{key: power, name: 停电}", "{key: power, name: 断电}", "必须以“停电”开头"),
    ("        collection: 城乡建设与管理/市容环卫/垃圾清运\n",
     "        collection: 城乡建设与管理/市容环卫/垃圾清运\n        lamp: 城乡建设与管理/市政设施/路灯故障\n", "lamp"),
])
def test_the_catalog_keeps_the_category_mapping_readable(tmp_path: Path, old: str, new: str, message: str) -> None:
    from dispatch_backend.catalog import Catalog, CatalogError

    for name in ("routing.yml", "departments.yml", "services.yml"):
        text = (CONFIG / name).read_text(encoding="utf-8")
        if name == "services.yml":
            assert old in text
            text = text.replace(old, new)
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=message):
        Catalog.load(tmp_path)
