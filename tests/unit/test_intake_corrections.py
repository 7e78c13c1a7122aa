"""A corrected field replaces its old value in the description too, so the department gets one address."""
from __future__ import annotations

import datetime as dt
from typing import Any

from bot.actions.intake.forms import AppealType, Field
from bot.actions.intake.machine import IntakeMachine
from bot.actions.intake.services import _as_pair
from bot.actions.intake.session import STAGE_CONFIRM, IntakeSession
from bot.actions.intake.submit import build_request
from nlu.extract import extract_addresses, parse_address

FIRST = "朝阳区建国路88号楼下烧烤店从上周三开始每天晚上吵到两点，我姓王，电话13812345678"


class AddressServices:
    """Stand-ins for the classifier and the KB; the real address extractors."""

    def classify_appeal(self, text: str) -> tuple[AppealType, float, bool]:
        return AppealType.COMPLAINT, 0.9, False

    def suggest_categories(self, text: str) -> list[dict[str, Any]]:
        return [{"path": "城乡建设与管理/噪音扰民/社会生活噪音", "department": "gongan", "department_name": "市公安局",
                 "score": 0.8}]

    def parse_address(self, text: str) -> tuple[str, dict[str, Any]] | None:
        return _as_pair(parse_address(text, default_city="北京市"))

    def find_address(self, text: str) -> tuple[str, dict[str, Any]] | None:
        found = extract_addresses(text, default_city="北京市")
        return _as_pair(max(found, key=lambda a: a.confidence)) if found else None

    def kb_answer(self, text: str) -> str | None:
        return None

    def now(self) -> dt.datetime:
        return dt.datetime(2026, 11, 27, 10, 0)


def at_summary(first: str = FIRST) -> tuple[IntakeMachine, IntakeSession]:
    machine = IntakeMachine(AddressServices())
    session = machine.start(first).session
    for answer in ("需要", "不用保密"):
        session = machine.handle(session, answer).session
    assert session.stage == STAGE_CONFIRM
    return machine, session


def department_text(session: IntakeSession) -> str:
    return build_request(session, "rexian", channel="webchat", channel_user_id="web:x").description


def test_a_corrected_address_replaces_the_old_one_in_the_description() -> None:
    machine, session = at_summary()
    assert "建国路88号" in session.description
    result = machine.handle(session, "地址说错了，是朝阳区建国路66号")
    session = result.session
    assert session.address == "北京市朝阳区建国路66号"
    assert "88号" not in session.description and "建国路66号楼下烧烤店" in session.description
    assert "88号" not in department_text(session)
    assert "88号" not in result.replies[-1].text  # the summary shown again


def test_an_address_given_after_改一下地址_replaces_the_old_one_too() -> None:
    machine, session = at_summary()
    session = machine.handle(session, "改一下地址").session
    assert session.pending == Field.ADDRESS.value
    session = machine.handle(session, "朝阳区幸福路8号").session
    assert session.address == "北京市朝阳区幸福路8号"
    assert "88号" not in session.description and "幸福路8号" in session.description


def test_a_corrected_phone_leaves_no_old_number_in_the_description() -> None:
    machine, session = at_summary()
    session = machine.handle(session, "电话改成13900001111").session
    assert session.phone == "13900001111"
    assert "13812345678" not in session.description
    assert "13900001111" not in department_text(session) and "13812345678" not in department_text(session)


def test_a_corrected_name_replaces_the_old_one_in_the_description() -> None:
    machine, session = at_summary("我姓王住在朝阳区建国路88号，楼下烧烤店每天晚上吵到两点，电话13812345678")
    session = machine.handle(session, "名字写错了，我姓赵").session
    assert session.name == "赵先生/女士"
    assert "王" not in session.description and "我姓赵" in session.description


def test_a_corrected_time_replaces_the_old_one_in_the_description() -> None:
    machine, session = at_summary()
    session = machine.handle(session, "时间说错了，是上周五开始的").session
    assert "上周五" in session.occurred
    assert "上周三" not in session.description and "上周五" in session.description
    assert "上周三" not in department_text(session)


def test_a_correction_keeps_the_rest_of_the_description() -> None:
    machine, session = at_summary()
    session = machine.handle(session, "地址说错了，是朝阳区建国路66号").session
    assert session.description.startswith("朝阳区建国路66号楼下烧烤店从上周三开始每天晚上吵到两点")
