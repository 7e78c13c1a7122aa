"""Tests for nlu.normalize: full-width, traditional, Chinese numerals, spaces, emoji, offsets."""

from __future__ import annotations

import pytest

from nlu.normalize import Normalized, normalize, normalize_with_offsets


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１３８１２３４５６７８", "13812345678"),
        ("ＡＢＣａｂｃ", "ABCabc"),
        ("你好，请问（急）！？", "你好,请问(急)!?"),
        ("路灯\u3000坏了", "路灯 坏了"),
    ],
)
def test_full_width_to_half_width(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("請問電話號碼是多少", "请问电话号码是多少"),
        ("臺灣", "台湾"),
        ("噪音擾民", "噪音扰民"),
        ("已经是简体字", "已经是简体字"),
    ],
)
def test_traditional_to_simplified(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一三八一二三四五六七八", "13812345678"),
        ("幺三九八七六五四三二幺", "13987654321"),
        ("一五零两两两三三四四四", "15022233444"),
        ("電話一三八一二三四五六七八謝謝", "电话13812345678谢谢"),
        ("138一二三四5678", "13812345678"),
        ("一三八 一二三四 五六七八", "13812345678"),
        ("138 一二三四 5678", "13812345678"),
        ("一三八1234五六七八", "13812345678"),
        ("零七五五八八八八六六六六", "075588886666"),
    ],
)
def test_chinese_numerals_in_phone_like_runs(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "麻烦您帮我查一下",
        "三三两两的人",
        "一二三四五六",  # only six Chinese digits
        "第1一次",  # mixed but far too short for a phone number
        "七七八八地说了一遍",
        "13812345678 两次",  # a lone "两" after a phone number is a word
        "打了13812345678一次",
    ],
)
def test_chinese_numerals_in_words_stay(text: str) -> None:
    assert normalize(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("138 1234 5678", "13812345678"),
        ("电话 0755 8888 6666", "电话 075588886666"),
        ("13812345678 13987654321", "13812345678 13987654321"),
        ("我家 3 口人", "我家 3 口人"),
        ("13812345678 12点", "13812345678 12点"),  # an 11-digit group is never joined
    ],
)
def test_spaces_between_digits(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("谢谢😀", "谢谢"),
        ("👍🏻好的", "好的"),
        ("家里❤️漏水了", "家里漏水了"),
        ("👨\u200d👩\u200d👧投诉", "投诉"),
        ("🇨🇳加油", "加油"),
    ],
)
def test_emoji_removed(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_plain_text_unchanged_and_offsets_identity() -> None:
    result = normalize_with_offsets("小区路灯坏了")
    assert result.text == "小区路灯坏了"
    assert result.offsets == tuple(range(6))


def test_offsets_map_back_after_emoji_and_spaces() -> None:
    original = "😀😀电话 138 1234 5678"
    result = normalize_with_offsets(original)
    assert result.text == "电话 13812345678"
    start = result.text.index("138")
    assert result.original_span(start, start + 11) == (5, 18)
    assert result.original_text(start, start + 11) == "138 1234 5678"


def test_offsets_map_back_for_full_width_and_traditional() -> None:
    original = "請撥打１３８１２３４５６７８"
    result = normalize_with_offsets(original)
    assert result.text == "请拨打13812345678"
    assert result.original_text(3, 14) == "１３８１２３４５６７８"
    assert result.original_text(0, 3) == "請撥打"


def test_offsets_length_matches_text() -> None:
    result = normalize_with_offsets("🎉你好，一三八 一二三四 五六七八😀")
    assert len(result.offsets) == len(result.text)
    assert list(result.offsets) == sorted(result.offsets)


def test_empty_span_and_out_of_range() -> None:
    result = normalize_with_offsets("ab😀")
    assert result.original_span(2, 2) == (3, 3)
    with pytest.raises(ValueError):
        result.original_span(1, 5)


def test_empty_text() -> None:
    assert normalize_with_offsets("") == Normalized(original="", text="", offsets=())


def test_deterministic() -> None:
    text = "請撥打一三八一二三四五六七八😀"
    assert normalize(text) == normalize(text)
