from __future__ import annotations

import pytest

from bot.actions.options import parse_option
from bot.actions.replies import did_you_mean_reply, no_match_reply


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2", 2), ("２", 2), ("第二个", 2), ("第3个", 3), ("选三", 3), ("就第一个吧", 1), ("2号", 2), ("一", 1),
     ("第三条", 3), ("是第二个问题", 2)],
)
def test_parse_option_understands_numbers(text: str, expected: int) -> None:
    assert parse_option(text, count=3) == expected


@pytest.mark.parametrize("text", ["4", "第五个", "", "居住证怎么办", "12345热线是什么", "我要办2个证"])
def test_parse_option_rejects_out_of_range_or_non_picks(text: str) -> None:
    assert parse_option(text, count=3) is None


def test_did_you_mean_lists_numbered_candidates_with_buttons() -> None:
    reply = did_you_mean_reply(["甲怎么办", "乙怎么办", "丙怎么办"])
    assert "您是不是想问" in reply.text
    assert "1. 甲怎么办" in reply.text and "3. 丙怎么办" in reply.text
    assert [b["title"] for b in reply.buttons][:3] == ["甲怎么办", "乙怎么办", "丙怎么办"]
    assert reply.buttons[1]["payload"] == '/choose_option{"option":"2"}'


def test_no_match_is_honest_and_offers_a_human() -> None:
    reply = no_match_reply()
    assert "没有找到" in reply.text
    assert {b["payload"] for b in reply.buttons} == {"/ask_human", "/register_question"}
