"""The bot learns the category tree from a real dispatch backend (subprocess, SQLite): ``GET /categories.json`` and
the services' keywords give the same taxonomy as the tree the project ships, the copy under var/ serves when the
backend is down."""
from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from bot.actions.categories import CategorySource, fetch_tree
from dispatch_backend.launcher import BackendProcess, free_port
from dispatch_client import DispatchClient
from nlu.appeal.taxonomy import load_taxonomy
from tests.backend import start_test_backend

KEY = "test-bot-key"


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[BackendProcess]:
    process = start_test_backend(f"sqlite:///{tmp_path / 'dispatch.sqlite3'}", free_port(), tmp_path / "backend.log",
                                 api_key=KEY)
    yield process
    process.stop()


def test_the_backends_tree_gives_the_shipped_taxonomy_and_survives_an_outage(backend: BackendProcess,
                                                                            tmp_path: Path) -> None:
    client = DispatchClient(backend.url, api_key=KEY, timeout=5, retries=0)
    copy = tmp_path / "var" / "dispatch_categories.json"
    source = CategorySource(partial(fetch_tree, client), copy)
    fetched = source.taxonomy()
    assert source.origin == "backend" and copy.is_file()
    shipped = load_taxonomy()
    assert list(fetched.leaves) == list(shipped.leaves)  # same leaves in the same order …
    assert all(fetched.leaves[p].keywords == shipped.leaves[p].keywords for p in shipped.leaves)  # … and words
    assert fetched == shipped

    backend.stop()
    later = CategorySource(partial(fetch_tree, client), copy)  # the action server restarts, the backend is down
    assert later.taxonomy() == fetched and later.origin == "cache"
    client.close()
