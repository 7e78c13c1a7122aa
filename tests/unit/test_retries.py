"""A message the channel sent again (same metadata.message_id) is recognised and answered as the first copy was."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.retries import first_answer, is_retry, repeat_first_answer


def user(text: str, message_id: str | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text, "metadata": {"message_id": message_id} if message_id else {}}


def bot(text: str | None = None, **data: Any) -> dict[str, Any]:
    return {"event": "bot", "text": text, "data": data}


def tracker(events: list[dict[str, Any]]) -> Tracker:
    latest = next(e for e in reversed(events) if e["event"] == "user")
    return Tracker("c1", {}, {"text": latest["text"], "metadata": latest["metadata"]}, events, False, None, {}, "")


BUTTONS = [{"title": "取消本次登记", "payload": "/cancel_intake"}]
CONVERSATION = [
    {"event": "action", "name": "action_listen"},
    user("路灯坏了", "m-1"),
    {"event": "action", "name": "action_respond"},
    bot("好的，请问在哪里？", buttons=BUTTONS),
    bot(None, custom={"rexian": {"decision": "intake"}}),  # the console's record, not the citizen's answer
    {"event": "action", "name": "action_listen"},
    user("建国路88号", "m-2"),
    bot("请问什么时候发现的？"),
]


def test_a_repeated_id_is_a_retry_and_a_new_id_or_none_is_not() -> None:
    assert is_retry(tracker([*CONVERSATION, user("路灯坏了", "m-1")]))
    assert not is_retry(tracker([*CONVERSATION, user("路灯坏了", "m-3")]))
    assert not is_retry(tracker([*CONVERSATION, user("路灯坏了")]))
    assert not is_retry(tracker([user("路灯坏了", "m-1")]))


def test_the_retry_gets_the_answer_of_its_first_copy_only() -> None:
    assert first_answer(tracker([*CONVERSATION, user("路灯坏了", "m-1")])) == [
        {"text": "好的，请问在哪里？", "buttons": BUTTONS}]
    assert first_answer(tracker([*CONVERSATION, user("建国路88号", "m-2")])) == [{"text": "请问什么时候发现的？"}]
    assert first_answer(tracker([*CONVERSATION, user("路灯坏了")])) == []


def test_repeat_first_answer_utters_it_again() -> None:
    dispatcher = CollectingDispatcher()
    repeat_first_answer(dispatcher, tracker([*CONVERSATION, user("路灯坏了", "m-1")]))
    assert [(m["text"], m["buttons"]) for m in dispatcher.messages] == [("好的，请问在哪里？", BUTTONS)]
