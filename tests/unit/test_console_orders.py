"""The console's side of work orders without a backend process: the Open311 service of a category (the bot's rule),
the category tree with its fallback, the supervisor's overdue / 督办 / 三率 figures (a dispatch client over an
``httpx.MockTransport`` that answers like the backend), the similarity of two descriptions, the idempotency keys and
the service summary's text. The real backend runs in tests/integration/test_console_assist_live.py."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx

from agent_console.desk import OrderDesk
from agent_console.ordering import form_key, remind_key
from domain.repeat import REPEAT_THRESHOLD as SAME_APPEAL, best_similarity, similarity
from agent_console.summary import SummaryFacts, compose
from agent_console.usage import SuggestionUsage, UsageCounts, usage_lines
from dispatch_client import DispatchClient
from domain import BEIJING

SERVICES = [
    {"service_code": "shaokao", "service_name": "露天烧烤", "metadata": False, "appeal_type": "投诉举报",
     "category": "城乡建设与管理/市容环卫/露天烧烤", "keywords": "烧烤,油烟"},
    {"service_code": "zaoyin", "service_name": "噪音扰民", "metadata": True, "appeal_type": "投诉举报",
     "category": "城乡建设与管理/噪音扰民/社会生活噪音", "keywords": ""},
    {"service_code": "shuidianqi", "service_name": "停水停电停气", "metadata": True, "appeal_type": "求助",
     "category": "公用事业/供水/停水", "keywords": ""},
    {"service_code": "zonghe", "service_name": "12345综合诉求", "metadata": False, "category": None, "keywords": ""},
]
DEFINITIONS = {
    "zaoyin": {"service_code": "zaoyin", "attributes": [
        {"code": "noise_source", "datatype": "singlevaluelist", "required": True, "values": [
            {"key": "life", "name": "社会生活噪音（商铺、广场舞）"}, {"key": "build", "name": "建筑施工噪音"}]}]},
    "shuidianqi": {"service_code": "shuidianqi", "attributes": [
        {"code": "utility_type", "datatype": "singlevaluelist", "required": True, "values": [
            {"key": "water", "name": "停水"}, {"key": "power", "name": "停电"}]}]},
}
TREE = {"default_department": "rexian_center", "departments": {"chengguan": "市城市管理综合执法局", "gongan": "市公安局"},
        "tree": {"城乡建设与管理": {"市容环卫": {"露天烧烤": "chengguan"}}}}


def order(number: str, **extra: Any) -> dict[str, Any]:
    return {"service_request_id": number, "status": "open", "service_code": "shaokao", "service_name": "露天烧烤",
            "description": "烧烤油烟，电话13812345678", "requested_datetime": "2026-11-01T10:00:00+08:00",
            "expected_datetime": "2026-11-08T10:00:00+08:00", "address": "幸福路12号",
            "category": {"path": "城乡建设与管理/市容环卫/露天烧烤"}, **extra}


class Backend:
    def __init__(self, *, down: bool = False) -> None:
        self.down = down
        self.calls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        if self.down:
            raise httpx.ConnectError("refused")
        path = request.url.path
        if path == "/services.json":
            return httpx.Response(200, json=SERVICES)
        if path.startswith("/services/"):
            code = path.split("/")[-1].removesuffix(".json")
            return httpx.Response(200, json=DEFINITIONS.get(code, {"service_code": code, "attributes": []}))
        if path == "/categories.json":
            return httpx.Response(200, json=TREE)
        if path == "/requests.json":
            return httpx.Response(200, json=[order("1", overdue=True, supervised=True, reminder_count=3),
                                             order("2"), order("3", supervised=True)])
        if path == "/metrics.json":
            tally = {"total": 10, "closed": 6, "closed_on_time": 5, "open_overdue": 1, "surveyed": 4, "resolved": 3,
                     "satisfied": 3, "on_time_closure_rate": 0.7143, "resolution_rate": 0.75, "satisfaction_rate": 0.75}
            return httpx.Response(200, json={"start_date": "2026-11-02T00:00:00+08:00",
                                             "end_date": "2026-12-02T00:00:00+08:00", "overall": tally,
                                             "departments": [{**tally, "department": "chengguan",
                                                              "department_name": "市城市管理综合执法局"}]})
        return httpx.Response(404, json=[{"code": 404, "description": "没有"}])


def desk(backend: Backend) -> OrderDesk:
    client = DispatchClient("http://backend", "key", retries=0, transport=httpx.MockTransport(backend))
    return OrderDesk(client, now=lambda: dt.datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING))


def test_the_service_of_a_category_follows_the_bots_rule() -> None:
    orders = desk(Backend())
    assert orders.choose_service("城乡建设与管理/市容环卫/露天烧烤", "投诉举报") == ("shaokao", {})
    assert orders.choose_service("城乡建设与管理/噪音扰民/社会生活噪音") == ("zaoyin", {"noise_source": "life"})
    assert orders.choose_service("公用事业/供电/停电") == ("shuidianqi", {"utility_type": "power"})  # by attribute
    assert orders.choose_service("政务服务/税务/个人所得税") == ("zonghe", {})
    assert orders.choose_service(None) == ("rexian", {})


def test_the_category_tree_is_the_backends_or_the_shipped_one_while_it_is_down() -> None:
    tree = desk(Backend()).category_tree()
    assert tree.origin == "backend" and tree.leaves() == [{"path": "城乡建设与管理/市容环卫/露天烧烤",
                                                           "department": "chengguan",
                                                           "department_name": "市城市管理综合执法局"}]
    assert tree.keywords["城乡建设与管理/市容环卫/露天烧烤"] == ["烧烤", "油烟"]
    assert tree.taxonomy().leaves["城乡建设与管理/市容环卫/露天烧烤"].keywords == ("烧烤", "油烟")
    backend = Backend(down=True)
    shipped = desk(backend).category_tree()
    assert shipped.origin == "bundled" and len(shipped.leaves()) > 30 and shipped.default_department


def test_the_supervisors_figures_come_from_open_orders_and_metrics_and_are_cached() -> None:
    backend = Backend()
    orders = desk(backend)
    view = orders.oversight()
    assert [o["service_request_id"] for o in view["overdue"]] == ["1"]
    assert [o["service_request_id"] for o in view["supervised"]] == ["1", "3"]
    assert view["open_count"] == 3 and view["overdue_count"] == 1 and view["supervised_count"] == 2
    assert view["rates"] == {"on_time_closure_rate": 0.7143, "resolution_rate": 0.75, "satisfaction_rate": 0.75}
    assert view["period"] == {"start": "2026-11-02", "end": "2026-12-01", "days": 30}
    assert view["overdue"][0]["description"] == "烧烤油烟，电话138****5678"   # masked for the screen
    assert view["overdue"][0]["reminder_count"] == 3 and view["departments"][0]["department"] == "chengguan"
    calls = len(backend.calls)
    orders.oversight()
    assert len(backend.calls) == calls   # within half a minute: the same figures, no new reads


def test_similarity_is_the_bigram_dice_of_the_backends_repeat_rule() -> None:
    assert similarity("楼下烧烤油烟大", "楼下烧烤油烟大！") == 1.0
    assert similarity("楼下烧烤店油烟太大", "楼下的烧烤店油烟很大") >= SAME_APPEAL
    assert similarity("楼下烧烤店油烟太大", "公司拖欠工资") == 0.0
    assert similarity("", "楼下") == 0.0 and best_similarity("路灯坏了", []) == 0.0
    assert best_similarity("路灯坏了", ["路灯坏了一周", "停水"]) > 0.6


def test_idempotency_keys_depend_on_the_conversation_and_the_count() -> None:
    class Conv:
        id, sender_id = 7, "web:abc"
        created_at = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.timezone.utc)

    first, second = form_key(Conv(), 1), form_key(Conv(), 2)   # type: ignore[arg-type]
    assert first.startswith("console-") and first != second and first == form_key(Conv(), 1)  # type: ignore[arg-type]
    Conv.created_at += dt.timedelta(seconds=1)   # another database's conversation 7
    assert form_key(Conv(), 1) != first   # type: ignore[arg-type]
    assert remind_key(Conv(), "2026", 1) != remind_key(Conv(), "2027", 1)   # type: ignore[arg-type]


def test_the_service_summary_says_what_happened() -> None:
    text = compose(SummaryFacts(
        channel_label="网页", reason_label="市民要求人工", state_label="已交回智能助手",
        started_at=dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.timezone.utc),
        ended_at=dt.datetime(2026, 12, 1, 2, 12, tzinfo=dt.timezone.utc), agents=["王芳", "王芳"],
        appeal_type="投诉举报", category="城乡建设与管理/市容环卫/露天烧烤", gist="楼下烧烤油烟大，电话13812345678",
        created=[("2026120100000001", "市城市管理综合执法局")], reminded=["2026110100000009"], replies=3,
        suggestions_sent=1))
    assert text.splitlines() == [
        "【服务小结】", "来源：网页对话（市民要求人工）", "时间：2026-12-01 10:00 至 10:12（北京时间）", "坐席：王芳",
        "诉求：投诉举报 · 城乡建设与管理/市容环卫/露天烧烤", "市民反映：楼下烧烤油烟大，电话138****5678",
        "处理：登记工单 2026120100000001（承办：市城市管理综合执法局）；对工单 2026110100000009 催办；"
        "答复 3 条（其中知识库建议答复 1 条）", "结果：已交回智能助手"]
    call = compose(SummaryFacts(channel_label="电话", reason_label="电话来电", state_label="处理中",
                                started_at=dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.timezone.utc), ended_at=None,
                                agents=[], appeal_type=None, category=None, gist="", is_call=True))
    assert "来源：电话来电（坐席电话辅助）" in call and "处理：已听取诉求，未登记工单" in call


def test_usage_lines_for_the_report() -> None:
    usage = SuggestionUsage(None, None, UsageCounts(10, 4, 2), {"王芳": UsageCounts(10, 4, 2)})
    assert usage.overall.not_sent == 4 and usage.overall.rate(4) == 0.4
    lines = usage_lines(usage)
    assert lines[0] == "坐席建议答复：展示 10 条，原样发送 4（40.0%），修改后发送 2（20.0%），未采用 4（40.0%）"
    assert lines[1] == "  王芳：展示 10，原样 4，修改 2，未采用 4"
    assert json.loads(json.dumps(usage.to_dict()))["overall"]["not_sent_rate"] == 0.4
    assert usage_lines(SuggestionUsage(None, None, UsageCounts()))[0].endswith("未采用 0（—）")
