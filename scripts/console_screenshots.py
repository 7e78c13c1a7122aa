"""Screenshots of the agent console for the README, taken in real Chromium at 1366×768.

    .venv/app/bin/python scripts/console_screenshots.py [--out docs/images]

Starts the whole stack on free ports with temporary databases and agent assist on (tests/browser/stack.py: Rasa,
the action server, the web chat, the dispatch backend, the console with the shipped knowledge base), lets three
web-chat citizens talk to the bot and reach the queue (a gas leak the emergency protocol hands over, a complaint
about a barbecue's smoke, a question about the residence permit), logs an agent in with the system Chromium
(``scripts/install_browser.sh`` installs it and the CJK font) and writes:

- ``console-queue.png``: the queue with the three waiting conversations, the emergency first;
- ``console-conversation.png``: the complaint taken by the agent, with the transcript, the bot's understanding and
  the suggested answers;
- ``console-order.png``: the same conversation with the pre-filled work-order form.

Prints the paths it wrote. Takes a few minutes (the stack starts as in the end-to-end tests). Nothing is filed.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect  # noqa: E402

from agent_console.contract import ConsoleClient  # noqa: E402
from tests.browser.chromium import chromium, console_login, missing_browser, new_context  # noqa: E402
from tests.browser.stack import PASSWORD, BrowserStack, browser_stack  # noqa: E402
from tests.e2e.harness import WebChat  # noqa: E402

logger = logging.getLogger("console_screenshots")

#: What each citizen says to the bot, in order; each ends in the console's queue.
CITIZENS = {
    "gas": ["楼道里煤气味很大，好像漏气了"],
    "smoke": ["楼下烧烤店天天开到凌晨两点，油烟呛得人没法开窗，我要投诉", "转人工"],
    "permit": ["办理居住证需要满足什么条件", "我想问问人工，转人工"],
}
#: What the complaining citizen adds once the agent has the conversation (relayed, the bot stays silent): the
#: details, then a question the knowledge base answers (the suggestions follow the latest citizen message).
FOLLOW_UP = ["地址是幸福路12号3单元楼下，我姓王，电话13800138000，晚上十点以后最严重", "烧烤油烟扰民到底归哪个部门管？"]


def queue_citizens(live: BrowserStack, console: ConsoleClient) -> dict[str, str]:
    """Each citizen of :data:`CITIZENS` talks to the bot over the web chat; their sender ids, once queued."""
    senders = {}
    for name, lines in CITIZENS.items():
        citizen = WebChat(live.webchat_url, f"web:{uuid.uuid4().hex}")
        for line in lines:
            citizen.say(line)
        status = console.status(citizen.sender)
        if not (status.paused and status.state == "waiting"):
            raise RuntimeError(f"{name}: the conversation is not in the queue ({status})")
        senders[name] = citizen.sender
    return senders


def shoot(page: Page, path: Path) -> Path:
    page.mouse.move(0, 0)  # no hover highlight
    page.screenshot(path=str(path))
    logger.info("wrote %s", path)
    return path


def take_screenshots(live: BrowserStack, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    settings = live.stack.settings.console
    console = ConsoleClient(settings.url, settings.effective_internal_token)
    written = []
    with chromium() as browser:
        context = new_context(browser)
        page = console_login(context.new_page(), live.console_url, "liu", PASSWORD)
        senders = queue_citizens(live, console)
        rows = page.locator("#waiting-table tbody tr")
        expect(rows).to_have_count(len(CITIZENS))
        expect(rows.first).to_contain_text("燃气")
        written.append(shoot(page, out / "console-queue.png"))

        smoke = console.status(senders["smoke"]).conversation_id
        rows.filter(has_text="烧烤").get_by_role("button", name="接入").click()
        page.wait_for_url(f"{live.console_url}/conversations/{smoke}")
        for line in FOLLOW_UP:
            WebChat(live.webchat_url, senders["smoke"]).say(line)
        expect(page.locator("#transcript li.citizen", has_text=FOLLOW_UP[-1])).to_have_count(1)
        expect(page.locator("#suggest-for")).to_contain_text(FOLLOW_UP[-1][:10])
        expect(page.locator("#suggestions li .q").first).to_contain_text("油烟")
        written.append(shoot(page, out / "console-conversation.png"))

        page.get_by_role("tab", name="登记工单").click()
        expect(page.locator("#o-address")).to_have_value(re.compile("幸福路12号"))
        expect(page.locator("#o-category")).not_to_have_value("")
        written.append(shoot(page, out / "console-order.png"))
        context.close()
    console.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="where the PNG files go")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    reason = missing_browser()
    if reason:
        print(f"cannot take screenshots: {reason}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="rexian-screens-") as tmp, browser_stack(Path(tmp)) as live:
        for path in take_screenshots(live, args.out.resolve()):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
