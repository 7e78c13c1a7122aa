"""Complaints, help requests and suggestions end to end: real Rasa, action server and dispatch backend."""
from __future__ import annotations

import json
import re
import time

import pytest

from bot.actions.categories import CACHE_NAME as CATEGORIES_COPY
from bot.actions.categories import fetch_tree
from dispatch_client import DispatchClient
from nlu.appeal.taxonomy import Taxonomy
from rexian.stack import Stack
from tests.e2e.harness import RestChat

pytestmark = pytest.mark.e2e

ORDER_ID = re.compile(r"工单号：(\d{16})")
PROVISIONAL = re.compile(r"(LS\d{12}-[0-9A-F]{6})")

# What to answer when the bot asks for a field (recognised by words of its question).
DEFAULT_ANSWERS = [
    ("请核对", None),
    ("哪一类", "1"),
    ("投诉举报、求助", "投诉举报"),
    ("发生在哪里", "朝阳区建国路88号"),
    ("涉及具体地点", "无"),
    ("什么时候", "昨天晚上十点"),
    ("怎么称呼", "王女士"),
    ("联系电话", "13812345678"),
    ("需要我们回访", "是"),
    ("保密", "否"),
    ("具体说一下", "小区门口的路灯坏了一个星期，晚上很黑容易摔倒"),
    ("您的建议", "希望在学校门口增设红绿灯，方便孩子过马路"),
    ("需要什么帮助", "家里老人行动不便，楼道灯坏了没人修，想请社区帮忙"),
    ("想咨询的问题", "无人机飞行空域怎么申请"),
]


@pytest.fixture
def dispatch(stack: Stack) -> DispatchClient:
    client = DispatchClient(stack.settings.dispatch.url, api_key="rexian-dev-key", timeout=10, retries=1)
    yield client
    client.close()


def answer_until_summary(chat: RestChat, reply: str, overrides: dict[str, str] | None = None,
                         max_turns: int = 12) -> str:
    """Answer each question the form asks until the confirmation summary is shown; returns the summary."""
    answers = [(k, v) for k, v in (overrides or {}).items()] + DEFAULT_ANSWERS
    for _ in range(max_turns):
        if "请核对" in reply:
            return reply
        for marker, answer in answers:
            if marker in reply and answer is not None:
                reply = chat.say_text(answer)
                break
        else:
            pytest.fail(f"unexpected bot reply inside the form: {reply!r}")
    pytest.fail(f"no summary after {max_turns} turns; last reply {reply!r}")


def orders_of(dispatch: DispatchClient, chat: RestChat) -> list:
    return dispatch.list(channel="rest", channel_user_id=chat.sender)


def test_complaint_in_one_message_asks_only_what_is_missing(chat: RestChat, dispatch: DispatchClient) -> None:
    reply = chat.say_text("我要投诉，朝阳区建国路88号楼下的烧烤店每天晚上吵到凌晨两点，从上周三开始的，"
                          "我姓王，电话13812345678")
    assert "哪里" not in reply and "联系电话" not in reply and "称呼" not in reply
    summary = answer_until_summary(chat, reply)
    assert "138****5678" in summary and "13812345678" not in summary
    assert "建国路88号" in summary
    done = chat.say_text("确认")
    number = ORDER_ID.search(done).group(1)
    assert "1个工作日" in done and "办结时限" in done
    order = dispatch.get(number)
    assert order.appeal_type == "投诉举报"
    assert "建国路88号" in (order.address or "")
    assert order.contact.phone == "13812345678"
    assert order.channel_user_id == chat.sender
    assert order.first_contact_due_datetime is not None and order.expected_datetime is not None


@pytest.mark.parametrize("message, appeal", [
    ("求助：朝阳区建国路18号3号楼停水一整天了，家里有老人，物业也联系不上，麻烦帮忙协调，电话13812340021，我姓赵", "求助"),
    ("建议在朝阳区建国路和东三环路口增设一个行人过街红绿灯，早高峰过马路太危险，电话13812340022，我姓钱", "意见建议"),
])
def test_help_request_and_suggestion_in_one_message(stack: Stack, dispatch: DispatchClient, message: str,
                                                     appeal: str) -> None:
    chat = RestChat(stack.settings.rasa.url)
    reply = chat.say_text(message)
    assert "联系电话" not in reply and "称呼" not in reply and "发生在哪里" not in reply
    summary = answer_until_summary(chat, reply)
    assert appeal in summary and "建国路" in summary
    order = dispatch.get(ORDER_ID.search(chat.say_text("确认")).group(1))
    assert order.appeal_type == appeal and "建国路" in order.address


@pytest.mark.parametrize("first, appeal", [
    ("我要求助", "求助"),
    ("我有个建议", "意见建议"),
])
def test_each_appeal_type_over_several_turns(stack: Stack, dispatch: DispatchClient, first: str, appeal: str) -> None:
    chat = RestChat(stack.settings.rasa.url)
    reply = chat.say_text(first)
    summary = answer_until_summary(chat, reply)
    assert appeal in summary
    number = ORDER_ID.search(chat.say_text("确认")).group(1)
    assert dispatch.get(number).appeal_type == appeal


def test_corrections_keep_the_other_fields(chat: RestChat, dispatch: DispatchClient) -> None:
    reply = chat.say_text("举报幸福路8号有人占道经营，天天在人行道上摆摊，电话13812340011，我姓李")
    answer_until_summary(chat, reply)
    reply = chat.say_text("地址说错了，是朝阳区建国路99号")
    assert "建国路99号" in reply and "请核对" in reply and "138****0011" in reply
    reply = chat.say_text("电话改成13900001111")
    assert "139****1111" in reply and "建国路99号" in reply
    reply = chat.say_text("改一下时间")
    reply = chat.say_text("前天下午")
    assert "前天下午" in reply and "请核对" in reply
    number = ORDER_ID.search(chat.say_text("确认")).group(1)
    order = dispatch.get(number)
    assert "建国路99号" in order.address and order.contact.phone == "13900001111"
    assert "占道" in order.description


def test_invalid_phone_is_asked_again_not_answered_by_a_fallback(chat: RestChat) -> None:
    reply = chat.say_text("我要投诉，朝阳区建国路88号的路灯坏了一个多星期了，晚上特别黑")
    for _ in range(8):
        if "联系电话" in reply:
            break
        reply = answer_until_summary_step(chat, reply)
    assert "联系电话" in reply
    reply = chat.say_text("1381234")
    assert "13812345678" in reply and "不正确" in reply  # re-prompt with an example
    reply = chat.say_text("13812345678")
    assert "联系电话" not in reply or "请核对" in reply


def answer_until_summary_step(chat: RestChat, reply: str) -> str:
    for marker, answer in DEFAULT_ANSWERS:
        if marker in reply and answer is not None:
            return chat.say_text(answer)
    pytest.fail(f"unexpected bot reply: {reply!r}")


def test_consultation_question_inside_the_form_is_answered_and_the_form_resumes(chat: RestChat) -> None:
    reply = chat.say_text("我要投诉")
    reply = chat.say_text("楼下饭店的油烟每天都飘到我家，窗户都不敢开")
    assert "哪里" in reply
    reply = chat.say_text("办理居住证需要满足什么条件？")
    assert "居住证" in reply and "继续" in reply and "哪里" in reply
    reply = chat.say_text("朝阳区建国路88号")
    assert "哪里" not in reply


def test_cancel_leaves_nothing_behind(chat: RestChat, dispatch: DispatchClient) -> None:
    reply = chat.say_text("我要投诉，朝阳区建国路88号的工地半夜施工很吵")
    reply = chat.say_text("算了，不办了")
    assert "取消" in reply
    assert orders_of(dispatch, chat) == []
    # The conversation goes on normally afterwards.
    assert "居住证" in chat.say_text("办理居住证需要满足什么条件")


def test_anonymous_complaint_without_phone(chat: RestChat, dispatch: DispatchClient) -> None:
    reply = chat.say_text("举报朝阳区建国路88号有人违章搭建彩钢房，已经搭了三层")
    summary = answer_until_summary(chat, reply, {"联系电话": "不留", "保密": "是", "怎么称呼": "不方便"})
    assert "未留" in summary
    done = chat.say_text("确认")
    order = dispatch.get(ORDER_ID.search(done).group(1))
    assert order.anonymous is True and order.callback_consent is False
    assert not (order.contact and order.contact.phone)


def test_repeat_of_an_open_order_is_linked_as_a_reminder(stack: Stack, dispatch: DispatchClient) -> None:
    chat = RestChat(stack.settings.rasa.url)
    message = "我要投诉，朝阳区建国路66号小区门口的垃圾三天没人清运了，臭气熏天，电话13700001111，我姓周"
    answer_until_summary(chat, chat.say_text(message))
    first = ORDER_ID.search(chat.say_text("确认")).group(1)
    again = RestChat(stack.settings.rasa.url)  # another chat, same phone
    answer_until_summary(again, again.say_text(message))
    reply = again.say_text("确认")
    assert first in reply and "催办" in reply
    assert dispatch.get(first).reminder_count == 1


def test_status_query_by_number_and_by_channel(chat: RestChat) -> None:
    answer_until_summary(chat, chat.say_text("我要投诉，朝阳区建国路88号的井盖丢了，很危险，电话13812340009"))
    number = ORDER_ID.search(chat.say_text("确认")).group(1)
    reply = chat.say_text(f"查一下我的工单{number}")
    assert number in reply and "当前状态" in reply and "承办部门" in reply
    reply = chat.say_text("我的工单处理得怎么样了")
    assert number in reply
    assert "没有找到" in chat.say_text("查询工单1999010100000001")


def test_unanswered_question_registered_as_consultation_order(chat: RestChat, dispatch: DispatchClient) -> None:
    chat.say_text("无人机飞行空域怎么申请")
    reply = chat.say_text("登记")
    summary = answer_until_summary(chat, reply)
    assert "咨询" in summary and "无人机" in summary
    order = dispatch.get(ORDER_ID.search(chat.say_text("确认")).group(1))
    assert order.appeal_type == "咨询"


def test_the_bot_offers_the_categories_of_the_backend_it_talks_to(stack: Stack, dispatch: DispatchClient) -> None:
    """The action server fetched the tree when it started and kept a copy next to the outbox."""
    kept = json.loads(stack.settings.dispatch.outbox.with_name(CATEGORIES_COPY).read_text(encoding="utf-8"))
    served = fetch_tree(dispatch)
    assert kept["tree"] == served.tree and kept["keywords"] == served.keywords
    assert len(Taxonomy.from_tree(kept["tree"]).leaves) == 67


def test_photos_from_the_channel_are_attached(chat: RestChat, dispatch: DispatchClient) -> None:
    reply = chat.say_text("我要投诉，朝阳区建国路88号路面塌陷出一个大坑，电话13812340010，我姓吴",
                          metadata={"photos": ["https://example.org/pothole.jpg"]})
    answer_until_summary(chat, reply)
    order = dispatch.get(ORDER_ID.search(chat.say_text("确认")).group(1))
    assert order.media_url == "https://example.org/pothole.jpg"


def test_backend_down_gives_a_provisional_reference_and_creates_the_order_once(stack: Stack) -> None:
    chat = RestChat(stack.settings.rasa.url)
    answer_until_summary(chat, chat.say_text("我要投诉，朝阳区建国路77号的水管爆了，水流了一地，电话13600002222"))
    dispatch_service = next(s for s in stack.services if s.name == "dispatch")
    dispatch_service.stop()
    try:
        reply = chat.say_text("确认")
    finally:
        dispatch_service.start(stack.var_dir / "log")
        dispatch_service.wait_ready(60)
    provisional = PROVISIONAL.search(reply).group(1)
    assert "临时受理号" in reply
    client = DispatchClient(stack.settings.dispatch.url, api_key="rexian-dev-key", timeout=10, retries=1)
    try:
        deadline = time.monotonic() + 60
        orders = []
        while time.monotonic() < deadline:
            orders = client.list(channel="rest", channel_user_id=chat.sender)
            if orders:
                break
            time.sleep(1)
        assert len(orders) == 1
        reply = chat.say_text(f"查询{provisional}")
        assert orders[0].service_request_id in reply
        time.sleep(4)  # another outbox round must not create a second order
        assert len(client.list(channel="rest", channel_user_id=chat.sender)) == 1
    finally:
        client.close()


def test_a_message_the_channel_retries_is_not_processed_twice(chat: RestChat, dispatch: DispatchClient) -> None:
    """A channel that sends a message again after a timeout (same ``metadata.message_id``): the retry gets no second
    turn — the form does not take the repeated first message as its next answer, a retried 确认 files once — and
    is answered with what the first copy got (the channel never received that answer)."""
    first = "我要投诉，朝阳区建国路66号楼下的烧烤店每天晚上吵到凌晨两点，从上周三开始的，我姓孙，电话13812340066"
    answered = [m for m in chat.say(first, {"message_id": "m-1"}) if m.get("text")]
    reply = " ".join(m["text"] for m in answered)
    assert chat.say(first, {"message_id": "m-1"}) == answered  # the retry: the same answer, nothing else happens
    summary = answer_until_summary(chat, reply)
    assert "建国路66号" in summary and "烧烤" in summary
    confirmed = [m for m in chat.say("确认", {"message_id": "m-confirm"}) if m.get("text")]
    done = " ".join(m["text"] for m in confirmed)
    assert chat.say("确认", {"message_id": "m-confirm"}) == confirmed
    number = ORDER_ID.search(done).group(1)
    assert [o.service_request_id for o in orders_of(dispatch, chat)] == [number]
    again = chat.say_text("确认")  # a new message with the same words (no id) is a new turn
    assert again
