"""``rexian report seed-demo`` writes to its own demo database, never to the bot's live one unless named.

The live database (``REXIAN_DISPATCH_DB_URL``) is what the bot's backend serves and what the callbacks
scheduler surveys, so 300 demo orders there would be called back. By default the demo goes to
``REXIAN_DEMO_DB_URL`` (default ``var/demo_dispatch.sqlite3``; the tests point it at a temporary file) and
``rexian report --demo`` reads it back. The seeding tests start a private backend subprocess on temporary SQLite
files (a few seconds each).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from rexian.cli import main

UNTIL = ["--until", "2025-09-12"]
PERIOD = ["--from", "2025-08-30", "--to", "2025-09-12"]


def _orders(path: Path) -> int | None:
    """Work orders in a dispatch SQLite file; None when there is no file or no dispatch table."""
    if not path.exists():
        return None
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'dispatch_work_orders'").fetchone():
            return None
        return int(db.execute("SELECT COUNT(*) FROM dispatch_work_orders").fetchone()[0])


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A "live" database file the bot would use (an existing SQLite file), named by REXIAN_DISPATCH_DB_URL."""
    path = tmp_path / "live" / "dispatch.sqlite3"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE marker (x INTEGER)")
    monkeypatch.setenv("REXIAN_DISPATCH_DB_URL", f"sqlite:///{path}")
    return path


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default demo location, moved out of the project's var/ for the test."""
    path = tmp_path / "demo" / "demo_dispatch.sqlite3"
    monkeypatch.setenv("REXIAN_DEMO_DB_URL", f"sqlite:///{path}")
    return path


def test_default_demo_and_live_databases_are_different_files(monkeypatch: pytest.MonkeyPatch) -> None:
    from configuration import DEMO_DB_URL, PROJECT_ROOT
    from dispatch_reports.seed import demo_db_url, is_live_db, live_db_url

    monkeypatch.delenv("REXIAN_DEMO_DB_URL", raising=False)
    monkeypatch.delenv("REXIAN_DISPATCH_DB_URL", raising=False)
    assert DEMO_DB_URL == "sqlite:///var/demo_dispatch.sqlite3"
    assert demo_db_url() == f"sqlite:///{PROJECT_ROOT / 'var' / 'demo_dispatch.sqlite3'}"   # relative → project root
    assert live_db_url() == f"sqlite:///{PROJECT_ROOT / 'var' / 'dispatch.sqlite3'}"
    assert not is_live_db(demo_db_url()) and is_live_db("sqlite:///var/dispatch.sqlite3")
    monkeypatch.setenv("REXIAN_DISPATCH_DB_URL", "sqlite:///var/demo_dispatch.sqlite3")
    assert is_live_db(demo_db_url())


def test_seed_demo_by_default_leaves_the_live_database_alone(live: Path, demo: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    live_before = live.read_bytes()
    live_files = sorted(p.name for p in live.parent.iterdir())
    code = main(["report", "seed-demo", "--orders", "6", "--weeks", "1", "--seed", "5", *UNTIL])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert live.read_bytes() == live_before and _orders(live) is None          # not a single demo order
    assert sorted(p.name for p in live.parent.iterdir()) == live_files         # no -wal / -journal either
    assert _orders(demo) == 6
    assert "已写入演示工单 6 件" in out and str(demo) in out                     # says which database it wrote
    assert "rexian report --demo" in out and "警告" not in err

    code = main(["report", "--demo", *PERIOD, "--json", "--no-chart"])          # the report reads the demo back
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["overall"]["total"] == 6 and str(demo) in err
    assert live.read_bytes() == live_before


def test_seed_demo_writes_to_the_database_named_by_db(live: Path, demo: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    named = tmp_path / "named" / "orders.sqlite3"
    live_before = live.read_bytes()
    code = main(["report", "seed-demo", "--orders", "4", "--weeks", "1", "--seed", "9", *UNTIL,
                 "--db", f"sqlite:///{named}"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert _orders(named) == 4 and not demo.exists() and live.read_bytes() == live_before
    assert str(named) in out and f"rexian report --db sqlite:///{named}" in out

    code = main(["report", "--db", f"sqlite:///{named}", *PERIOD, "--json", "--no-chart"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["overall"]["total"] == 4


def test_naming_the_live_database_is_allowed_with_a_warning(live: Path, demo: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "seed-demo", "--orders", "3", "--weeks", "1", "--seed", "2", *UNTIL,
                 "--db", f"sqlite:///{live}"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert _orders(live) == 3 and not demo.exists()
    assert "警告" in err and "REXIAN_DISPATCH_DB_URL" in err and str(live) in out


def test_a_demo_default_that_is_the_live_database_is_refused(live: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("REXIAN_DEMO_DB_URL", f"sqlite:///{live}")
    live_before = live.read_bytes()
    code = main(["report", "seed-demo", "--orders", "3", "--weeks", "1", *UNTIL])
    _out, err = capsys.readouterr()
    assert code == 1 and "--db" in err and live.read_bytes() == live_before


def test_report_demo_without_demo_data_says_so_and_creates_nothing(demo: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "--demo", *PERIOD, "--no-chart"])
    _out, err = capsys.readouterr()
    assert code == 1 and "seed-demo" in err and str(demo) in err
    assert not demo.exists() and not demo.parent.exists()


@pytest.mark.parametrize("argv", [["report", "seed-demo", "--db", "sqlite:///x.sqlite3", "--url", "http://x"],
                                  ["report", "--demo", "--url", "http://x"],
                                  ["report", "--demo", "--db", "sqlite:///x.sqlite3"]])
def test_one_source_at_a_time(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and "not allowed with" in capsys.readouterr().err
