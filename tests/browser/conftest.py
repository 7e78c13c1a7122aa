"""Fixtures of the browser tests: the system Chromium (skipped, naming scripts/install_browser.sh, when it or the
CJK font is missing) and the real stack with agent assist (tests/browser/stack.py), both for the whole package:
torn down before tests/e2e starts its own stack."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from rexian.stack import rasa_venv
from tests.browser.chromium import chromium, missing_browser
from tests.browser.stack import BrowserStack, browser_stack


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    with chromium() as running:
        yield running


@pytest.fixture(scope="package")
def live(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserStack]:
    if not (rasa_venv() / "bin" / "rasa").exists():
        pytest.fail(f"Rasa environment missing at {rasa_venv()}: run `make setup` first")
    with browser_stack(tmp_path_factory.mktemp("browser-stack")) as running:
        yield running
