"""A reason typed together with an answer is kept as the reason, whichever question it answers, and not asked again."""
from __future__ import annotations

import pytest

from bot.actions.survey.machine import (
    ASK_REASON,
    ASK_SATISFACTION,
    UNSATISFIED,
    SurveyMachine,
    SurveySession,
)


def at_satisfaction() -> SurveySession:
    turn = SurveyMachine().handle(SurveySession("2026112700000042"), "已解决")
    assert turn.session.stage == ASK_SATISFACTION
    return turn.session


@pytest.mark.parametrize("answer, reason", [
    ("不满意，物业根本没来人", "物业根本没来人"),
    ("不满意 物业根本没来人", "物业根本没来人"),
    ("物业根本没来人，不满意", "物业根本没来人"),
    ("很不满意！打了三次电话都没人接。", "打了三次电话都没人接"),
    ("不满意，因为维修师傅态度太差", "维修师傅态度太差"),
])
def test_a_reason_at_the_satisfaction_question_is_kept_and_not_asked_again(answer: str, reason: str) -> None:
    turn = SurveyMachine().handle(at_satisfaction(), answer)
    assert turn.session.satisfaction == UNSATISFIED and turn.session.reason == reason
    assert turn.record and turn.session.stage != ASK_REASON
    assert not any("还存在什么问题" in r.text for r in turn.replies)


def test_a_reason_at_the_resolved_question_is_kept_and_not_asked_again() -> None:
    machine = SurveyMachine()
    turn = machine.handle(SurveySession("2026112700000042"), "没解决，路灯还是不亮")
    assert turn.session.resolved is False and turn.session.reason == "路灯还是不亮"
    assert turn.session.stage == ASK_SATISFACTION and not turn.record
    turn = machine.handle(turn.session, "不满意")
    assert turn.record and turn.session.reason == "路灯还是不亮" and turn.session.needs_review
    assert not any("还存在什么问题" in r.text for r in turn.replies)


def test_a_reason_with_an_unclear_resolved_answer_is_kept_while_asking_again() -> None:
    machine = SurveyMachine()
    turn = machine.handle(SurveySession("x"), "不满意，物业根本没来人")
    assert turn.session.resolved is None and turn.session.reason == "物业根本没来人"
    turn = machine.handle(turn.session, "没解决")
    assert turn.record and turn.session.reason == "物业根本没来人" and turn.session.satisfaction == UNSATISFIED


@pytest.mark.parametrize("answer", ["不满意", "很不满意", "根本没人来处理", "还是老样子", "满意，谢谢"])
def test_a_bare_answer_is_no_reason(answer: str) -> None:
    from bot.actions.survey.machine import parse_reason

    assert parse_reason(answer) == ""


def test_without_a_reason_it_is_still_asked() -> None:
    machine = SurveyMachine()
    turn = machine.handle(SurveySession("x"), "根本没人来处理")
    turn = machine.handle(turn.session, "不满意")
    assert turn.session.stage == ASK_REASON and not turn.record


def test_words_with_a_good_answer_are_kept_as_a_comment() -> None:
    machine = SurveyMachine()
    turn = machine.handle(SurveySession("x"), "解决了")
    turn = machine.handle(turn.session, "满意，师傅很负责")
    assert turn.session.comment == "师傅很负责" and not turn.session.reason and not turn.session.needs_review
    turn = machine.handle(turn.session, "没有了")
    assert turn.record and turn.session.comment == "师傅很负责"
