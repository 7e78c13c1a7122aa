"""Suggested answers: the knowledge base's top entries (real e5 index on the small fixture KB), shown through the
console's API for the latest citizen message; the lazy opener leaves the console working when the KB cannot open."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from agent_console.app import create_app
from agent_console.assist import KnowledgeBaseAssist, LazyAssist, NoAssist, open_knowledge_base_assist
from agent_console.contract import CONSOLE_TOKEN_HEADER
from agent_console.settings import ConsoleConfig
from knowledge_base.service import KnowledgeBase
from tests.fakes.servers import wait_until

FIXTURE_KB = Path(__file__).resolve().parent.parent / "fixtures" / "kb" / "followup"


@pytest.fixture(scope="module")
def kb_paths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    kb_dir, index_dir = tmp_path_factory.mktemp("kb"), tmp_path_factory.mktemp("index")
    for path in FIXTURE_KB.iterdir():
        shutil.copy(path, kb_dir / path.name)
    KnowledgeBase.open([kb_dir], index_dir, "e5")  # builds and saves the index once
    return kb_dir, index_dir


@pytest.fixture(scope="module")
def assist(kb_paths: tuple[Path, Path]) -> KnowledgeBaseAssist:
    kb_dir, index_dir = kb_paths
    return open_knowledge_base_assist([kb_dir], index_dir, "e5")


def test_suggestions_are_the_top_entries_with_their_answers(assist: KnowledgeBaseAssist) -> None:
    found = assist.suggestions("外地人怎么办居住证？", limit=3)
    assert found and found[0].entry_id == "jzz-001"
    assert found[0].answer.startswith("在居住地连续居住满半年") and found[0].question == "居住证怎么办理？"
    assert len(found) <= 3 and all(0 < s.similarity <= 1 for s in found)
    assert assist.suggestions("   ") == [] and NoAssist().suggestions("居住证") == []


def test_the_console_suggests_for_the_latest_citizen_message(tmp_path: Path, assist: KnowledgeBaseAssist) -> None:
    settings = ConsoleConfig(db_url=f"sqlite:///{tmp_path / 'c.sqlite3'}", internal_token="t")
    app = create_app(settings, assist=assist)
    app.state.service.create_user("wang", "password 123", "agent")
    with TestClient(app) as client:
        client.post("/internal/handoff", headers={CONSOLE_TOKEN_HEADER: "t"}, json={
            "sender_id": "web:assist00001", "reason": "citizen_request", "transcript": [
                {"role": "citizen", "text": "你好", "id": "1"},
                {"role": "citizen", "text": "办居住证要准备哪些材料", "id": "2"}]})
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"name": "wang", "password": "password 123", "csrf_token": token})
        found = client.get("/api/conversations/1/suggestions").json()["suggestions"]
        assert found[0]["entry_id"] == "jzz-002" and "身份证" in found[0]["answer"]
    app.state.service.store.dispose()


def test_a_knowledge_base_that_cannot_open_leaves_suggestions_empty(tmp_path: Path) -> None:
    lazy = LazyAssist(lambda: open_knowledge_base_assist([tmp_path / "missing"], tmp_path / "index", "e5")).start()
    assert wait_until(lambda: lazy.error is not None, 30)
    assert not lazy.ready and lazy.suggestions("居住证怎么办") == []
