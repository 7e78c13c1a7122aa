"""Service list, service definitions, discovery and the category/routing configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch_backend.catalog import Catalog
from dispatch_client import DispatchClient, NotFoundError

CONFIG = Path(__file__).resolve().parents[2] / "dispatch_backend" / "config"
SEED_AREAS = {
    "户籍", "居住证", "社保", "医保", "公积金", "出入境", "交通与驾驶证", "教育入学", "婚姻登记", "住房",
    "不动产登记", "税务", "市场监管与消费维权", "民政与养老", "就业", "垃圾分类与市容", "水电气", "生育与母婴",
    "12345热线",
}
COMPLAINTS = {"噪音扰民", "占道经营", "违章建筑", "道路破损", "路灯故障", "停水停电停气", "物业纠纷",
              "拖欠工资", "食品安全", "消费纠纷"}


def test_service_list_covers_seed_areas_and_complaints(client: DispatchClient) -> None:
    services = client.services()
    groups = {s.group for s in services}
    names = {s.service_name for s in services}
    assert SEED_AREAS <= groups
    assert COMPLAINTS <= names
    assert all(s.type == "realtime" and s.category and s.category.count("/") == 2 for s in services)


def test_service_definition_has_typed_attributes(client: DispatchClient) -> None:
    definition = client.service_definition("tingshuidianqi")
    (attr,) = definition.attributes
    assert attr.code == "utility_type" and attr.datatype == "singlevaluelist" and attr.required
    assert {v.key for v in attr.values} == {"water", "power", "gas"}
    assert attr.order == 1


def test_unknown_service_definition_is_404_in_chinese(client: DispatchClient) -> None:
    with pytest.raises(NotFoundError) as info:
        client.service_definition("no_such_service")
    assert info.value.status_code == 404
    assert "GET /services.json" in info.value.description


def test_discovery_points_to_georeport_v2(client: DispatchClient) -> None:
    discovery = client.discovery()
    (endpoint,) = discovery["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "application/json" in endpoint["formats"]


def test_every_category_routes_to_a_known_department() -> None:
    catalog = Catalog.load(CONFIG)
    assert len(catalog.routes) >= 40
    for path, department in catalog.routes.items():
        assert len(path.split("/")) == 3
        assert department in catalog.departments
    for service in catalog.services.values():
        assert service.category in catalog.routes


def test_catalog_rejects_route_to_unknown_department(tmp_path: Path) -> None:
    for name in ("services.yml", "departments.yml"):
        (tmp_path / name).write_text((CONFIG / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "routing.yml").write_text(
        "default_department: rexian_center\ncategories:\n  一级:\n    二级:\n      三级: nobody\n", encoding="utf-8")
    with pytest.raises(ValueError, match="未知部门"):
        Catalog.load(tmp_path)
