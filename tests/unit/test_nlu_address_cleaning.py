"""An address as the work order gets it: no lead-in, no unbalanced bracket, number ranges kept whole."""
from __future__ import annotations

import pytest

from nlu.extract import extract_addresses, parse_address


@pytest.mark.parametrize("reply, expected", [
    ("地址是朝阳区建国路88号", "北京市朝阳区建国路88号"),
    ("地址就是建国路88号", "北京市建国路88号"),
    ("具体位置是建国路88号", "北京市建国路88号"),
    ("位置：幸福小区3号楼", "北京市幸福小区3号楼"),
    ("地点在建国路88号", "北京市建国路88号"),
    ("地方是建国路88号", "北京市建国路88号"),
    ("就在建国路88号", "北京市建国路88号"),
    ("在就在建国路88号", "北京市建国路88号"),
    ("事发地点：建国路88号", "北京市建国路88号"),
    ("我家住在幸福小区3号楼", "北京市幸福小区3号楼"),
])
def test_a_reply_keeps_no_lead_in(reply: str, expected: str) -> None:
    parsed = parse_address(reply, default_city="北京市")
    assert parsed is not None and parsed.normalized == expected
    for lead in ("地址", "位置", "地点", "地方", "就在", "就是"):
        assert lead not in parsed.rest


@pytest.mark.parametrize("message, expected", [
    ("地方是建国路88号，楼下烧烤店天天吵", "北京市建国路88号"),
    ("地址是建国路88号，楼下烧烤店天天吵", "北京市建国路88号"),
    ("位置是幸福小区3号楼，门口垃圾没人清运", "北京市幸福小区3号楼"),
])
def test_an_address_in_a_complaint_keeps_no_lead_in(message: str, expected: str) -> None:
    assert [a.normalized for a in extract_addresses(message, default_city="北京市")] == [expected]


@pytest.mark.parametrize("reply, expected", [
    ("建国路（88号", "北京市建国路88号"),
    ("建国路(88号", "北京市建国路88号"),
    ("建国路88号）", "北京市建国路88号"),
    ("朝阳区建国路88号（国贸对面）", "北京市朝阳区建国路88号(国贸对面)"),
])
def test_no_unbalanced_bracket(reply: str, expected: str) -> None:
    parsed = parse_address(reply, default_city="北京市")
    assert parsed is not None and parsed.normalized == expected
    for opening, closing in (("(", ")"), ("（", "）")):
        assert parsed.rest.count(opening) + parsed.rest.count(closing) in (0, 2)


def test_no_unbalanced_bracket_in_a_complaint() -> None:
    (found,) = extract_addresses("在建国路（88号门口有人烧烤", default_city="北京市")
    assert found.normalized == "北京市建国路88号" and "（" not in found.rest


@pytest.mark.parametrize("text, expected", [
    ("建国路3-5号", "北京市建国路3-5号"),
    ("建国路3～5号", "北京市建国路3~5号"),
    ("幸福小区3至5号楼", "北京市幸福小区3至5号楼"),
    ("幸福小区3～5号楼", "北京市幸福小区3~5号楼"),
    ("幸福路3-5号楼", "北京市幸福路3-5号楼"),
    ("幸福小区3号楼至5号楼", "北京市幸福小区3号楼至5号楼"),
])
def test_number_ranges_stay_whole(text: str, expected: str) -> None:
    parsed = parse_address(text, default_city="北京市")
    assert parsed is not None and parsed.normalized == expected


@pytest.mark.parametrize("message, expected", [
    ("幸福小区3至5号楼之间的路灯不亮", "北京市幸福小区3至5号楼"),
    ("幸福小区3～5号楼门口垃圾没人清运", "北京市幸福小区3~5号楼"),
    ("建国路3-5号的路灯坏了", "北京市建国路3-5号"),
])
def test_number_ranges_stay_whole_in_a_complaint(message: str, expected: str) -> None:
    assert [a.normalized for a in extract_addresses(message, default_city="北京市")] == [expected]
