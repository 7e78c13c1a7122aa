"""Tests for nlu.extract.idcard: checksum, birth date, offsets, masking.

All ID numbers are made up; the check character is computed by the helper below
(independently of the code under test).
"""

from __future__ import annotations

import pytest

from nlu.extract import extract_id_numbers, mask_id
from nlu.extract.idcard import check_character, is_valid_id_number


def make_id(first17: str) -> str:
    """Append the ISO 7064 MOD 11-2 check character (weights 2^(17-i) mod 11)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights))
    return first17 + "10X98765432"[total % 11]


def wrong_check(valid: str) -> str:
    """The same number with a different (wrong) check character."""
    return valid[:17] + ("0" if valid[17] != "0" else "1")


VALID = [
    make_id("44030519900307123"),
    make_id("11010119800101001"),
    make_id("32058319751231456"),
    make_id("51010720000229789"),  # 29 February of a leap year
    make_id("65010219681118003"),
]


def test_helper_matches_published_example() -> None:
    # The example number from GB 11643-1999.
    assert make_id("11010519491231002") == "11010519491231002X"
    assert check_character("11010519491231002") == "X"


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_found(number: str) -> None:
    text = f"我的身份证号码是{number}，请核实"
    (extraction,) = extract_id_numbers(text)
    assert extraction.label == "id_number"
    assert extraction.value == number
    assert text[extraction.start : extraction.end] == number
    assert extraction.confidence == 0.99


def test_checksum_x_lower_and_upper_case() -> None:
    for text in ("11010519491231002X", "11010519491231002x"):
        (extraction,) = extract_id_numbers(text)
        assert extraction.value == "11010519491231002X"
        assert extraction.text == text


@pytest.mark.parametrize("number", VALID)
def test_wrong_check_character_not_returned(number: str) -> None:
    assert extract_id_numbers(f"身份证{wrong_check(number)}") == []
    assert not is_valid_id_number(wrong_check(number))


@pytest.mark.parametrize(
    "first17",
    [
        "44030519900230123",  # 30 February
        "44030519901301123",  # month 13
        "44030519900000123",  # month 0
        "51010719000229789",  # 1900 is not a leap year
        "44030518000101123",  # year before 1900
    ],
)
def test_impossible_birth_date_rejected(first17: str) -> None:
    assert extract_id_numbers(make_id(first17)) == []


@pytest.mark.parametrize(
    "text",
    [
        "1" + VALID[0],  # 19 digits
        VALID[0] + "5",
        "A" + VALID[0],
        VALID[0][:17],  # 17 digits
        "手机13812345678",
        "0" + make_id("4030519900307123")[0:17],  # leading zero area code
    ],
)
def test_no_match_inside_longer_or_shorter_strings(text: str) -> None:
    assert extract_id_numbers(text) == []


def test_full_width_number_offsets_point_into_original() -> None:
    number = VALID[1]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    text = f"😀身份證：{full_width}。"
    (extraction,) = extract_id_numbers(text)
    assert extraction.value == number
    assert extraction.text == full_width
    assert text[extraction.start : extraction.end] == full_width
    assert extraction.confidence == 0.95


def test_spaced_number_is_joined() -> None:
    number = VALID[2]
    text = f"号码 {number[:6]} {number[6:14]} {number[14:]} 谢谢"
    (extraction,) = extract_id_numbers(text)
    assert extraction.value == number
    assert extraction.text == f"{number[:6]} {number[6:14]} {number[14:]}"


def test_id_and_phone_in_same_message() -> None:
    text = f"身份证{VALID[0]}，电话13812345678"
    (extraction,) = extract_id_numbers(text)
    assert extraction.value == VALID[0]


def test_old_15_digit_number_low_confidence() -> None:
    (extraction,) = extract_id_numbers("老身份证110105491231002")
    assert extraction.label == "id_number_15"
    assert extraction.value == "110105491231002"
    assert extraction.confidence < 0.99
    assert extract_id_numbers("110105491331002") == []  # month 13


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "110***********002X"),
        (VALID[0], VALID[0][:3] + "*" * 11 + VALID[0][-4:]),
        ("110105491231002", "110********1002"),
        ("1234567", "*******"),
    ],
)
def test_mask_id(value: str, masked: str) -> None:
    assert mask_id(value) == masked
    assert len(mask_id(value)) == len(value)
