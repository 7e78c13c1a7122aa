"""The intake form's validate action (bot/actions/intake_actions.py on bot/actions/machine_form.py) driven directly:
a complaint from its first message to the work order, with corrections, cancel and emergencies inside the form.
Services from the container filled with doubles (tests/unit/action_doubles.py); the work order goes through the
real submitter, outbox and client to an in-memory Open311 backend."""
from __future__ import annotations

import pytest

from bot.actions.intake_actions import ValidateIntakeForm, channel_of
from bot.actions.router import ActionRespond
from domain import COMPLAINT, WEBCHAT
from tests.unit.action_doubles import Conversation, Turn, World
from tests.unit.action_doubles import world as services_with_doubles

world = services_with_doubles  # the fixture: the container filled with the doubles, installed

FIRST = "我要投诉，朝阳区建国路88号楼下的烧烤店每天晚上吵到凌晨两点"
ANSWERS = {"怎么称呼": "我姓王", "联系电话": "13812345678", "需要我们回访": "是", "保密": "否"}


def at_summary(chat: Conversation) -> Turn:
    """A complaint from the first message to the confirmation summary, answering what the form asks."""
    turn = chat.run(ActionRespond(), FIRST)
    for _ in range(len(ANSWERS)):
        answer = next(a for marker, a in ANSWERS.items() if marker in turn.text)
        turn = chat.in_form(ValidateIntakeForm(), answer)
        if "请核对" in turn.text:
            return turn
    pytest.fail(f"no summary; last reply {turn.text!r}")


def test_the_form_asks_for_what_is_missing_and_shows_a_masked_summary(world: World) -> None:
    chat = Conversation()
    summary = at_summary(chat)
    assert summary.decision == "form" and chat.form_active
    assert "诉求类型：投诉举报" in summary.text and "地点：北京市朝阳区建国路88号" in summary.text
    assert "称呼：王先生/女士" in summary.text and "联系电话：138****5678" in summary.text
    assert "问题分类：城乡建设与管理 > 噪音扰民 > 社会生活噪音（建议承办：市公安局）" in summary.text
    assert "13812345678" not in summary.text


def test_a_corrected_field_changes_only_that_field(world: World) -> None:
    chat = Conversation()
    at_summary(chat)
    turn = chat.in_form(ValidateIntakeForm(), "地址说错了，是海淀区中关村大街27号")
    assert "地点已更新" in turn.text and "请核对" in turn.text
    state = chat.slots["intake_state"]
    assert "中关村大街27号" in state["address"] and "建国路" not in state["description"]
    assert state["name"] == "王先生/女士" and state["phone"] == "13812345678" and state["stage"] == "confirm"
    assert state["corrected"] == ["address"]


def test_confirm_creates_one_work_order_even_when_the_action_is_retried(world: World) -> None:
    chat = Conversation()
    at_summary(chat)
    before = dict(chat.slots)
    turn = chat.in_form(ValidateIntakeForm(), "确认")
    assert turn.decision == "submitted"
    number = chat.slots["last_order"]
    assert f"工单号：{number}" in turn.text
    assert not chat.form_active and chat.slots["requested_slot"] is None
    [form] = world.backend.created
    assert form["appeal_type"] == [COMPLAINT] and form["phone"] == ["13812345678"]
    assert form["category"] == ["城乡建设与管理/噪音扰民/社会生活噪音"]
    assert form["channel"] == [WEBCHAT] and form["channel_user_id"] == [chat.sender]

    retried = Conversation(chat.sender, before)  # Rasa calls the action again with the same state
    again = retried.in_form(ValidateIntakeForm(), "确认")
    assert again.decision == "submitted" and retried.slots["last_order"] == number
    assert world.backend.posts == 1 and len(world.backend.created) == 1


def test_confirm_while_the_backend_is_down_gives_a_provisional_reference(world: World) -> None:
    chat = Conversation()
    at_summary(chat)
    world.backend.down = True
    turn = chat.in_form(ValidateIntakeForm(), "确认")
    assert turn.decision == "submitted" and "临时受理号" in turn.text
    assert chat.slots["last_order"].startswith("LS") and world.backend.created == []
    world.backend.down = False
    assert world.services.outbox.flush() == 1 and len(world.backend.created) == 1


def test_cancel_ends_the_form_and_files_nothing(world: World) -> None:
    chat = Conversation()
    chat.run(ActionRespond(), FIRST)
    turn = chat.in_form(ValidateIntakeForm(), "算了，不办了")
    assert turn.decision == "cancelled" and "已取消本次登记" in turn.text
    assert chat.slots["intake_state"] is None and chat.slots["requested_slot"] is None
    assert world.backend.created == []


def test_an_emergency_inside_the_form_gets_the_protocol_and_the_form_keeps_its_state(world: World) -> None:
    chat = Conversation()
    chat.run(ActionRespond(), FIRST)
    before = chat.slots["intake_state"]
    turn = chat.in_form(ValidateIntakeForm(), "救命，有人拿刀砍人")
    assert turn.decision == "emergency" and "110" in turn.text.split("\n")[0]
    assert chat.slots["intake_state"] == before and chat.form_active


def test_nothing_happens_while_the_form_is_being_activated(world: World) -> None:
    chat = Conversation()
    chat.run(ActionRespond(), FIRST)
    assert chat.run(ValidateIntakeForm(), FIRST).events == []  # requested_slot not yet set: the start read it


def test_the_channel_comes_from_the_sender_id_else_from_the_input_channel(world: World) -> None:
    assert channel_of(Conversation("tg:42").tracker("你好")) == ("telegram", "tg:42")
    assert channel_of(Conversation("3f2a9c").tracker("你好")) == ("rest", "3f2a9c")
