"""A button click (a Rasa payload "/…") or a short reply ("好的", "是", "1") is never an address or a description."""
from __future__ import annotations

from typing import Any

import pytest

from bot.actions.intake.forms import AppealType, Field
from bot.actions.intake.machine import IntakeMachine
from bot.actions.intake.session import IntakeSession
from tests.unit.intake_doubles import RealAddressServices

PAYLOADS = ["/affirm", "/deny", '/choose_appeal{"appeal":"投诉举报"}', '/survey_rate{"satisfaction":"满意"}',
            "/complain", '/start_intake{"appeal":"求助"}']
SHORT = ["好的", "是", "1", "确认", "嗯", "知道了", "收到", "好的，知道了", "3"]


class RealAddresses(RealAddressServices):
    def __init__(self) -> None:
        super().__init__("城乡建设与管理/市政设施/路灯故障", "shizheng", "市市政管理委员会")


def waiting_for(field: Field, appeal: AppealType = AppealType.COMPLAINT) -> tuple[IntakeMachine, IntakeSession]:
    machine = IntakeMachine(RealAddresses())
    session = machine.start("我要投诉", hinted=appeal, hint_confidence=0.95).session
    session.pending = field.value
    return machine, session


@pytest.mark.parametrize("reply", PAYLOADS + SHORT)
@pytest.mark.parametrize("appeal", [AppealType.COMPLAINT, AppealType.SUGGESTION])
def test_never_an_address(reply: str, appeal: AppealType) -> None:
    machine, session = waiting_for(Field.ADDRESS, appeal)
    result = machine.handle(session, reply)
    assert result.session.address is None and result.session.pending == Field.ADDRESS.value


@pytest.mark.parametrize("reply", PAYLOADS + SHORT)
def test_never_a_description(reply: str) -> None:
    machine, session = waiting_for(Field.DESCRIPTION)
    result = machine.handle(session, reply)
    assert result.session.description is None and result.session.pending == Field.DESCRIPTION.value


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_button_that_opens_the_intake_is_no_description(payload: str) -> None:
    result = IntakeMachine(RealAddresses()).start(payload, hinted=AppealType.COMPLAINT, hint_confidence=0.9)
    assert result.session.description is None and result.session.pending == Field.DESCRIPTION.value


@pytest.mark.parametrize("reply", ["好的", "/affirm", "知道了"])
def test_short_replies_at_the_address_question_never_become_the_address(reply: str) -> None:
    machine, session = waiting_for(Field.ADDRESS)
    for _ in range(4):
        session = machine.handle(session, reply).session
    assert session.address != reply and reply not in (session.address or "")


@pytest.mark.parametrize("field", [Field.OCCURRED, Field.NAME, Field.CALLBACK])
@pytest.mark.parametrize("reply", ["/affirm", "好的", "知道了"])
def test_a_reply_to_another_question_fills_no_address(field: Field, reply: str) -> None:
    machine, session = waiting_for(field)
    session.description = "路灯坏了一个星期，晚上很黑"
    result = machine.handle(session, reply)
    assert result.session.address is None


def test_a_real_address_is_still_taken() -> None:
    machine, session = waiting_for(Field.ADDRESS)
    result = machine.handle(session, "对面的幸福小区3号楼")
    assert result.session.address == "北京市幸福小区3号楼"


def test_a_free_text_address_keeps_no_lead_in() -> None:
    class NoParser(RealAddresses):
        def parse_address(self, text: str) -> tuple[str, dict[str, Any]] | None:
            return None

        def find_address(self, text: str) -> tuple[str, dict[str, Any]] | None:
            return None

    machine = IntakeMachine(NoParser())
    session = machine.start("我要投诉", hinted=AppealType.COMPLAINT, hint_confidence=0.95).session
    session.pending = Field.ADDRESS.value
    for reply, expected in (("地址是老街坊菜场旁边", "老街坊菜场旁边"), ("就在（老街坊菜场门口", "老街坊菜场门口")):
        session.address = None
        result = machine.handle(session, reply)
        assert result.session.address == expected
        session = result.session
        session.pending = Field.ADDRESS.value
