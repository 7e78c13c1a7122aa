"""Every ID- or phone-shaped number leaves the work-order description and the summary, whatever its checksum.

Valid contact numbers are removed (they travel in the order's contact fields); everything else shaped like an ID
or phone number is masked. Order numbers, dates and amounts stay as written. All numbers are made up.
"""
from __future__ import annotations

import pytest

from bot.actions.intake.contacts import mask_contacts
from bot.actions.intake.session import IntakeSession
from bot.actions.intake.submit import build_request, strip_contact
from bot.actions.intake.wording import summary


def make_id(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


VALID_ID = make_id("11010519900307123")
TYPO_ID = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")  # wrong check character

# (text, the number as written, what must not survive of it)
NUMBERS = [
    (f"我的身份证号{TYPO_ID}办不了业务", TYPO_ID, TYPO_ID),
    ("老身份证号110105901307123一直没换", "110105901307123", "110105901307123"),  # 15 digits, month 13
    ("身份证号110105 19900307 1235", "110105 19900307 1235", "19900307"),
    ("身份证110105-19900307-123X", "110105-19900307-123X", "19900307"),
    ("物业电话11012345678一直打不通", "11012345678", "11012345678"),  # 11 digits starting with 1
    ("店主手机12098765432不接", "12098765432", "12098765432"),
    ("报修电话010-62345678没人接", "010-62345678", "62345678"),
    ("座机0755 8888 6666打不通", "0755 8888 6666", "8888 6666"),
    ("联系+86 138 1234 5678", "+86 138 1234 5678", "1234 5678"),
    ("联系0086-110-1234-5678", "0086-110-1234-5678", "1234-5678"),
    ("号码 110 1234 5678 是他的", "110 1234 5678", "1234 5678"),
    ("座机0123-4567890", "0123-4567890", "4567890"),
]


@pytest.mark.parametrize("text, written, secret", NUMBERS)
def test_id_and_phone_shaped_numbers_leave_the_description(text: str, written: str, secret: str) -> None:
    description = strip_contact(text)
    assert written not in description and secret not in description
    masked = mask_contacts(text)
    assert secret not in masked and "*" in masked


@pytest.mark.parametrize("text, written, secret", NUMBERS)
def test_the_summary_and_the_work_order_never_show_them(text: str, written: str, secret: str) -> None:
    session = IntakeSession(appeal_type="投诉举报", description=f"建国路88号楼下烧烤店每天吵，{text}",
                            address="北京市朝阳区建国路88号", occurred="不详", category="", name="王女士",
                            phone="13812345678", callback_consent=True, anonymous=False, stage="confirm")
    request = build_request(session, "rexian", channel="webchat", channel_user_id="web:x")
    assert secret not in request.description and "烧烤店" in request.description
    assert secret not in summary(session).text


@pytest.mark.parametrize("text", [
    "工单号2026112700000042还没人处理",
    "2026年11月27日交了1280元物业费",
    "2026-11-27 10:00开始停水，押金12345678.50元",
    "合同编号20261127，金额 1,280,000 元",
    "订单2026112700000042和2026112700000043都没处理",
    "建国路3-5号，12-3-402室",
])
def test_order_numbers_dates_and_amounts_stay(text: str) -> None:
    assert strip_contact(text) == text
    assert mask_contacts(text) == text
    from nlu.extract import extract_id_like, extract_phone_like

    assert not extract_id_like(text) and not extract_phone_like(text)


def test_a_number_next_to_a_date_is_still_found() -> None:
    from nlu.extract import extract_phone_like

    (found,) = extract_phone_like("2026-11-27 11012345678")
    assert found.value == "11012345678" and found.text == "11012345678"


def test_an_extension_goes_with_the_removed_phone() -> None:
    assert strip_contact("楼下很吵，电话 138 0013 8000 转 8001") == "楼下很吵"
