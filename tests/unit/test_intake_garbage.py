"""1,000 random and garbage messages never crash the intake machine, at any stage of a form."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.actions.intake.machine import IntakeMachine
from bot.actions.intake.services import LiveIntakeServices
from bot.actions.intake.session import IntakeSession

GARBAGE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=80),
    st.text(alphabet="0123456789-+ 转号楼路区市省？?！!，,。/{}\"[]:", max_size=60),
    st.sampled_from(["", " ", "/affirm", "/deny", "/cancel_intake", '/choose_appeal{"appeal":"咨询"}', '/fix{"field":"phone"}',
                     '/fix{"field":"nonsense"}', "\x00", "😀😀😀", "ＡＢＣ１２３", "地址改成", "电话改成abc", "确认" * 50]),
)


@pytest.fixture(scope="module")
def machine() -> IntakeMachine:
    return IntakeMachine(LiveIntakeServices(kb=None, default_city="北京市"))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=GARBAGE, messages=st.lists(GARBAGE, min_size=1, max_size=4))
def test_garbage_never_crashes_a_turn(machine: IntakeMachine, first: str, messages: list[str]) -> None:
    result = machine.start(first)
    session = result.session
    for message in messages:
        if session is None:
            break
        result = machine.handle(session, message)
        assert result.replies or result.submit or result.to_consultation
        for reply in result.replies:
            assert isinstance(reply.text, str)
        if result.session is not None:  # what travels in the slot between turns comes back unchanged
            state = result.session.to_dict()
            assert IntakeSession.from_dict(state).to_dict() == state
        session = None if result.submit else result.session
