"""The ``rexian`` command: kb import / stats / feedback / build / search / eval (in-process and ``python -m``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge_base.feedback import FeedbackLog
from knowledge_base.importer import load_entries
from rexian.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "kb"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A configuration whose KB is the follow-up fixture and whose index and feedback live in tmp_path."""
    path = tmp_path / "rexian.yml"
    path.write_text(
        "kb:\n"
        f"  paths: [{FIXTURES / 'followup'}]\n"
        f"  index_dir: {tmp_path / 'index'}\n"
        f"  feedback_db: {tmp_path / 'feedback.sqlite3'}\n"
        "  embedder: e5\n"
        "  salt: test\n",
        encoding="utf-8",
    )
    for name in list(os.environ):
        if name.startswith("REXIAN_") and name != "REXIAN_JIEBA_DICT_DIR":
            monkeypatch.delenv(name)
    monkeypatch.setenv("REXIAN_CONFIG", str(path))
    return path


def test_import_dry_run_validates_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "import", str(FIXTURES / "formats" / "kb.csv"), "--into", str(tmp_path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "校验通过：3 条" in out and "未写入" in out
    assert list(tmp_path.iterdir()) == []


def test_import_defaults_to_the_configured_kb_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    kb_dir = tmp_path / "kb"
    monkeypatch.setenv("REXIAN_CONFIG", "")
    monkeypatch.setenv("REXIAN_KB_PATHS", str(kb_dir))
    assert main(["kb", "import", str(FIXTURES / "formats" / "kb.csv")]) == 0
    assert [p.name for p in kb_dir.iterdir()] == ["kb.jsonl"]  # named after the single input file
    assert main(["kb", "import", str(kb_dir / "kb.jsonl")]) == 0  # re-normalising in place is allowed
    capsys.readouterr()


def test_import_refuses_a_file_already_in_the_kb_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    source = kb_dir / "faq.yaml"
    source.write_text((FIXTURES / "formats" / "kb.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["kb", "import", str(source), "--into", str(kb_dir)]) == 1
    assert "已在知识库目录" in capsys.readouterr().err
    assert [p.name for p in kb_dir.iterdir()] == ["faq.yaml"]


def test_import_into_writes_one_normalised_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target_dir = tmp_path / "kb"
    argv = ["kb", "import", str(FIXTURES / "formats" / "kb.yaml"), "--into", str(target_dir), "--name", "faq"]
    assert main(argv) == 0
    assert [p.name for p in target_dir.iterdir()] == ["faq.jsonl"]
    assert load_entries([target_dir]) == load_entries([FIXTURES / "formats" / "kb.yaml"])
    assert "已写入" in capsys.readouterr().out
    assert main(argv) == 0  # re-importing replaces the same file rather than clashing with it


def test_import_error_exits_non_zero_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target_dir = tmp_path / "kb"
    good, bad = FIXTURES / "formats" / "kb.yaml", FIXTURES / "broken" / "empty_answer.yaml"
    assert main(["kb", "import", str(good), str(bad), "--into", str(target_dir)]) == 1
    err = capsys.readouterr().err
    assert f"{bad} 第2条 字段 answer: 答案不能为空" in err
    assert "未写入任何文件" in err
    assert not target_dir.exists()


def test_import_rejects_ids_already_in_the_kb_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target_dir = tmp_path / "kb"
    target_dir.mkdir()
    (target_dir / "existing.jsonl").write_text(
        '{"id": "test-002", "question": "别的问题", "answer": "别的答案", "category": "其他"}\n', encoding="utf-8"
    )
    assert main(["kb", "import", str(FIXTURES / "formats" / "kb.yaml"), "--into", str(target_dir)]) == 1
    assert "编号重复：test-002" in capsys.readouterr().err
    assert [p.name for p in target_dir.iterdir()] == ["existing.jsonl"]


def test_python_dash_m_rexian_reports_errors(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rexian", "kb", "import", str(FIXTURES / "broken" / "dup")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "编号重复：dup-001" in proc.stderr
    assert proc.stdout == ""


def test_stats_and_feedback(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = FeedbackLog(tmp_path / "feedback.sqlite3", salt="test")
    log.log_unanswered(
        "社保卡丢了 13912345678", channel="webchat", sender_id="u1", band="no_match", candidates=["hz-001"]
    )
    log.log_vote("hz-002", "办护照带什么", helpful=True, channel="webchat", sender_id="u1")
    log.log_vote("hz-003", "护照在哪办", helpful=False, channel="telegram", sender_id="u2")

    assert main(["kb", "stats", "--date", "2026-04-01"]) == 0
    out = capsys.readouterr().out
    assert "条目总数: 11" in out
    assert "  出入境: 5" in out and "  居住证: 4" in out
    assert "已过期: 1（bt-001）" in out
    assert "尚未生效: 1（bt-002）" in out
    assert "索引: 不存在" in out
    assert "反馈-未解答: 1" in out and "反馈-有帮助: 1" in out and "反馈-没帮助: 1" in out

    assert main(["kb", "feedback"]) == 0
    out = capsys.readouterr().out
    assert "社保卡丢了 [手机号]" in out and "13912345678" not in out and "共 1 条" in out

    assert main(["kb", "feedback", "--kind", "votes", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["entry_id"], r["helpful"]) for r in rows] == [("hz-002", True), ("hz-003", False)]


def test_build_skips_when_up_to_date_then_search(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small_kb = ["--kb", str(FIXTURES / "formats" / "kb.yaml")]
    assert main(["kb", "build", *small_kb]) == 0
    assert "索引已构建：3 条" in capsys.readouterr().out
    assert (tmp_path / "index").is_dir()
    assert main(["kb", "build", *small_kb]) == 0
    assert "index up to date" in capsys.readouterr().out
    assert main(["kb", "stats", *small_kb]) == 0
    assert "索引: 最新" in capsys.readouterr().out
    assert main(["kb", "stats"]) == 0  # the configured KB differs from the indexed one
    assert "索引: 已过期" in capsys.readouterr().out
    assert main(["kb", "build", *small_kb, "--force"]) == 0
    assert "索引已构建" in capsys.readouterr().out

    assert main(["kb", "search", "护照过期了怎么办？", "-k", "3", *small_kb]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "band: answer"
    assert lines[1].startswith("1. test-003")


def test_eval_prints_one_metric_per_line(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "eval"
    data.mkdir()
    corpus = [
        {"id": "a", "text": "居住证到居住地派出所申请办理。"},
        {"id": "b", "text": "护照到出入境管理部门申请。"},
        {"id": "c", "text": "公积金符合条件可以提取。"},
    ]
    queries = [
        {"qid": "1", "query": "居住证去哪里办", "gold": ["a"]},
        {"qid": "2", "query": "怎么申请护照", "gold": ["b"]},
    ]
    (data / "corpus.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in corpus), encoding="utf-8"
    )
    (data / "queries.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in queries), encoding="utf-8"
    )
    assert main(["kb", "eval", str(data), "--mode", "bm25"]) == 0
    metrics = dict(line.split(" ", 1) for line in capsys.readouterr().out.splitlines())
    for name in ("recall@1", "recall@5", "mrr@10", "latency_p50_ms", "latency_p95_ms", "n_queries"):
        assert name in metrics
    assert float(metrics["recall@5"]) == 1.0
    assert float(metrics["n_queries"]) == 2


def test_bad_configuration_is_reported_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REXIAN_CONFIG", str(tmp_path / "missing.yml"))
    assert main(["kb", "stats"]) == 2
    assert "配置错误" in capsys.readouterr().err


def test_kb_without_command_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb"]) == 2
    assert "import" in capsys.readouterr().err


def test_the_installed_console_script_runs_from_another_directory(tmp_path) -> None:  # noqa: ANN001
    """`.venv/app/bin/rexian` must import every command group (the package list in pyproject.toml), not only when
    run as `python -m rexian` from the project root."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).with_name("rexian")
    if not script.exists():
        import pytest

        pytest.skip("no installed rexian console script next to this Python")
    for args in (["--help"], ["events", "--limit", "1"], ["report", "--help"]):
        done = subprocess.run([str(script), *args], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              env={**__import__("os").environ, "REXIAN_EMERGENCY_EVENTS_DB": str(tmp_path / "e.db")})
        assert done.returncode == 0, (args, done.stderr[-2000:])
