"""Conversations survive a Rasa restart with the tracker store on a real PostgreSQL server (set by URL)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from configuration import PROJECT_ROOT, load_config
from rexian.stack import Stack, ensure_rasa_model
from tests.e2e.harness import RestChat, stack_environment
from tests.e2e.test_conversation import _title

PG_URL = os.environ.get("REXIAN_TEST_PG_URL", "")


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
    with stack_environment(tmp_path, tracker_store_url=_tracker_database(PG_URL), dispatch=False):
        stack = Stack(load_config(), ensure_rasa_model(PROJECT_ROOT), tmp_path)
        try:
            stack.start()
            chat = RestChat(stack.settings.rasa.url)
            chat.say("办理居住证需要满足什么条件")
            stack.restart("rasa")
            assert "居住证" in _title(chat.say_text("那需要带什么材料？"))
        finally:
            stack.stop()
