"""Fixtures that run the real stack (action server, Rasa server, web chat) on free loopback ports."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from configuration import PROJECT_ROOT, load_config
from rexian.stack import Stack, ensure_rasa_model, rasa_venv
from tests.e2e.harness import RestChat, stack_environment
from tests.fakes.telegram_api import FakeTelegramAPI


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[FakeTelegramAPI]:
    """A local fake of the Telegram Bot API that the stack's Telegram bridge polls."""
    fake = FakeTelegramAPI().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, telegram_api: FakeTelegramAPI) -> Iterator[Stack]:
    if not (rasa_venv() / "bin" / "rasa").exists():
        pytest.fail(f"Rasa environment missing at {rasa_venv()}: run `make setup` first")
    var_dir = tmp_path_factory.mktemp("stack")
    with stack_environment(var_dir, telegram_api=telegram_api.base_url):
        running = Stack(load_config(), ensure_rasa_model(PROJECT_ROOT), var_dir)
        try:
            running.start()
            yield running
        finally:
            running.stop()


@pytest.fixture
def chat(stack: Stack) -> RestChat:
    return RestChat(stack.settings.rasa.url)
