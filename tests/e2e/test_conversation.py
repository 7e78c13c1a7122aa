"""Real conversations over Rasa's REST channel against the running Rasa, action and web chat servers."""
from __future__ import annotations

import re
import sqlite3
from functools import lru_cache

import pytest

from knowledge_base.banding import Band
from knowledge_base.service import KnowledgeBase
from configuration import load_config
from rexian.stack import Stack
from tests.e2e.harness import RestChat

# Plausibly ambiguous citizen questions; the test uses the first one the KB puts in the did-you-mean band.
AMBIGUOUS_CANDIDATES = ["卡丢了怎么办", "证件丢了怎么补办", "怎么补办", "补贴怎么申请", "去哪里办", "怎么转移",
                        "怎么查询", "需要什么材料", "怎么提取", "孩子的事情怎么办"]
NONSENSE = ["asdfgh qwerty zxcv", "锟斤拷烫烫烫屯屯屯", "？？？！！！"]
# A real government-service question the seed KB does not cover.
UNKNOWN_QUESTION = "无人机飞行空域怎么申请"


@lru_cache(maxsize=1)
def _kb() -> KnowledgeBase:
    return KnowledgeBase.from_config(load_config(), rebuild_if_stale=False)


def _ambiguous_query() -> str:
    for query in AMBIGUOUS_CANDIDATES:
        if _kb().ask(query).band == Band.DID_YOU_MEAN:
            return query
    pytest.fail("none of the ambiguous probe questions is a close call any more; update AMBIGUOUS_CANDIDATES")


def _title(text: str) -> str:
    match = re.search(r"【(.+?)】", text)
    assert match, f"not an answer: {text!r}"
    return match.group(1)


def _candidates(text: str) -> list[str]:
    assert "您是不是想问" in text, text
    return re.findall(r"^\d\. (.+)$", text, flags=re.M)


def test_greeting(chat: RestChat) -> None:
    assert "12345" in chat.say_text("你好")


def test_question_gets_an_answer_with_vote_buttons(chat: RestChat) -> None:
    messages = chat.say("办理居住证需要满足什么条件")
    text = "\n".join(m.get("text", "") for m in messages)
    assert "居住证" in _title(text)
    titles = [b["title"] for m in messages for b in m.get("buttons", [])]
    assert titles[:2] == ["有帮助", "没帮助"]


def test_follow_up_question_stays_on_topic(chat: RestChat) -> None:
    chat.say("办理居住证需要满足什么条件")
    follow_up = chat.say_text("那需要带什么材料？")
    title = _title(follow_up)
    assert "居住证" in title and "材料" in title


def test_ambiguous_question_then_pick_by_number(chat: RestChat) -> None:
    candidates = _candidates(chat.say_text(_ambiguous_query()))
    assert len(candidates) == 3
    assert _title(chat.say_text("2")) == candidates[1]


def test_ambiguous_question_then_pick_by_button(chat: RestChat) -> None:
    messages = chat.say(_ambiguous_query())
    buttons = [b for m in messages for b in m.get("buttons", [])]
    third = buttons[2]
    assert _title(chat.say_text(third["payload"])) == third["title"]


def test_ambiguous_question_then_pick_by_chinese_ordinal(chat: RestChat) -> None:
    candidates = _candidates(chat.say_text(_ambiguous_query()))
    assert _title(chat.say_text("第三个")) == candidates[2]


def test_ambiguous_question_then_pick_by_restating(chat: RestChat) -> None:
    candidates = _candidates(chat.say_text(_ambiguous_query()))
    assert _title(chat.say_text(candidates[0])) == candidates[0]


@pytest.mark.parametrize("nonsense", NONSENSE)
def test_nonsense_gets_an_honest_no_match(chat: RestChat, nonsense: str) -> None:
    text = chat.say_text(nonsense)
    assert "【" not in text, "nonsense must not be answered"
    assert "没有找到" in text or "不在12345" in text or "没能看懂" in text


def test_unknown_question_is_not_guessed(chat: RestChat) -> None:
    text = chat.say_text(UNKNOWN_QUESTION)
    assert "【" not in text and "您是不是想问" not in text
    assert "没有找到" in text


def test_no_match_offers_human_and_registration(chat: RestChat, stack: Stack) -> None:
    messages = chat.say(UNKNOWN_QUESTION)
    payloads = {b["payload"] for m in messages for b in m.get("buttons", [])}
    assert {"/ask_human", "/register_question"} <= payloads
    registered = chat.say_text("/register_question")
    assert "咨询工单" in registered and UNKNOWN_QUESTION in registered  # the intake form takes over
    assert "取消" in chat.say_text("算了")
    assert "12345" in chat.say_text("转人工")


def test_votes_and_unanswered_questions_are_logged(chat: RestChat, stack: Stack) -> None:
    chat.say("办理居住证需要满足什么条件")
    assert "感谢您的反馈" in chat.say_text("/helpful")
    chat.say(NONSENSE[1])
    with sqlite3.connect(stack.settings.kb.feedback_db) as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master where type='table'")}
        dump = "\n".join(
            str(row) for table in tables for row in db.execute(f"select * from {table}")  # noqa: S608
        )
    assert NONSENSE[1] in dump
    assert chat.sender not in dump, "sender ids must be stored hashed"


def test_conversation_survives_a_rasa_restart(stack: Stack) -> None:
    chat = RestChat(stack.settings.rasa.url)
    chat.say("办理居住证需要满足什么条件")
    stack.restart("rasa")
    title = _title(chat.say_text("那需要带什么材料？"))
    assert "居住证" in title
