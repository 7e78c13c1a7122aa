"""``rexian report`` and ``rexian report seed-demo`` against a real dispatch backend (subprocess, SQLite).

The hand-computed fixture: orders registered around March 2025 with known deadlines, closures and surveys. The
expected numbers are written out below from the rules in docs/dispatch.md, not recomputed with the report code.
"""

from __future__ import annotations

import datetime as dt
import json
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from dispatch_backend.launcher import BackendProcess, free_port, start_backend
from dispatch_client import DispatchClient, NewServiceRequest
from dispatch_reports.chart import HEIGHT_PX, WIDTH_PX
from dispatch_reports.collect import collect
from dispatch_reports.periods import Period
from rexian.cli import main

API_KEY = "report-test-key"
TEST_NOW_HEADER = "X-Rexian-Test-Now"
POLICE, ROADS = "dev-dept-gongan", "dev-dept-shizheng"   # departments.yml development keys
ROOT = Path(__file__).resolve().parents[2]


def _start(db_path: Path, log_dir: Path) -> BackendProcess:
    env = {"REXIAN_DISPATCH_API_KEY": API_KEY, "REXIAN_DISPATCH_TEST_CLOCK": "1",
           "REXIAN_DISPATCH_SWEEP_SECONDS": "0", "REXIAN_DISPATCH_WEBHOOK_URLS": "",
           "REXIAN_DISPATCH_CONFIG_DIR": str(ROOT / "dispatch_backend" / "config")}
    return start_backend(f"sqlite:///{db_path}", free_port(), log_dir / "backend.log", env)


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    tmp = tmp_path_factory.mktemp("report_backend")
    process = _start(tmp / "dispatch.sqlite3", tmp)
    yield process
    process.stop()


def _at(backend: BackendProcess, when: str) -> DispatchClient:
    return DispatchClient(backend.url, API_KEY, retries=1, backoff=0.05, headers={TEST_NOW_HEADER: when})


def _noise(n: int) -> NewServiceRequest:   # 社会生活噪音 → 市公安局 (gongan)
    return NewServiceRequest(service_code="zaoyin", description=f"楼下商铺音响太吵（测试 {n}）",
                             address_string="示例市幸福路 8 号", attributes={"noise_source": "life"},
                             phone=f"1990000{n:04d}")


def _lamp(n: int) -> NewServiceRequest:    # 路灯故障 → 市市政设施管理中心 (shizheng)
    return NewServiceRequest(service_code="ludeng", description=f"路口路灯不亮（测试 {n}）",
                             address_string="示例市建设路 3 号", phone=f"1990001{n:04d}")


@pytest.fixture(scope="module")
def known_orders(backend: BackendProcess) -> dict[str, str]:
    """Orders of March 2025 (no holidays: 5 working days = one calendar week, same clock time)."""
    def create(key: str, request: NewServiceRequest, when: str) -> str:
        with _at(backend, when) as c:
            ids[key] = c.create(request).service_request_id or ""
        return ids[key]

    def step(when: str, action: str, order: str, *args: object, **kwargs: object) -> None:
        with _at(backend, when) as c:
            getattr(c, action)(ids[order], *args, **kwargs)

    ids: dict[str, str] = {}
    create("A", _noise(1), "2025-03-05T09:00:00+08:00")   # due 03-12 09:00: closed 03-07 on time; resolved, 满意
    create("B", _noise(2), "2025-03-05T10:00:00+08:00")   # due 03-12 10:00: closed 03-14 LATE; not resolved, 基本满意
    create("C", _lamp(3), "2025-03-06T09:00:00+08:00")    # due 03-13 09:00: never handled → overdue
    create("D", _lamp(4), "2025-03-04T09:00:00+08:00")    # registered before --from: not counted
    create("E", _lamp(5), "2025-03-10T09:00:00+08:00")    # due 03-17: closed 03-12 on time; resolved, 不满意 (reopened)
    create("F", _lamp(6), "2025-03-11T09:00:00+08:00")    # due 03-18: closed 03-12 on time; no survey yet
    create("G", _noise(7), "2025-03-18T09:00:00+08:00")   # due 03-25 09:00: never handled (last day of the period)
    create("H", _noise(8), "2025-03-19T09:00:00+08:00")   # registered after --to: not counted
    for order, key in (("A", POLICE), ("B", POLICE), ("D", ROADS), ("E", ROADS), ("F", ROADS)):
        day = {"A": "06", "B": "06", "D": "05", "E": "11", "F": "11"}[order]
        step(f"2025-03-{day}T15:00:00+08:00", "first_contact", order, key, "已联系")
    step("2025-03-07T10:00:00+08:00", "close_request", "A", POLICE, "已处理")
    step("2025-03-14T10:00:00+08:00", "close_request", "B", POLICE, "已处理")
    step("2025-03-06T10:00:00+08:00", "close_request", "D", ROADS, "已修复")
    step("2025-03-12T10:00:00+08:00", "close_request", "E", ROADS, "已修复")
    step("2025-03-12T11:00:00+08:00", "close_request", "F", ROADS, "已修复")
    step("2025-03-08T10:00:00+08:00", "record_survey", "A", resolved=True, satisfaction="满意")
    step("2025-03-15T10:00:00+08:00", "record_survey", "B", resolved=False, satisfaction="基本满意")
    step("2025-03-07T10:00:00+08:00", "record_survey", "D", resolved=True, satisfaction="满意")
    step("2025-03-13T10:00:00+08:00", "record_survey", "E", resolved=True, satisfaction="不满意")
    return ids


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_json_numbers_equal_the_hand_computation(backend: BackendProcess, known_orders: dict[str, str],
                                                 tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_png = tmp_path / "r.png"
    code, out, _err = _run(capsys, "report", "--from", "2025-03-05", "--to", "2025-03-18", "--url", backend.url,
                           "--api-key", API_KEY, "--out", str(out_png), "--json")
    assert code == 0
    data = json.loads(out)
    # Orders A B C E F G (D before, H after the period). At the real (much later) clock C and G are overdue.
    # 按时办结率: on time A E F = 3 ÷ (closed A B E F = 4 + overdue C G = 2) = 3/6.
    # 解决率: resolved A E = 2 ÷ surveys A B E = 3.  满意率: 满意 A + 基本满意 B = 2 ÷ 3.
    overall = data["overall"]
    assert overall["total"] == 6
    assert overall["on_time_rate"] == {"rate": 0.5, "numerator": 3, "denominator": 6}
    assert overall["resolution_rate"] == {"rate": 0.6667, "numerator": 2, "denominator": 3}
    assert overall["satisfaction_rate"] == {"rate": 0.6667, "numerator": 2, "denominator": 3}
    departments = {d["department"]: d for d in data["departments"]}
    assert set(departments) == {"gongan", "shizheng"}
    # 市公安局: A B G. on time A = 1 ÷ (A B + overdue G) = 1/3; resolved A 1/2; satisfied A B 2/2.
    gongan = departments["gongan"]
    assert gongan["department_name"] == "市公安局" and gongan["total"] == 3
    assert [gongan[k]["numerator"] for k in ("on_time_rate", "resolution_rate", "satisfaction_rate")] == [1, 1, 2]
    assert [gongan[k]["denominator"] for k in ("on_time_rate", "resolution_rate", "satisfaction_rate")] == [3, 2, 2]
    # 市市政设施管理中心: C E F. on time E F = 2 ÷ (E F + overdue C) = 2/3; E resolved 1/1, 不满意 0/1.
    shizheng = departments["shizheng"]
    assert shizheng["total"] == 3
    assert [shizheng[k]["numerator"] for k in ("on_time_rate", "resolution_rate", "satisfaction_rate")] == [2, 1, 0]
    assert [shizheng[k]["denominator"] for k in ("on_time_rate", "resolution_rate", "satisfaction_rate")] == [3, 1, 1]
    # ISO weeks clipped to 03-05…03-18: W10 03-05~03-09 (A B C), W11 03-10~03-16 (E F), W12 03-17~03-18 (G).
    weeks = data["weeks"]
    assert [(w["week"], w["start"], w["last"], w["total"]) for w in weeks] == [
        ("2025-W10", "2025-03-05", "2025-03-09", 3), ("2025-W11", "2025-03-10", "2025-03-16", 2),
        ("2025-W12", "2025-03-17", "2025-03-18", 1)]
    assert [(w["on_time_rate"]["numerator"], w["on_time_rate"]["denominator"]) for w in weeks] == [(1, 3), (2, 2), (0, 1)]
    assert [(w["satisfaction_rate"]["numerator"], w["satisfaction_rate"]["denominator"]) for w in weeks] == [
        (2, 2), (0, 1), (0, 0)]
    assert weeks[2]["satisfaction_rate"]["rate"] is None
    assert data["chart"] == str(out_png) and _png_size(out_png) == (WIDTH_PX, HEIGHT_PX)


def test_printed_table_shows_counts_and_dash(backend: BackendProcess, known_orders: dict[str, str],
                                            tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(capsys, "report", "--from", "2025-03-05", "--to", "2025-03-18", "--url", backend.url,
                           "--api-key", API_KEY, "--out", str(tmp_path / "t.png"))
    assert code == 0
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("部门"))
    assert all(h in header for h in ("按时办结率", "解决率", "满意率"))
    total = next(line for line in lines if line.startswith("合计")).split()
    assert total == ["合计", "6", "50.0%", "(3/6)", "66.7%", "(2/3)", "66.7%", "(2/3)"]
    police = next(line for line in lines if line.startswith("市公安局")).split()
    assert police == ["市公安局", "3", "33.3%", "(1/3)", "50.0%", "(1/2)", "100.0%", "(2/2)"]
    w12 = next(line for line in lines if line.startswith("2025-W12")).split()
    assert w12 == ["2025-W12", "03-17~03-18", "1", "0.0%", "(0/1)", "—", "—"]
    assert "趋势图已写入" in out and (tmp_path / "t.png").exists()


def test_orders_within_their_deadline_are_not_judged(backend: BackendProcess, known_orders: dict[str, str]) -> None:
    # Read on 2025-03-20 12:00: G (due 03-25) is still within its deadline, C (due 03-13) is overdue.
    # 按时办结率 = A E F = 3 ÷ (A B E F + C) = 3/5; week W12 has no judged order.
    with _at(backend, "2025-03-20T12:00:00+08:00") as client:
        report = collect(client, Period(dt.date(2025, 3, 5), dt.date(2025, 3, 18)))
    assert (report.overall.on_time.numerator, report.overall.on_time.denominator) == (3, 5)
    assert report.weeks[2].overall.on_time.text() == "—"


def test_empty_period_prints_dashes(backend: BackendProcess, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "empty.png"
    code, out, _err = _run(capsys, "report", "--from", "2024-01-01", "--to", "2024-01-31", "--url", backend.url,
                           "--api-key", API_KEY, "--out", str(png))
    assert code == 0
    total = next(line for line in out.splitlines() if line.startswith("合计")).split()
    assert total == ["合计", "0", "—", "—", "—"]
    assert _png_size(png) == (WIDTH_PX, HEIGHT_PX)


def test_unreachable_backend_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _run(capsys, "report", "--from", "2025-03-01", "--to", "2025-03-02",
                           "--url", f"http://127.0.0.1:{free_port()}", "--out", str(tmp_path / "x.png"))
    assert code == 1 and "无法连接派单后台" in err


def test_seed_demo_on_a_running_backend_gives_a_full_report(backend: BackendProcess, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "report", "seed-demo", "--orders", "60", "--weeks", "3", "--seed", "7",
                          "--until", "2025-06-20", "--url", backend.url, "--api-key", API_KEY)
    assert code == 0, err
    assert "已写入演示工单 60 件" in out
    code, out, _err = _run(capsys, "report", "--from", "2025-05-30", "--to", "2025-06-20", "--url", backend.url,
                           "--api-key", API_KEY, "--out", str(tmp_path / "demo.png"), "--json")
    data = json.loads(out)
    overall = data["overall"]
    assert overall["total"] == 60
    assert overall["on_time_rate"]["denominator"] > 30 and 0 < overall["on_time_rate"]["rate"] < 1
    assert overall["satisfaction_rate"]["denominator"] > 20 and 0 < overall["satisfaction_rate"]["rate"] < 1
    assert overall["resolution_rate"]["rate"] is not None and len(data["departments"]) >= 5
    assert len(data["weeks"]) == 4 and sum(w["total"] for w in data["weeks"]) == 60


def test_seed_demo_refuses_a_backend_without_test_clock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = {"REXIAN_DISPATCH_API_KEY": API_KEY, "REXIAN_DISPATCH_SWEEP_SECONDS": "0",
           "REXIAN_DISPATCH_CONFIG_DIR": str(ROOT / "dispatch_backend" / "config")}
    process = start_backend(f"sqlite:///{tmp_path / 'plain.sqlite3'}", free_port(), tmp_path / "plain.log", env)
    try:
        code, _out, err = _run(capsys, "report", "seed-demo", "--orders", "5", "--url", process.url,
                               "--api-key", API_KEY)
        assert code == 1 and "测试时钟" in err
        with DispatchClient(process.url, API_KEY) as client:   # nothing was written
            assert client.metrics(dt.date(2000, 1, 1), dt.date(2000, 12, 31)).overall.total == 0
            assert client.changes().requests == []
    finally:
        process.stop()


def test_seed_demo_embedded_mode_fills_a_fresh_sqlite_file(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "fresh" / "dispatch.sqlite3"
    code, out, err = _run(capsys, "report", "seed-demo", "--orders", "25", "--weeks", "2", "--seed", "3",
                          "--until", "2025-09-12", "--db-url", f"sqlite:///{db}")
    assert code == 0, err
    assert "已写入演示工单 25 件" in out and db.exists()
    process = _start(db, tmp_path)
    try:
        with DispatchClient(process.url, API_KEY) as client:
            metrics = client.metrics(dt.date(2025, 8, 29), dt.date(2025, 9, 13))
        assert metrics.overall.total == 25 and metrics.overall.closed > 0
    finally:
        process.stop()


# ------------------------------------------------------------------------------ suggestion use (the agent console)
def _console_db(path: Path, shown: list[tuple[str, str | None]]) -> None:
    """A console database where agent 王芳 was shown suggestions on 2025-03-10 (Beijing) with these outcomes, and one
    more shown outside the period."""
    from agent_console.models import Conversation, SuggestionShown, User
    from agent_console.store import Store

    store = Store(f"sqlite:///{path}").create()
    at = dt.datetime(2025, 3, 10, 2, 0, tzinfo=dt.UTC)   # 10:00 Beijing
    with store.begin() as db:
        user = User(name="wang", display_name="王芳", role="agent", password_hash="x")
        conversation = Conversation(sender_id="web:report01", channel="webchat", reason="citizen_request",
                                    priority=1, state="assigned", waiting_since=at)
        db.add_all([user, conversation])
        db.flush()
        outside = at + dt.timedelta(days=30)
        for n, ((entry, outcome), when) in enumerate(zip([*shown, ("late", "unchanged")],
                                                         [*[at] * len(shown), outside])):
            db.add(SuggestionShown(conversation_id=conversation.id, message_id=n + 1, rank=1, entry_id=entry,
                                   question="问", answer="答", similarity=0.9, shown_at=when, shown_to=user.id,
                                   outcome=outcome, used_at=when if outcome else None))
    store.dispose()


def test_the_report_shows_how_agents_used_suggestions(backend: BackendProcess, known_orders: dict[str, str],
                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _console_db(tmp_path / "console.sqlite3", [("jzz-001", "unchanged"), ("jzz-001", "unchanged"),
                                              ("jzz-002", "edited"), ("hz-001", None)])
    monkeypatch.setenv("REXIAN_CONSOLE_DB_URL", f"sqlite:///{tmp_path / 'console.sqlite3'}")
    code, out, _err = _run(capsys, "report", "--from", "2025-03-05", "--to", "2025-03-18", "--url", backend.url,
                           "--api-key", API_KEY, "--no-chart")
    assert code == 0 and next(line for line in out.splitlines() if line.startswith("合计"))
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("坐席建议答复的使用"))
    assert "2025-03-05 至 2025-03-18" in lines[at]
    assert lines[at + 1] == ("坐席建议答复：展示 4 条，原样发送 2（50.0%），修改后发送 1（25.0%），"
                             "未采用 1（25.0%）")   # the suggestion shown in April is outside the period
    assert lines[at + 2].split() == ["王芳：展示", "4，原样", "2，修改", "1，未采用", "1"]
    # --json stays one JSON document
    code, out, _err = _run(capsys, "report", "--from", "2025-03-05", "--to", "2025-03-18", "--url", backend.url,
                           "--api-key", API_KEY, "--no-chart", "--json")
    assert code == 0 and json.loads(out)["overall"]


def test_the_report_says_so_when_there_is_no_console_database(backend: BackendProcess, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere" / "console.sqlite3"
    monkeypatch.setenv("REXIAN_CONSOLE_DB_URL", f"sqlite:///{missing}")
    code, out, _err = _run(capsys, "report", "--from", "2024-01-01", "--to", "2024-01-31", "--url", backend.url,
                           "--api-key", API_KEY, "--no-chart")
    assert code == 0
    [line] = [line for line in out.splitlines() if line.startswith("坐席建议答复")]
    assert "未找到坐席控制台数据库" in line and str(missing) in line
    assert not missing.exists() and not missing.parent.exists()   # looking did not create it
