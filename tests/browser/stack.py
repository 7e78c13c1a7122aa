"""The real stack for the browser tests and the README screenshots: tests/e2e/harness.py's private stack (free
ports, temporary databases, agents on duty all day) with the console's agent assist on (``console.assist=kb``:
suggested answers from the shipped knowledge base, the appeal classifier of the pre-filled work order), and the
console accounts an operator would make with ``python -m agent_console users add``."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from configuration import PROJECT_ROOT, load_config
from rexian.stack import Stack, ensure_rasa_model
from tests.console_harness import console_cli
from tests.e2e.harness import stack_environment

PASSWORD = "browser test password 2026"
#: (name, role, display name) of the accounts the browser logs in with.
ACCOUNTS = (("liu", "agent", "刘敏"), ("chen", "agent", "陈静"), ("zhou", "supervisor", "周班长"))
#: What the console logs once each part of agent assist has opened in the background.
ASSIST_READY = ("suggested answers ready", "appeal classifier ready")


@dataclass(frozen=True)
class BrowserStack:
    stack: Stack

    @property
    def console_url(self) -> str:
        return self.stack.settings.console.url

    @property
    def webchat_url(self) -> str:
        s = self.stack.settings.webchat
        return f"http://{s.host}:{s.port}"


def _wait_for_assist(stack: Stack, timeout: float = 600.0) -> None:
    """Until the console's suggestions and appeal classifier are open (a citizen before that gets none)."""
    log = next(s.log_path for s in stack.services if s.name == "console")
    deadline = time.monotonic() + timeout
    while True:
        text = log.read_text(encoding="utf-8", errors="replace") if log and log.exists() else ""
        if all(line in text for line in ASSIST_READY):
            return
        for line in text.splitlines():
            if "unavailable" in line and ("suggested answers" in line or "appeal classifier" in line):
                raise RuntimeError(f"the console's agent assist did not open: {line}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the console's agent assist not ready after {timeout:.0f}s; see {log}")
        time.sleep(0.5)


@contextmanager
def browser_stack(var_dir: Path) -> Iterator[BrowserStack]:
    """Start the stack in ``var_dir`` with agent assist and the accounts of :data:`ACCOUNTS`; stopped on exit."""
    with stack_environment(var_dir, console_assist="kb"):
        running = Stack(load_config(), ensure_rasa_model(PROJECT_ROOT), var_dir)
        try:
            running.start()
            env = dict(os.environ)
            for name, role, display in ACCOUNTS:
                made = console_cli(env, "users", "add", name, "--role", role, "--display-name", display,
                                   stdin=PASSWORD + "\n")
                if made.returncode != 0:
                    raise RuntimeError(f"users add {name}: {made.stderr}")
            _wait_for_assist(running)
            yield BrowserStack(running)
        finally:
            running.stop()
