"""How a citizen wants to be addressed."""
from __future__ import annotations

import pytest

from nlu.extract.person import extract_addressing, suggested_address


def labelled(text: str) -> list[tuple[str, str]]:
    return [(item.label, item.value) for item in extract_addressing(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好，我是张先生", [("honorific", "张先生")]),
        ("李女士来电", [("honorific", "李女士")]),
        ("我姓李", [("surname", "李")]),
        ("免贵姓欧阳", [("surname", "欧阳")]),
        ("我姓诸葛，住在二楼", [("surname", "诸葛")]),
        ("我叫王小明", [("full_name", "王小明")]),
        ("我叫王小明住在3号楼", [("full_name", "王小明")]),
        ("我叫王明住在3号楼", [("full_name", "王明")]),
        ("我的名字是欧阳娜娜", [("full_name", "欧阳娜娜")]),
        ("王阿姨说刘师傅和陈老师都知道", [("honorific", "王阿姨"), ("honorific", "刘师傅"), ("honorific", "陈老师")]),
        ("我叫刘师傅", [("honorific", "刘师傅")]),
    ],
)
def test_addressing(text: str, expected: list[tuple[str, str]]) -> None:
    assert labelled(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "先生你好",
        "这位先生",
        "女士们先生们",
        "请告诉我您的姓名",
        "我姓名是保密的",
        "和老师反映过了",
        "我叫外卖",
        "老百姓张口就骂",
        "",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert extract_addressing(text) == []


def test_offsets_point_into_the_text() -> None:
    text = "喂，我姓李，上次联系的是王师傅"
    items = extract_addressing(text)
    assert [(i.label, i.start, i.end) for i in items] == [("surname", 4, 5), ("honorific", 12, 15)]
    for item in items:
        assert text[item.start:item.end] == item.text
        assert 0 < item.confidence <= 1


def test_suggested_address() -> None:
    assert suggested_address("李") == "李先生/女士"
    assert suggested_address("欧阳") == "欧阳先生/女士"


@pytest.mark.parametrize("text", ["班主任不让进", "社区主任说", "公司主任", "装修经理", "班主任老师说"])
def test_titles_inside_ordinary_words(text: str) -> None:
    assert extract_addressing(text) == []


def test_third_party_honorifics_get_lower_confidence() -> None:
    speaker, = extract_addressing("我是张先生")
    third_party, = extract_addressing("刘老师不让孩子进教室")
    assert speaker.confidence > third_party.confidence
