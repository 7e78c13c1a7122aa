"""Helpers shared by the end-to-end tests: free ports, a temporary environment, a REST-channel citizen."""
from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from configuration import PROJECT_ROOT
from tests.fakes.telegram_api import DEFAULT_TOKEN as DEFAULT_TELEGRAM_TOKEN


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(var_dir: Path, service_hours: str = "00:00-24:00") -> Path:
    """The stack's own ``rexian.yml`` (``REXIAN_CONFIG``): the project's defaults but ``console.service_hours``, which
    the action server reads at each handoff, so a test can move the service hours while the stack runs."""
    path = var_dir / "rexian.yml"
    path.write_text(f'console:\n  service_hours: "{service_hours}"\n', encoding="utf-8")
    return path


@contextmanager
def service_hours(var_dir: Path, hours: str) -> Iterator[None]:
    """The stack's agents on duty during ``hours`` inside the block, all day again after it."""
    write_config(var_dir, hours)
    try:
        yield
    finally:
        write_config(var_dir)


@contextmanager
def stack_environment(var_dir: Path, tracker_store_url: str | None = None, dispatch: bool = True,
                      telegram_api: str | None = None, console_assist: str = "none") -> Iterator[None]:
    """Environment for a private stack: free ports, its own tracker store, feedback log, outbox and (unless
    ``dispatch`` is false) its own embedded dispatch backend on a temporary SQLite database, the callbacks
    scheduler polling every second with no delay and no quiet hours, the seat-agent console on its own database
    with agents on duty all day (:func:`service_hours` changes that) and a short heartbeat (an agent whose console
    is gone loses the conversation within seconds), and (when ``telegram_api`` is a fake Bot API base URL) the
    Telegram bridge. ``console_assist="kb"`` gives the console's agents suggested answers and the appeal
    classifier of the pre-filled work order (``console.assist``; the browser tests)."""
    index_dir = var_dir / "kb_index"  # a copy: an agent's KB change (knowledge upkeep) rebuilds only this one
    project_index = PROJECT_ROOT / "var" / "kb_index"
    if project_index.is_dir() and not index_dir.exists():
        shutil.copytree(project_index, index_dir)
    overrides = {
        "REXIAN_CONFIG": str(write_config(var_dir)),
        "REXIAN_KB_INDEX_DIR": str(index_dir),
        "REXIAN_RASA_PORT": str(free_port()),
        "REXIAN_ACTIONS_PORT": str(free_port()),
        "REXIAN_WEBCHAT_PORT": str(free_port()),
        "REXIAN_TRACKER_STORE_URL": tracker_store_url or f"sqlite:///{var_dir / 'tracker.sqlite3'}",
        "REXIAN_KB_FEEDBACK_DB": str(var_dir / "feedback.sqlite3"),
        "REXIAN_KB_UPKEEP_PATH": str(var_dir / "kb_upkeep"),
        "REXIAN_EMERGENCY_EVENTS_DB": str(var_dir / "events.sqlite3"),
        "REXIAN_DISPATCH_EMBEDDED": "true" if dispatch else "false",
        "REXIAN_DISPATCH_PORT": str(free_port()),
        "REXIAN_DISPATCH_DB_URL": f"sqlite:///{var_dir / 'dispatch.sqlite3'}",
        "REXIAN_DISPATCH_OUTBOX": str(var_dir / "outbox.sqlite3"),
        "REXIAN_DISPATCH_RETRIES": "0",
        "REXIAN_WEBCHAT_PUSH_DB": str(var_dir / "webchat_push.sqlite3"),
        "REXIAN_CALLBACKS_ENABLED": "true" if dispatch else "false",
        "REXIAN_CALLBACKS_STORE_URL": f"sqlite:///{var_dir / 'callbacks.sqlite3'}",
        "REXIAN_CALLBACKS_DELAY_MINUTES": "0",
        "REXIAN_CALLBACKS_QUIET_START": "00:00",  # quiet hours are tested with an injected clock elsewhere
        "REXIAN_CALLBACKS_QUIET_END": "00:00",
        "REXIAN_CALLBACKS_POLL_SECONDS": "1",
        "REXIAN_TELEGRAM_TOKEN": DEFAULT_TELEGRAM_TOKEN if telegram_api else "",
        "REXIAN_TELEGRAM_API_BASE_URL": telegram_api or "https://api.telegram.org/bot",
        "REXIAN_TELEGRAM_PORT": str(free_port()),
        "REXIAN_TELEGRAM_RATE_LIMIT_PER_MINUTE": "100",
        "REXIAN_CONSOLE_PORT": str(free_port()),
        "REXIAN_CONSOLE_DB_URL": f"sqlite:///{var_dir / 'console.sqlite3'}",
        "REXIAN_CONSOLE_HEARTBEAT_TIMEOUT": "4",
        "REXIAN_CONSOLE_PING_SECONDS": "0.5",
        "REXIAN_CONSOLE_SWEEP_SECONDS": "0.25",
        "REXIAN_CONSOLE_ASSIST": console_assist,
    }
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class RestChat:
    """One citizen talking to the bot over Rasa's REST channel."""

    def __init__(self, rasa_url: str, sender: str | None = None):
        self.url = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
        self.sender = sender or f"test-{uuid.uuid4().hex[:12]}"

    def say(self, message: str, metadata: dict | None = None) -> list[dict]:
        body: dict = {"sender": self.sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        response = httpx.post(self.url, json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def say_text(self, message: str, metadata: dict | None = None) -> str:
        return "\n".join(m.get("text", "") for m in self.say(message, metadata) if m.get("text"))


class WebChat:
    """One citizen on the web chat page (through the web chat server, as the browser does)."""

    def __init__(self, webchat_url: str, sender: str | None = None):
        self.url = webchat_url.rstrip("/")
        self.sender = sender or f"web:{uuid.uuid4().hex}"

    def say(self, message: str) -> str:
        return "\n".join(m.get("text") or "" for m in self.send(message)["messages"])

    def send(self, message: str) -> dict:
        """The page's whole answer: ``messages`` and ``handoff`` (is a human agent on the conversation)."""
        response = httpx.post(f"{self.url}/api/messages", json={"sender_id": self.sender, "text": message}, timeout=60)
        response.raise_for_status()
        return response.json()

    def pending(self) -> list[dict]:
        response = httpx.get(f"{self.url}/api/pending", params={"sender_id": self.sender}, timeout=10)
        response.raise_for_status()
        return response.json()["messages"]
