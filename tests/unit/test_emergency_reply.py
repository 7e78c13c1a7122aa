"""Tests for bot.actions.emergency_reply: numbers named per kind, the city's own numbers, buttons, length."""

from __future__ import annotations

import re

import pytest

from bot.actions.emergency_reply import EMERGENCY_SERVICE_LABELS, emergency_reply
from nlu.emergency import EmergencyAssessment, EmergencyKind, assess_emergency

K = EmergencyKind
DEFAULTS = {"police": "110", "fire": "119", "ambulance": "120", "traffic": "122", "crisis": "12356"}
CASES: list[tuple[EmergencyKind, tuple[str, ...], list[str]]] = [
    (K.FIRE, ("fire",), ["119"]),
    (K.FIRE, ("fire", "ambulance"), ["119", "120"]),
    (K.GAS, ("gas", "fire"), ["119", "燃气抢修电话"]),
    (K.VIOLENCE, ("police", "ambulance"), ["110", "120"]),
    (K.MEDICAL, ("ambulance",), ["120"]),
    (K.DROWNING, ("ambulance", "police"), ["120", "110"]),
    (K.TRAFFIC_INJURY, ("traffic", "ambulance"), ["122", "120"]),
    (K.ELECTRIC_COLLAPSE, ("fire", "ambulance", "police"), ["119", "120", "110"]),
    (K.ELECTRIC_COLLAPSE, ("ambulance", "fire"), ["120", "119"]),
    (K.MISSING_PERSON, ("police",), ["110"]),
    (K.DOMESTIC_VIOLENCE, ("police",), ["110"]),
    (K.SELF_HARM, ("crisis", "police"), ["12356", "120", "110"]),
]
FORBIDDEN = ["已通知", "已派", "已经派", "已为您报警", "已经通知", "正在赶来", "马上就到", "已联系"]


def _assessment(kind: EmergencyKind, services: tuple[str, ...]) -> EmergencyAssessment:
    return EmergencyAssessment(kind, services, "测试")


def _chinese_chars(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]", text))


@pytest.mark.parametrize(("kind", "services", "expected"), CASES)
@pytest.mark.parametrize("numbers", [DEFAULTS, {}])
def test_each_kind_names_its_numbers_on_the_first_line(
    kind: EmergencyKind, services: tuple[str, ...], expected: list[str], numbers: dict[str, str]
) -> None:
    reply = emergency_reply(_assessment(kind, services), numbers)
    first_line = reply.text.split("\n")[0]
    for number in expected:
        assert number in first_line, (kind, number, reply.text)


@pytest.mark.parametrize(("kind", "services", "expected"), CASES)
def test_calm_short_and_never_promises_dispatch(kind: EmergencyKind, services: tuple[str, ...],
                                                expected: list[str]) -> None:
    reply = emergency_reply(_assessment(kind, services), DEFAULTS)
    lines = reply.text.split("\n")
    assert _chinese_chars("\n".join(lines[:2])) <= 120, reply.text
    assert len(lines) == 3 and lines[2].startswith("紧急电话：")
    assert not any(word in reply.text for word in FORBIDDEN), reply.text


@pytest.mark.parametrize(("kind", "services", "expected"), CASES)
def test_buttons(kind: EmergencyKind, services: tuple[str, ...], expected: list[str]) -> None:
    reply = emergency_reply(_assessment(kind, services), DEFAULTS)
    assert reply.buttons[0] == {"title": "转人工", "payload": "/ask_human"}
    follow_up = {"title": "事后登记工单", "payload": "/complain"}
    if kind is K.SELF_HARM:
        assert reply.buttons == [{"title": "转人工", "payload": "/ask_human"}]
        assert "工单" not in reply.text
    else:
        assert reply.buttons == [reply.buttons[0], follow_up]
        assert "工单" in reply.text


def test_custom_numbers_from_the_mapping_are_used() -> None:
    numbers = {"police": "8110", "fire": "8119", "ambulance": "8120", "traffic": "8122", "gas": "96777",
               "crisis": "88886666"}
    fire = emergency_reply(_assessment(K.FIRE, ("fire", "ambulance")), numbers).text
    assert "8119火警电话" in fire and "8120急救电话" in fire
    gas = emergency_reply(_assessment(K.GAS, ("gas", "fire")), numbers).text
    assert "96777" in gas and "8119" in gas and "当地" not in gas
    traffic = emergency_reply(_assessment(K.TRAFFIC_INJURY, ("traffic", "ambulance")), numbers).text
    assert "8122" in traffic and "8120" in traffic
    crisis = emergency_reply(_assessment(K.SELF_HARM, ("crisis", "police")), numbers).text
    assert "88886666" in crisis and "8120" in crisis and "8110" in crisis and "12356" not in crisis


def test_missing_gas_number_falls_back_to_generic_wording_and_119() -> None:
    text = emergency_reply(_assessment(K.GAS, ("gas", "fire")), {"fire": "119"}).text
    assert "当地燃气抢修电话" in text and "119" in text
    assert "不要用明火" in text


def test_blank_number_counts_as_missing() -> None:
    text = emergency_reply(_assessment(K.MEDICAL, ("ambulance",)), {"ambulance": " "}).text
    assert "120急救电话" in text


def test_first_service_is_named_first() -> None:
    text = emergency_reply(_assessment(K.DROWNING, ("ambulance", "police")), DEFAULTS).text
    assert text.index("120") < text.index("110")


def test_fire_wording() -> None:
    text = emergency_reply(_assessment(K.FIRE, ("fire",)), DEFAULTS).text
    assert text.startswith("情况紧急！请立即拨打119火警电话，并迅速撤离到安全地带，不要乘坐电梯。")


def test_self_harm_is_warm_and_names_the_crisis_line_first() -> None:
    text = emergency_reply(_assessment(K.SELF_HARM, ("crisis", "police")), DEFAULTS).text
    assert "您不是一个人" in text and "心理援助热线12356" in text
    assert text.index("12356") < text.index("120") < text.index("110")
    assert "情况紧急" not in text


def test_labels_cover_every_service_key() -> None:
    assert set(EMERGENCY_SERVICE_LABELS) == {"police", "fire", "ambulance", "traffic", "gas", "crisis"}


@pytest.mark.parametrize("text", ["楼下着火了！", "我不想活了", "有人落水了", "家里煤气泄漏了"])
def test_recogniser_and_reply_together(text: str) -> None:
    assessment = assess_emergency(text)
    assert assessment is not None
    reply = emergency_reply(assessment, {"police": "110", "fire": "119", "ambulance": "120", "crisis": "12356"})
    assert reply.text and reply.buttons


@pytest.mark.parametrize(("kind", "services", "expected"), CASES)
def test_the_last_line_lists_every_number_in_case_the_kind_was_read_wrong(
        kind: EmergencyKind, services: tuple[str, ...], expected: list[str]) -> None:
    last = emergency_reply(_assessment(kind, services), {**DEFAULTS, "gas": "96777"}).text.split("\n")[-1]
    for number in ("110", "119", "120", "122", "96777", "12356"):
        assert number in last, last
