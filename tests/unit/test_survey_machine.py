"""The satisfaction survey conversation, turn by turn."""
from __future__ import annotations

import pytest

from bot.actions.survey.machine import (
    ASK_REASON,
    ASK_SATISFACTION,
    SurveyMachine,
    SurveySession,
    invitation,
    parse_resolved,
    parse_satisfaction,
)


@pytest.mark.parametrize("text, expected", [
    ("已解决", True), ("解决了", True), ("修好了", True), ("/survey_resolved", True),
    ("未解决", False), ("根本没人来处理", False), ("还是老样子", False), ("没有", False), ("/survey_unresolved", False),
    ("今天天气不错", None),
])
def test_resolved_in_free_text(text: str, expected: bool | None) -> None:
    assert parse_resolved(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("满意", "满意"), ("非常满意", "满意"), ("还行吧", "基本满意"), ("一般般", "基本满意"), ("不满意", "不满意"),
    ("太差了，敷衍了事", "不满意"), ('/survey_rate{"satisfaction":"基本满意"}', "基本满意"), ("嗯", None),
])
def test_satisfaction_in_free_text(text: str, expected: str | None) -> None:
    assert parse_satisfaction(text) == expected


def test_happy_survey_asks_satisfaction_then_comment_then_records() -> None:
    machine, session = SurveyMachine(), SurveySession("2026112700000042")
    turn = machine.handle(session, "解决了")
    assert turn.session.stage == ASK_SATISFACTION and not turn.record
    turn = machine.handle(turn.session, "满意")
    assert "其他意见" in turn.replies[0].text
    turn = machine.handle(turn.session, "没有了")
    assert turn.record and turn.session.resolved is True and turn.session.satisfaction == "满意"
    assert turn.session.comment == "" and not turn.session.needs_review


def test_unresolved_asks_why_and_needs_review() -> None:
    machine, session = SurveyMachine(), SurveySession("2026112700000042")
    turn = machine.handle(session, "根本没人来处理")
    turn = machine.handle(turn.session, "不满意")
    assert turn.session.stage == ASK_REASON and "重新核查" in turn.replies[0].text
    turn = machine.handle(turn.session, "路灯还是不亮，也没人联系我")
    assert turn.record and turn.session.needs_review and "路灯" in turn.session.reason


def test_one_message_answers_both_questions() -> None:
    turn = SurveyMachine().handle(SurveySession("x"), "已经修好了，很满意")
    assert turn.session.resolved is True and turn.session.satisfaction == "满意"
    assert "其他意见" in turn.replies[0].text


def test_unclear_answers_are_asked_again_then_the_survey_is_left() -> None:
    machine, session = SurveyMachine(), SurveySession("x")
    turn = machine.handle(session, "嗯嗯嗯")
    assert "已解决" in turn.replies[0].text and turn.session is not None
    turn = machine.handle(turn.session, "随便")
    turn = machine.handle(turn.session, "随便")
    assert turn.session is None and turn.postponed


def test_not_now_postpones() -> None:
    turn = SurveyMachine().handle(SurveySession("x"), "以后再说")
    assert turn.postponed and turn.session is None


def test_invitation_names_order_summary_department_and_result() -> None:
    reply = invitation("2026112700000042", "楼下烧烤店夜间噪音", "市公安局", "已责令商户整改")
    assert "2026112700000042" in reply.text and "市公安局" in reply.text and "已责令商户整改" in reply.text
    assert [b["title"] for b in reply.buttons] == ["已解决", "未解决"]
