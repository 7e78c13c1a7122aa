"""Tests for nlu.extract.phone: mobiles, landlines, extensions, offsets, masking."""

from __future__ import annotations

import pytest

from nlu.extract import Extraction, extract_phones, mask_phone


def _values(text: str) -> list[str]:
    return [extraction.value for extraction in extract_phones(text)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("13812345678", "13812345678"),
        ("我的手机号是15900001111，麻烦回电", "15900001111"),
        ("电话:199 8765 4321", "19987654321"),
        ("联系电话 177-3456-7890", "17734567890"),
        ("+8613812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0086-13812345678", "13812345678"),
        ("(+86)18600001234", "18600001234"),
        ("手机１８６００００１２３４", "18600001234"),
        ("号码是一三八一二三四五六七八", "13812345678"),
        ("幺八六零零零幺二三四五", "18600012345"),
    ],
)
def test_mobile_numbers(text: str, value: str) -> None:
    extractions = extract_phones(text)
    assert [(e.label, e.value) for e in extractions] == [("mobile", value)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("010-12345678", "010-12345678"),
        ("单位电话 0755 8888 6666", "0755-88886666"),
        ("(021)12345678", "021-12345678"),
        ("（０２１）６２３４５６７８", "021-62345678"),
        ("02887654321", "028-87654321"),
        ("0571-8765432", "0571-8765432"),
        ("010-12345678转123", "010-12345678,123"),
        ("0755-88886666-8001", "0755-88886666,8001"),
        ("0755 8888 6666 分机 12", "0755-88886666,12"),
        ("座机025-52345678 ext 66", "025-52345678,66"),
    ],
)
def test_landlines(text: str, value: str) -> None:
    extractions = extract_phones(text)
    assert [(e.label, e.value) for e in extractions] == [("landline", value)]


@pytest.mark.parametrize(
    "text",
    [
        "110105194912310021",  # digits of an 18-digit ID number
        "身份证440305199003071236",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12812345678",  # second digit 2 is not a mobile prefix
        "订单号 2023113812345678901",
        "一下子来了三三两两的人",
        "明天下午3点",
        "010-1234",  # local part too short
        "流水号99913812345678",  # a mobile-shaped tail of a longer number
    ],
)
def test_no_false_positives(text: str) -> None:
    assert extract_phones(text) == []


def test_two_numbers_in_one_message() -> None:
    text = "手机13812345678，座机010-62345678，备用 13987654321 13700001111"
    assert _values(text) == ["13812345678", "010-62345678", "13987654321", "13700001111"]


def test_number_followed_by_spaced_digits_stays_separate() -> None:
    (extraction,) = extract_phones("电话13812345678 12点以前打")
    assert extraction.value == "13812345678"
    assert extraction.end == 13


def test_offsets_point_into_original_full_width_sentence() -> None:
    text = "您好😀，我的電話是１３８－１２３４－５６７８，謝謝"
    (extraction,) = extract_phones(text)
    assert extraction.text == "１３８－１２３４－５６７８"
    assert text[extraction.start : extraction.end] == extraction.text
    assert extraction.start == text.index("１３８")
    assert extraction.value == "13812345678"


def test_offsets_for_spaced_and_chinese_numerals() -> None:
    text = "麻烦回拨 一三八 一二三四 五六七八 谢谢"
    (extraction,) = extract_phones(text)
    assert extraction.text == "一三八 一二三四 五六七八"
    assert text[extraction.start : extraction.end] == extraction.text


def test_landline_offsets_include_extension() -> None:
    text = "请打０７５５-８８８８６６６６转８００１找王科长"
    (extraction,) = extract_phones(text)
    assert extraction.text == "０７５５-８８８８６６６６转８００１"
    assert extraction.value == "0755-88886666,8001"


def test_confidence_higher_for_clean_matches() -> None:
    clean = extract_phones("13812345678")[0].confidence
    separated = extract_phones("138-1234-5678")[0].confidence
    spoken = extract_phones("一三八 一二三四 五六七八")[0].confidence
    full_width_separated = extract_phones("１３８－１２３４－５６７８")[0].confidence
    assert clean > separated > full_width_separated
    assert clean > spoken
    assert extract_phones("0755-88886666")[0].confidence > extract_phones("(0755)8888-6666")[0].confidence


def test_extraction_is_frozen() -> None:
    extraction = extract_phones("13812345678")[0]
    assert isinstance(extraction, Extraction)
    with pytest.raises(AttributeError):
        extraction.value = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("19987654321", "199****4321"),
        ("0755-88886666", "0755-****6666"),
        ("010-12345678,8001", "010-****5678"),
        ("0571-8765432", "0571-***5432"),
    ],
)
def test_mask_phone(value: str, masked: str) -> None:
    assert mask_phone(value) == masked
