"""The launcher (``make up``, :mod:`rexian.stack`) without starting anything: the seat-agent console is one of its
processes, before the action server, sharing the action server's ``console.internal_token``; the banner names its
URL and, while it has no account, the command that makes one."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from agent_console.cli import active_accounts
from agent_console.cli import main as console_main
from agent_console.settings import ConsoleConfig
from configuration import DEV_CONSOLE_TOKEN, PROJECT_ROOT, load_config
from rexian.stack import Stack, banner, console_accounts, python_command


def _plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, object]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stack = Stack(load_config(), tmp_path / "model.tar.gz", tmp_path)
    return {service.name: service for service in stack.plan()}


def test_the_console_starts_before_the_action_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REXIAN_CONSOLE_INTERNAL_TOKEN", raising=False)
    services = _plan(tmp_path, monkeypatch, REXIAN_CONSOLE_PORT="18020")
    names = list(services)
    console = services["console"]
    assert console.cmd == [sys.executable, "-m", "agent_console"]  # type: ignore[attr-defined]
    assert console.health_url == "http://127.0.0.1:18020/healthz"  # type: ignore[attr-defined]
    assert names.index("console") < names.index("actions")


@pytest.mark.parametrize("token", [None, "prod-console-secret"])
def test_the_console_and_the_action_server_share_the_internal_token(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token: str | None) -> None:
    if token is None:
        monkeypatch.delenv("REXIAN_CONSOLE_INTERNAL_TOKEN", raising=False)
    else:
        monkeypatch.setenv("REXIAN_CONSOLE_INTERNAL_TOKEN", token)
    services = _plan(tmp_path, monkeypatch)
    tokens = {name: load_config(services[name].env).console.effective_internal_token  # type: ignore[attr-defined]
              for name in ("console", "actions")}
    assert tokens == {"console": token or DEV_CONSOLE_TOKEN, "actions": token or DEV_CONSOLE_TOKEN}


def test_the_banner_names_the_console_and_how_to_make_an_account() -> None:
    settings = load_config({"REXIAN_CONSOLE_PORT": "8021"})
    first = banner(settings, 0)
    assert "Agent console (坐席助手): http://127.0.0.1:8021/" in first
    assert f"{python_command()} -m agent_console users add NAME --role agent" in first
    assert "Press Ctrl-C to stop." in first
    assert "users add" in banner(settings, None)       # the database could not be read: the hint all the same
    later = banner(settings, 2)
    assert "http://127.0.0.1:8021/" in later and "users add" not in later


def test_python_command_is_relative_inside_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", str(PROJECT_ROOT / ".venv" / "app" / "bin" / "python"))
    assert python_command() == ".venv/app/bin/python"
    monkeypatch.setattr(sys, "executable", "/usr/bin/python3")
    assert python_command() == "/usr/bin/python3"


def test_accounts_are_counted_from_the_consoles_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'console.sqlite3'}"
    monkeypatch.setenv("REXIAN_CONSOLE_DB_URL", url)
    settings = load_config()
    assert active_accounts(ConsoleConfig.from_config(settings)) == 0  # no tables yet (the console not started)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long password\n"))
    assert console_main(["users", "add", "wang", "--role", "agent"]) == 0
    assert console_accounts(settings) == 1
    assert console_main(["users", "disable", "wang"]) == 0
    assert console_accounts(settings) == 0  # a disabled account cannot log in: the hint again
