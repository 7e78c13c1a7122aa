"""Helpers shared by the end-to-end tests: free ports, a temporary environment, a REST-channel citizen."""
from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def stack_environment(var_dir: Path, tracker_store_url: str | None = None) -> Iterator[None]:
    """Environment for a private stack: free ports, its own tracker store and feedback log, no dispatch backend."""
    overrides = {
        "REXIAN_RASA_PORT": str(free_port()),
        "REXIAN_ACTIONS_PORT": str(free_port()),
        "REXIAN_WEBCHAT_PORT": str(free_port()),
        "REXIAN_TRACKER_STORE_URL": tracker_store_url or f"sqlite:///{var_dir / 'tracker.sqlite3'}",
        "REXIAN_KB_FEEDBACK_DB": str(var_dir / "feedback.sqlite3"),
        "REXIAN_DISPATCH_EMBEDDED": "false",
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

    def say(self, message: str) -> list[dict]:
        response = httpx.post(self.url, json={"sender": self.sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()

    def say_text(self, message: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(message) if m.get("text"))
