"""Real Chromium for the browser tests and the README screenshots: Playwright for Python driving the SYSTEM Chromium
(Debian's ``chromium``, installed with the CJK font by ``scripts/install_browser.sh``; never ``playwright install``),
and the few gestures every test repeats: a console login, a citizen typing in the web chat page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
FONT_DIR = Path("/usr/share/fonts")
INSTALL_SCRIPT = "scripts/install_browser.sh"
LAUNCH_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: The laptop screen the console is laid out for (issue 14).
VIEWPORT = {"width": 1366, "height": 768}
#: How long a page may take to show what the stack does (Rasa's answer, a push fetched every 2.5 s, SSE).
UI_TIMEOUT_MS = 60_000


def missing_browser() -> str | None:
    """Why the browser tests cannot run here (None when Chromium and a CJK font are installed)."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: run {INSTALL_SCRIPT} (as root) to install Chromium and fonts-noto-cjk"
    if not any(FONT_DIR.rglob("NotoSansCJK*")):
        return f"the Noto CJK font is missing: run {INSTALL_SCRIPT} (as root) to install fonts-noto-cjk"
    return None


@contextmanager
def chromium() -> Iterator[Browser]:
    """The system Chromium, headless, for the duration of the block (``expect`` waits up to :data:`UI_TIMEOUT_MS`)."""
    expect.set_options(timeout=UI_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser: Browser) -> BrowserContext:
    """A fresh browser profile (own cookies and local storage) at 1366×768, in simplified Chinese."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(UI_TIMEOUT_MS)
    return context


def console_login(page: Page, console_url: str, name: str, password: str, path: str = "/queue") -> Page:
    """Log in on the console's login page (the way ``path`` asks for it) and wait for ``path`` to be shown live."""
    page.goto(f"{console_url}/login?next={path}")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{console_url}{path}")
    expect(page.locator("#live-status")).to_have_text("实时连接正常")  # the /events stream: the agent is online
    return page


def web_chat_sender(page: Page) -> str:
    """The sender id the web chat page keeps in its local storage."""
    return page.evaluate("() => localStorage.getItem('rexian.sender')")


def citizen_says(page: Page, text: str) -> None:
    """Type ``text`` in the web chat page and send it; returns once the page has the bot's answer (or silence)."""
    page.locator("#input").fill(text)
    page.get_by_role("button", name="发送").click()
    expect(page.locator(".msg--user .bubble").last).to_have_text(text)
    expect(page.locator(".typing")).to_have_count(0)  # the answer (possibly empty) has arrived


def bot_bubbles(page: Page):
    """The web chat page's bot (and agent) bubbles."""
    return page.locator(".msg--bot .bubble")
