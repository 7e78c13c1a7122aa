"""Conversations survive a Rasa restart with the tracker store on a real PostgreSQL server (set by URL)."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from rexian.config import PROJECT_ROOT, load_config
from rexian.stack import Stack, ensure_rasa_model
from tests.e2e.conftest import RestChat
from tests.e2e.test_conversation import _title

PG_URL = os.environ.get("REXIAN_TEST_PG_URL", "")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tracker_database(url: str) -> str:
    """Create a fresh database for Rasa's tracker store next to the test database; return its plain URL."""
    import psycopg

    base = url.replace("postgresql+psycopg://", "postgresql://")
    server, _, _db = base.rpartition("/")
    name = "rexian_tracker_e2e"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


@pytest.mark.skipif(not PG_URL, reason="REXIAN_TEST_PG_URL not set (make test starts PostgreSQL and sets it)")
def test_conversation_survives_restart_with_postgres_tracker_store(tmp_path: Path) -> None:
    overrides = {
        "REXIAN_RASA_PORT": str(_free_port()),
        "REXIAN_ACTIONS_PORT": str(_free_port()),
        "REXIAN_WEBCHAT_PORT": str(_free_port()),
        "REXIAN_TRACKER_STORE_URL": _tracker_database(PG_URL),
        "REXIAN_KB_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
        "REXIAN_DISPATCH_EMBEDDED": "false",
    }
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    stack = Stack(load_config(), ensure_rasa_model(PROJECT_ROOT), tmp_path)
    try:
        stack.start()
        chat = RestChat(stack.settings.rasa.url)
        chat.say("办理居住证需要满足什么条件")
        stack.restart("rasa")
        assert "居住证" in _title(chat.say_text("那需要带什么材料？"))
    finally:
        stack.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
