"""The human handoff and the agent console in real Chromium (tests/browser/chromium.py: the system Chromium through
Playwright), on the real stack with agent assist (tests/browser/stack.py: Rasa, the action server, the web chat, the
dispatch backend, the console with suggested answers from the shipped knowledge base).

A citizen on the web chat page asks a question, then for a human; an agent logs in in another browser profile, sees
the conversation at the top of the queue, takes it, sends a suggested answer (one click, then edited) and the
citizen's page shows it; the citizen's next message reaches the agent's transcript while the bot stays silent; the
agent files the pre-filled work order and the backend has it exactly once; hand back, and the bot answers the
citizen's next question on the page. The queue, transcript, suggestions and form fit a 1366×768 screen without
horizontal scrolling. And the browser side of the permissions: an agent gets no supervisor page, a logged-out browser
is sent to the login page and gets no data, a POST from a logged-in page without its CSRF token is refused, a reveal
of a phone number is audited (seen on the supervisor's page).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from agent_console.contract import ConsoleClient
from dispatch_client import DispatchClient
from tests.browser.chromium import VIEWPORT, bot_bubbles, citizen_says, console_login, new_context, web_chat_sender
from tests.browser.stack import PASSWORD, BrowserStack
from tests.e2e.harness import WebChat

pytestmark = pytest.mark.e2e

QUESTION = "办理居住证需要满足什么条件"  # the shipped knowledge base answers it (tests/e2e/test_webchat.py)
LAMP = "还有个事，小区门口的路灯坏了一个星期了，晚上很黑，地址是幸福路12号"
AGENT_NOTE = "（话务员补充：如有疑问请再问我）"


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browser profiles opened by a test (``contexts.append(new_context(browser))``), closed after it."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def open_profile(browser: Browser, contexts: list[BrowserContext]) -> Page:
    context = new_context(browser)
    contexts.append(context)
    return context.new_page()


@pytest.fixture
def bot_side(live: BrowserStack) -> Iterator[ConsoleClient]:
    """The console's internal API as the bot sees it (which conversation a sender has)."""
    settings = live.stack.settings.console
    client = ConsoleClient(settings.url, settings.effective_internal_token)
    yield client
    client.close()


@pytest.fixture
def dispatch(live: BrowserStack) -> Iterator[DispatchClient]:
    settings = live.stack.settings.dispatch
    client = DispatchClient(settings.url, settings.effective_api_key, timeout=10, retries=1)
    yield client
    client.close()


def assert_fits_the_screen(page: Page, *selectors: str) -> None:
    """Each element is shown, starts and ends inside the 1366 px wide viewport, and the page has no horizontal
    scroll bar."""
    for selector in selectors:
        box = page.locator(selector).bounding_box()
        assert box is not None, f"{selector} is not shown"
        assert box["width"] > 0 and box["height"] > 0, (selector, box)
        assert 0 <= box["x"] and box["x"] + box["width"] <= VIEWPORT["width"], (selector, box)
        assert box["y"] < VIEWPORT["height"], (selector, box)  # starts on the first screen
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def test_a_web_chat_citizen_is_served_by_an_agent_in_the_console(
        browser: Browser, live: BrowserStack, contexts: list[BrowserContext], bot_side: ConsoleClient,
        dispatch: DispatchClient) -> None:
    agent = console_login(open_profile(browser, contexts), live.console_url, "liu", PASSWORD)
    citizen = open_profile(browser, contexts)
    citizen.goto(live.webchat_url + "/")

    # The citizen asks the bot, then for a human, and is told their place.
    citizen_says(citizen, QUESTION)
    expect(bot_bubbles(citizen).last).to_contain_text("【")  # a knowledge-base answer
    citizen_says(citizen, "转人工")
    expect(bot_bubbles(citizen).last).to_contain_text(re.compile(r"排在第\d+位"))
    expect(citizen.locator("#status")).to_be_visible()  # 人工服务中
    sender = web_chat_sender(citizen)
    status = bot_side.status(sender)
    assert status.paused and status.state == "waiting" and status.conversation_id
    conversation_id = status.conversation_id

    # The agent's queue shows it live, on top, with the question as its gist; the agent takes it.
    first = agent.locator("#waiting-table tbody tr").first
    expect(first).to_contain_text(QUESTION)
    expect(first).to_contain_text("市民要求")
    assert_fits_the_screen(agent, "#waiting-table", "#assigned-table")
    first.get_by_role("button", name="接入").click()
    agent.wait_for_url(f"{live.console_url}/conversations/{conversation_id}")
    expect(agent.locator("#reply-form")).to_be_visible()
    expect(citizen.locator(".msg--bot .bubble", has_text="人工话务员已接入")).to_have_count(1)

    # The transcript holds what the citizen and the bot said; the suggestions answer the question.
    transcript = agent.locator("#transcript")
    expect(transcript.locator("li.citizen", has_text=QUESTION)).to_have_count(1)
    expect(transcript.locator("li.bot", has_text="【")).not_to_have_count(0)
    suggestion = agent.locator("#suggestions li").first
    expect(suggestion.locator(".q")).to_contain_text("居住证")
    expect(agent.locator("#suggest-for")).to_contain_text("针对：" + QUESTION[:8])  # the question, not "转人工"
    expect(suggestion.get_by_role("button", name="编辑后发送")).to_be_visible()
    answer = suggestion.locator(".a").inner_text().strip()
    assert answer
    assert_fits_the_screen(agent, "#transcript", "#suggestions", "#reply-form", ".conv-side .tabs")

    # One click puts the suggested answer in the reply box; the agent adds a line and sends it.
    suggestion.get_by_role("button", name="编辑后发送").click()
    reply = agent.locator("#reply-text")
    expect(reply).to_have_value(answer)
    reply.press("End")
    reply.press_sequentially(AGENT_NOTE)
    agent.locator("#reply-form").get_by_role("button", name="发送").click()
    expect(transcript.locator("li.agent", has_text=AGENT_NOTE)).to_have_count(1)
    expect(agent.locator("#suggestions li").first).to_contain_text("已修改后发送")
    expect(citizen.locator(".msg--bot .bubble", has_text=AGENT_NOTE)).to_have_count(1)  # on the citizen's page
    assert AGENT_NOTE in citizen.locator(".msg--bot .bubble", has_text=AGENT_NOTE).inner_text()

    # The citizen's next message goes to the agent; the bot says nothing.
    shown = bot_bubbles(citizen).count()
    citizen_says(citizen, LAMP)
    expect(transcript.locator("li.citizen", has_text=LAMP)).to_have_count(1)
    assert bot_bubbles(citizen).count() == shown

    # The pre-filled work order, filed once.
    agent.get_by_role("tab", name="登记工单").click()
    expect(agent.locator("#o-description")).to_have_value(re.compile("路灯"))
    expect(agent.locator("#o-address")).to_have_value(re.compile("幸福路12号"))
    expect(agent.locator("#o-appeal")).not_to_have_value("")
    assert_fits_the_screen(agent, "#transcript", "#order-form", "#btn-file")
    agent.locator("#btn-file").click()
    number = agent.locator("#order-result .big")
    expect(number).to_have_text(re.compile(r"\S"))
    filed = number.inner_text().strip()
    expect(agent.locator("#order-list li")).to_have_count(1)
    expect(agent.locator("#order-list li").first).to_contain_text(filed)
    expect(transcript.locator("li.system", has_text=filed)).to_have_count(1)
    orders = dispatch.list(channel="webchat", channel_user_id=sender)
    assert [o.service_request_id for o in orders] == [filed], orders
    assert "路灯" in (orders[0].description or "") and "幸福路12号" in (orders[0].address or "")

    # Hand back: the citizen is told, and the bot answers the next question itself.
    agent.once("dialog", lambda dialog: dialog.accept())
    agent.locator("#btn-handback").click()
    expect(citizen.locator(".msg--bot .bubble", has_text="智能助手继续为您服务")).to_have_count(1)
    assert not bot_side.status(sender).paused
    answers = bot_bubbles(citizen).filter(has_text="【").count()
    citizen_says(citizen, QUESTION)
    expect(bot_bubbles(citizen).filter(has_text="【")).to_have_count(answers + 1)
    expect(citizen.locator("#status")).to_be_hidden()
    assert [o.service_request_id for o in dispatch.list(channel="webchat", channel_user_id=sender)] == [filed]


def test_an_agent_gets_no_supervisor_page(browser: Browser, live: BrowserStack,
                                          contexts: list[BrowserContext]) -> None:
    agent = console_login(open_profile(browser, contexts), live.console_url, "chen", PASSWORD)
    expect(agent.locator(".topbar nav")).not_to_contain_text("班长视图")
    response = agent.goto(f"{live.console_url}/supervisor")
    assert response is not None and response.status == 403
    expect(agent.locator("#sup-queue")).to_have_count(0)
    api = agent.request.get(f"{live.console_url}/api/supervisor")
    assert api.status == 403


def test_a_logged_out_browser_is_sent_to_the_login_page_and_gets_no_data(
        browser: Browser, live: BrowserStack, contexts: list[BrowserContext]) -> None:
    page = open_profile(browser, contexts)
    for path in ("/queue", "/supervisor", "/conversations/1", "/calls"):
        page.goto(live.console_url + path)
        page.wait_for_url(re.compile(r"/login\?next="))
        expect(page.get_by_role("button", name="登录")).to_be_visible()
        expect(page.locator("#waiting-table, #transcript, #sup-queue")).to_have_count(0)
    for path in ("/api/queue", "/api/conversations/1", "/api/supervisor", "/api/audit"):
        assert page.request.get(live.console_url + path).status == 401, path

    # After logging out, the same holds for a browser that was logged in.
    agent = console_login(page, live.console_url, "chen", PASSWORD)
    agent.locator(".logout").get_by_role("button", name="退出登录").click()
    agent.wait_for_url(re.compile(r"/login"))
    agent.goto(live.console_url + "/queue")
    agent.wait_for_url(re.compile(r"/login\?next="))
    assert agent.request.get(live.console_url + "/api/queue").status == 401


def test_revealing_a_phone_number_shows_it_once_asked_and_is_audited(
        browser: Browser, live: BrowserStack, contexts: list[BrowserContext], bot_side: ConsoleClient) -> None:
    citizen = WebChat(live.webchat_url, f"web:{uuid.uuid4().hex}")
    assert citizen.send("我们小区停水两天了，我的电话是13812345678，转人工")["handoff"] is True
    conversation_id = bot_side.status(citizen.sender).conversation_id
    assert conversation_id

    agent = console_login(open_profile(browser, contexts), live.console_url, "chen", PASSWORD,
                          path=f"/conversations/{conversation_id}")
    agent.locator("#btn-take").click()
    expect(agent.locator("#reply-form")).to_be_visible()
    transcript = agent.locator("#transcript")
    expect(transcript).to_contain_text("停水两天")
    assert "13812345678" not in agent.content()  # masked everywhere the browser sees it
    agent.get_by_role("tab", name="理解与电话").click()
    expect(agent.locator("#understanding")).to_contain_text("138****5678")
    agent.get_by_role("button", name="显示完整号码").click()
    expect(agent.locator("#phones li")).to_have_text(["13812345678"])

    supervisor = console_login(open_profile(browser, contexts), live.console_url, "zhou", PASSWORD,
                               path="/supervisor")
    reveal = supervisor.locator("#sup-audit tbody tr", has_text="查看完整号码")
    expect(reveal.filter(has_text=f"#{conversation_id}")).to_have_count(1)
    expect(reveal.filter(has_text=f"#{conversation_id}")).to_contain_text("chen")  # the login name
    assert "13812345678" not in supervisor.content()

    agent.once("dialog", lambda dialog: dialog.accept())
    agent.locator("#btn-handback").click()  # leave the queue as it was
    expect(agent.locator("#btn-handback")).to_be_hidden()
    assert not bot_side.status(citizen.sender).paused


def test_a_post_from_the_logged_in_page_without_its_csrf_token_is_refused(
        browser: Browser, live: BrowserStack, contexts: list[BrowserContext]) -> None:
    agent = console_login(open_profile(browser, contexts), live.console_url, "chen", PASSWORD)
    status = """async (token) => {
        const headers = token === null ? {} : {"X-CSRF-Token": token};
        return (await fetch("/api/ping", {method: "POST", credentials: "same-origin", headers})).status;
    }"""
    assert agent.evaluate(status, None) == 403  # the session cookie alone is not enough
    assert agent.evaluate(status, "forged-token") == 403
    token = agent.locator('meta[name="csrf-token"]').get_attribute("content")
    assert agent.evaluate(status, token) == 200
