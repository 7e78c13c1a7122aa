"""A corrected field replaces its old value in the description too, so the department gets one address."""
from __future__ import annotations


from bot.actions.intake.forms import Field
from bot.actions.intake.machine import IntakeMachine
from bot.actions.intake.session import STAGE_CONFIRM, IntakeSession
from bot.actions.intake.submit import build_request
from tests.unit.intake_doubles import RealAddressServices

FIRST = "朝阳区建国路88号楼下烧烤店从上周三开始每天晚上吵到两点，我姓王，电话13812345678"


AddressServices = RealAddressServices


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
