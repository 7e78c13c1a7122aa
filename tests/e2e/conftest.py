"""Fixtures that run the real stack (action server, Rasa server, web chat) on free loopback ports."""
from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rexian.config import PROJECT_ROOT, load_config
from rexian.stack import Stack, ensure_rasa_model, rasa_venv


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not (rasa_venv() / "bin" / "rasa").exists():
        pytest.fail(f"Rasa environment missing at {rasa_venv()}: run `make setup` first")
    var_dir: Path = tmp_path_factory.mktemp("stack")
    overrides = {
        "REXIAN_RASA_PORT": str(_free_port()),
        "REXIAN_ACTIONS_PORT": str(_free_port()),
        "REXIAN_WEBCHAT_PORT": str(_free_port()),
        "REXIAN_TRACKER_STORE_URL": f"sqlite:///{var_dir / 'tracker.sqlite3'}",
        "REXIAN_KB_FEEDBACK_DB": str(var_dir / "feedback.sqlite3"),
        "REXIAN_DISPATCH_EMBEDDED": "false",
    }
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    settings = load_config()
    running = Stack(settings, ensure_rasa_model(PROJECT_ROOT), var_dir)
    try:
        running.start()
        yield running
    finally:
        running.stop()
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

    def say(self, message: str) -> list[dict]:
        response = httpx.post(self.url, json={"sender": self.sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()

    def say_text(self, message: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(message) if m.get("text"))


@pytest.fixture
def chat(stack: Stack) -> RestChat:
    return RestChat(stack.settings.rasa.url)
