"""Which words withdraw a waiting handoff ("取消", "不用了", "算了，不转人工了" …) and which go to the agent. The whole
withdrawal runs on the real stack in tests/e2e/test_handoff_cancel.py."""
from __future__ import annotations

import pytest

from bot.actions.handoff import CANCEL_BUTTON, asks_to_withdraw


@pytest.mark.parametrize("text", ["取消", "不用了", "算了", "算了，不转人工了", "取消转人工", "不用人工了", "不要了",
                                  "我不想等了", "好吧，那算了", "不用了，谢谢", "还是不转人工了", "不需要人工客服了",
                                  CANCEL_BUTTON["payload"]])
def test_withdrawing_words(text: str) -> None:
    assert asks_to_withdraw(text)


@pytest.mark.parametrize("text", ["取消工单", "我不要噪音", "楼下太吵了", "好的", "谢谢", "我要转人工", "嗯", "",
                                  "好吧那", "不用了，我还想问一下居住证怎么办理，麻烦尽快"])
def test_anything_else_goes_to_the_agent(text: str) -> None:
    assert not asks_to_withdraw(text)
