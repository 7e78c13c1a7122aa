"""``action_respond`` (bot/actions/router.py) driven directly: rasa-sdk Tracker and CollectingDispatcher, services from
the container filled with doubles (tests/unit/action_doubles.py), no Rasa and no HTTP."""
from __future__ import annotations

from bot.actions.router import ActionRespond
from domain import COMPLAINT
from tests.unit.action_doubles import Conversation, World
from tests.unit.action_doubles import world as services_with_doubles

world = services_with_doubles  # the fixture: the container filled with the doubles, installed


def test_an_emergency_gets_the_numbers_at_once_and_is_recorded(world: World) -> None:
    chat = Conversation()
    turn = chat.run(ActionRespond(), "厨房燃气泄漏了，满屋子煤气味")
    assert turn.decision == "emergency"
    first_line = turn.text.split("\n")[0]
    assert "96777燃气抢修电话" in first_line and "119火警电话" in first_line  # the city's gas line, then 119
    assert "紧急电话：报警110 火警119 急救120" in turn.text
    assert chat.slots["emergency_message"] == "厨房燃气泄漏了，满屋子煤气味"  # kept for "事后登记工单"
    recorded = world.services.emergency_log.recent()
    assert [(e.kind, e.channel) for e in recorded] == [("gas", "rest")]
    assert "citizen-1" not in recorded[0].sender_hash


def test_after_an_emergency_the_follow_up_button_files_what_was_written(world: World) -> None:
    chat = Conversation()
    chat.run(ActionRespond(), "救命，楼下有人拿刀砍人，就在朝阳区建国路88号")
    turn = chat.run(ActionRespond(), "/complain", intent="complain", confidence=1.0)
    assert turn.decision == "intake" and "intake_form" in turn.followups()
    state = chat.slots["intake_state"]
    assert state["appeal_type"] == "求助" and "拿刀" in state["description"]
    assert chat.slots["emergency_message"] is None


def test_a_consultation_is_answered_from_the_knowledge_base(world: World) -> None:
    chat = Conversation()
    turn = chat.run(ActionRespond(), "居住证怎么办理？")
    assert turn.decision == "answer"
    assert "携带身份证和居住登记凭证" in turn.text and "主管部门：市公安局" in turn.text
    assert [b["payload"] for b in turn.messages[0]["buttons"]] == ["/helpful", "/not_helpful"]
    assert chat.slots["kb_last_entry"] == "jzz-001"
    assert "intake_state" not in chat.slots


def test_a_vote_on_the_answer_is_logged(world: World) -> None:
    chat = Conversation()
    chat.run(ActionRespond(), "居住证怎么办理？")
    turn = chat.run(ActionRespond(), "/helpful", intent="helpful", confidence=1.0)
    assert turn.decision == "vote" and "感谢您的反馈" in turn.text
    votes = world.services.feedback_log.export("votes")
    assert [(v["entry_id"], v["helpful"]) for v in votes] == [("jzz-001", True)]


def test_an_unknown_question_gets_an_honest_no_match_and_is_logged(world: World) -> None:
    chat = Conversation()
    turn = chat.run(ActionRespond(), "无人机飞行空域怎么申请？")
    assert turn.decision == "no_match" and "没有找到" in turn.text
    assert [u["query"] for u in world.services.feedback_log.export("unanswered")] == ["无人机飞行空域怎么申请？"]


def test_a_complaint_starts_the_intake_form_with_what_the_message_says(world: World) -> None:
    chat = Conversation()
    turn = chat.run(ActionRespond(), "我要投诉，朝阳区建国路88号楼下的烧烤店每天晚上吵到凌晨两点")
    assert turn.decision == "intake" and turn.followups() == ["intake_form"]
    state = chat.slots["intake_state"]
    assert state["appeal_type"] == COMPLAINT and state["stage"] == "collect"
    assert "建国路88号" in state["address"] and "每天晚上" in state["occurred"]
    assert state["category"] == "城乡建设与管理/噪音扰民/社会生活噪音"  # taken: the classifier was sure
    assert "怎么称呼" in turn.text and "哪里" not in turn.text  # only what is missing is asked
    assert world.backend.created == []
