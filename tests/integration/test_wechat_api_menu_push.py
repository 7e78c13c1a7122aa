"""``rexian wechat menu push``: the custom menu of rexian.yml checked and published to the fake WeChat API."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from configuration import PROJECT_ROOT
from rexian.cli import main
from tests.fakes.wechat_api import APP_ID, APP_SECRET, FakeWeChatAPI

MENU = {
    "button": [
        {"type": "click", "name": "咨询", "key": "CONSULT"},
        {"type": "click", "name": "投诉", "key": "COMPLAIN"},
        {"name": "更多", "sub_button": [{"type": "click", "name": "查询工单", "key": "ORDER_STATUS"},
                                       {"type": "click", "name": "转人工", "key": "AGENT"}]},
    ]
}


@pytest.fixture(scope="module")
def fake():
    server = FakeWeChatAPI().start()
    yield server
    server.stop()


@pytest.fixture
def configure(fake, tmp_path, monkeypatch):
    """Writes a rexian.yml with a ``wechat`` section pointing at the fake (``**overrides`` on top) and uses it."""

    def write(**overrides) -> Path:
        section = {"app_id": APP_ID, "secret": APP_SECRET, "api_base_url": fake.base_url,
                   "db": str(tmp_path / "wechat.sqlite3"), "menu": MENU, **overrides}
        path = tmp_path / "rexian.yml"
        path.write_text(yaml.safe_dump({"wechat": section}, allow_unicode=True), encoding="utf-8")
        for name in list(os.environ):
            if name.startswith("REXIAN_") and name != "REXIAN_JIEBA_DICT_DIR":
                monkeypatch.delenv(name)
        monkeypatch.setenv("REXIAN_CONFIG", str(path))
        return path

    return write


def test_push_publishes_the_configured_menu(fake, configure, capsys):
    configure()
    before = len(fake.menus())
    assert main(["wechat", "menu", "push"]) == 0
    assert fake.menus()[before:] == [MENU]
    assert "已发布自定义菜单：3 个一级菜单" in capsys.readouterr().out


def test_dry_run_prints_the_json_and_sends_nothing(fake, configure, capsys):
    configure()
    before = len(fake.menus())
    assert main(["wechat", "menu", "push", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == MENU and "查询工单" in out  # Chinese as such, not \u escapes
    assert len(fake.menus()) == before


def test_a_menu_against_the_rules_is_refused_with_every_problem(fake, configure, capsys):
    too_many = {"button": [{"type": "click", "name": name, "key": key} for name, key in
                           [("咨询", "CONSULT"), ("投诉", "COMPLAIN"), ("查询我的工单", "ORDER_STATUS"), ("转人工", "AGENT")]]}
    configure(menu=too_many)
    before = len(fake.menus())
    assert main(["wechat", "menu", "push"]) == 1
    err = capsys.readouterr().err
    assert "一级菜单最多 3 个，现有 4 个" in err and "“查询我的工单”名称太长" in err
    assert len(fake.menus()) == before


def test_push_without_an_app_id_says_what_to_set(configure, capsys):
    configure(app_id="")
    assert main(["wechat", "menu", "push"]) == 2
    assert "REXIAN_WECHAT_APP_ID" in capsys.readouterr().err


def test_wechat_refusing_the_menu_is_reported(fake, configure, capsys):
    configure()
    fake.fail_next("menu/create", 40018)
    assert main(["wechat", "menu", "push"]) == 1
    assert "40018" in capsys.readouterr().err


def test_the_rexian_command_pushes_the_menu(fake, configure):
    config = configure()
    before = len(fake.menus())
    env = {**os.environ, "REXIAN_CONFIG": str(config), "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run([sys.executable, "-m", "rexian.cli", "wechat", "menu", "push"], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert fake.menus()[before:] == [MENU]
    assert APP_SECRET not in result.stdout + result.stderr


def test_wechat_and_menu_without_a_command_print_usage(capsys):
    assert main(["wechat"]) == 2
    assert main(["wechat", "menu"]) == 2
    assert "push" in capsys.readouterr().err
