"""Random and garbage messages through the real stack never break a turn (in and out of the intake form)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rexian.stack import Stack
from tests.e2e.harness import RestChat

pytestmark = pytest.mark.e2e

MESSAGES = st.one_of(
    st.text(min_size=1, max_size=200).filter(lambda t: t.strip()),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=40),
    st.sampled_from(["/affirm", "/deny", "/cancel_intake", '/fix{"field":"phone"}', '/choose_option{"option":"9"}',
                     "/query_status", "😀", "？？？", "1" * 40, "<script>alert(1)</script>"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=MESSAGES, in_form=st.booleans())
def test_every_garbage_turn_gets_a_reply(stack: Stack, message: str, in_form: bool) -> None:
    chat = RestChat(stack.settings.rasa.url)
    if in_form:
        assert chat.say_text("我要投诉")
    replies = chat.say(message)  # raises on an HTTP error
    assert replies, f"no reply to {message!r}"
    assert all(isinstance(r.get("text", ""), str) for r in replies)
    # The conversation still works afterwards.
    assert chat.say_text("你好")
