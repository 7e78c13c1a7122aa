"""What agents see: phone and ID numbers masked everywhere (text and understanding) until an explicit reveal."""

from __future__ import annotations

from agent_console.masking import mask_numbers, mask_tree, phones_in


def test_phones_and_id_numbers_are_masked() -> None:
    text = "我电话13812345678，座机0755-88886666，身份证110101199003074578"
    masked = mask_numbers(text)
    assert masked == "我电话138****5678，座机0755-****6666，身份证110***********4578"


def test_spoken_and_spaced_numbers_are_masked_too() -> None:
    assert mask_numbers("电话一三八一二三四五六七八") == "电话138****5678"
    assert mask_numbers("138 1234 5678") == "138****5678"


def test_order_numbers_dates_and_plain_text_stay() -> None:
    for text in ("工单2026112700000042怎么样了", "2026年12月1日下午3点", "楼道灯坏了三天了", ""):
        assert mask_numbers(text) == text


def test_reveal_finds_phones_but_not_id_numbers() -> None:
    assert phones_in("电话13812345678，身份证110101199003074578，另一个0755-88886666") == \
        ["13812345678", "0755-88886666"]


def test_every_string_of_an_understanding_is_masked() -> None:
    tree = {"text": "电话13812345678", "kb": {"query": "13812345678 漏水", "candidates": []},
            "fields": {"phones": ["138****5678"], "address": None}, "route": {"confidence": 0.8}}
    masked = mask_tree(tree)
    assert "13812345678" not in str(masked)
    assert masked["fields"] == {"phones": ["138****5678"], "address": None} and masked["route"]["confidence"] == 0.8
